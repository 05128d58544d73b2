resource "emreks_platform" "this" {
  name               = "analytics"
  kubernetes_version = "1.33"
  eks_admin_role_arn = "arn:aws:iam::123456789012:role/PlatformAdmin"

  # Terraform writes Kubernetes objects, so it must reach the cluster's API:
  # list the addresses it (and kubectl) connect from.
  endpoint_public_access_cidrs = ["203.0.113.0/24"]

  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]

  virtual_clusters = {
    batchjob      = { namespace = "batchjob" }
    emrvcplatform = { namespace = "dataanalysis" }
  }

  execution_roles = {
    jobs = {
      namespaces = ["batchjob"]
      trust      = "irsa"
      # What the jobs need beyond the baseline every role gets: your data.
      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [{
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:ListBucket"]
          Resource = ["arn:aws:s3:::analytics-data", "arn:aws:s3:::analytics-data/*"]
        }]
      })
    }
    # No policy: the baseline only (read the pod templates, write the logs).
    notebooks = { namespaces = ["dataanalysis"] }
  }

  job_profile "critical" {
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
  }

  job_profile "non_critical" {
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
    max_executors   = 80
  }

  job_profile "notebook" {
    virtual_cluster = "emrvcplatform"
    execution_role  = "notebooks"
  }

  studio {
    name            = "platform"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }

  tooling {
    instance_types = ["t3.large"]
  }

  log_retention_days = 90
}

# Submit the critical profile's job as it is:
#   terraform output -raw critical_job_request > job.json
#   aws emr-containers start-job-run --cli-input-json file://job.json
output "critical_job_request" {
  value = emreks_platform.this.job_run_requests["critical"]
}

# Then follow the jobs' pods:
#   $(terraform output -raw kubeconfig_command)
#   kubectl get pods --namespace=batchjob -w
output "kubeconfig_command" {
  value = emreks_platform.this.kubeconfig_command
}
