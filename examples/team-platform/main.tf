# The reusable module in use: what a team puts in its own configuration.
terraform {
  required_version = ">= 1.5"
  required_providers {
    emreks = {
      source = "emreks/emreks"
    }
  }
}

provider "emreks" {
  region = "eu-west-1"
  default_tags {
    tags = {
      team = "risk-analytics"
    }
  }
}

module "spark" {
  source = "../modules/spark-platform"

  name           = "risk"
  admin_role_arn = "arn:aws:iam::123456789012:role/PlatformAdmin"

  # The VPC's range; or give `subnet_ids` (one per zone) to use your own.
  vpc_cidr           = "10.20.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]

  # Every job profile needs its nodegroups: without the non_critical ones,
  # that profile's jobs would stay pending (the plan warns of it).
  node_roles = ["critical", "non_critical_driver", "non_critical_executor", "notebook_driver", "notebook_executor"]

  job_policy_json = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::risk-data/*" }]
  })

  notebook_users = {
    alice = ["alice"]
    bob   = ["bob", "shared"]
  }
}

output "studio_url" {
  value = module.spark.studio_url
}

output "critical_job_request" {
  value = module.spark.job_run_requests["critical"]
}
