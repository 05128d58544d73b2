# A smoke job each time the platform is created.
resource "emreks_platform" "smoke" {
  name               = "smoke"
  eks_admin_role_arn = "arn:aws:iam::123456789012:role/PlatformAdmin"
  vpc_cidr           = "10.1.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]

  virtual_clusters = {
    batchjob = { namespace = "batchjob" }
  }
  execution_roles = {
    jobs = { namespaces = ["batchjob"], policy = null, trust = "irsa" }
  }
  job_profile "non_critical" {
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
  }

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.emreks_spark_job.smoke]
    }
  }
}

action "emreks_spark_job" "smoke" {
  config {
    platform_id = "smoke"
    profile     = "non_critical"
    timeout     = "20m"
  }
}
