resource "emreks_notebook_user" "analyst" {
  platform_id   = emreks_platform.this.id
  identity_name = "analyst"

  managed_endpoints = [
    {
      # The platform's release and its notebook job profile's settings.
      name           = "myendpoint"
      execution_role = "notebooks" # a key of the platform's execution_roles, or a role ARN
    },
    {
      name           = "big-memory"
      release_label  = "emr-7.9.0-latest"
      execution_role = "notebooks"
      configuration_overrides = jsonencode({
        applicationConfiguration = [{
          classification = "spark-defaults"
          properties     = { "spark.executor.memory" = "20g" }
        }]
      })
    },
  ]
}
