# The walkthrough's Pi job on the critical profile, as a Terraform action
# (Terraform 1.14 and later): nothing of the run is kept in the state.
#
#   terraform apply -invoke=action.emreks_spark_job.pi
action "emreks_spark_job" "pi" {
  config {
    platform_id           = emreks_platform.this.id
    profile               = "critical"
    name                  = "pi"
    entry_point_arguments = ["100"]
  }
}
