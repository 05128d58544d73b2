# The walkthrough's Pi job on the critical profile:
#   terraform apply -invoke=action.emreks_spark_job.pi
action "emreks_spark_job" "pi" {
  config {
    platform_id           = emreks_platform.this.id
    profile               = "critical"
    name                  = "pi"
    entry_point_arguments = ["100"]
    spark_properties = {
      "spark.sql.shuffle.partitions" = "64"
    }
  }
}
