# With IAM Identity Center: the platform's studio block has auth_mode = "SSO".
resource "emreks_notebook_user" "data_team" {
  platform_id       = emreks_platform.this.id
  identity_name     = "data-team"
  identity_type     = "GROUP"
  managed_endpoints = [{ name = "shared", execution_role = "notebooks" }]
}
