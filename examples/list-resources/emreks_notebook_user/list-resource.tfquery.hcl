# The notebook users of the platform "analytics", for `terraform query`.
list "emreks_notebook_user" "analytics" {
  provider = emreks

  config {
    platform_id = "analytics"
  }
}
