provider "emreks" {
  region            = var.region
  s3_use_path_style = var.aws_endpoint != null

  default_tags {
    tags = {
      project = "spark-platform"
    }
  }

  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      eks           = endpoints.value
      emrcontainers = endpoints.value
      emr           = endpoints.value
      iam           = endpoints.value
      s3            = endpoints.value
      ec2           = endpoints.value
      sts           = endpoints.value
      logs          = endpoints.value
      autoscaling   = endpoints.value
      kubernetes    = var.kubernetes_endpoint
    }
  }
}

# The platform of the reference walkthrough: an EKS cluster in its own VPC
# over three availability zones, EMR on EKS with a batch and a notebook
# virtual cluster, their execution roles, and an EMR Studio.
resource "emreks_platform" "this" {
  name               = var.platform_name
  kubernetes_version = "1.33"
  eks_admin_role_arn = var.eks_admin_role_arn

  # Terraform writes Kubernetes objects: it must reach the cluster's API.
  endpoint_public_access_cidrs = var.endpoint_public_access_cidrs
  terraform_in_vpc             = var.terraform_in_vpc

  vpc_cidr           = var.vpc_cidr
  availability_zones = ["${var.region}a", "${var.region}b", "${var.region}c"]

  virtual_clusters = {
    batchjob      = { namespace = "batchjob" }
    emrvcplatform = { namespace = "dataanalysis" }
  }

  execution_roles = {
    jobs = {
      namespaces = ["batchjob"]
      trust      = "irsa"
      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [{
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:ListBucket"]
          Resource = ["arn:aws:s3:::${var.data_bucket}", "arn:aws:s3:::${var.data_bucket}/*"]
        }]
      })
    }
    notebooks = {
      namespaces = ["dataanalysis"]
      trust      = "irsa"
      policy     = null
    }
  }

  job_profile "critical" {
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
  }

  job_profile "non_critical" {
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
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

  tags = {
    owner = "data-platform-team"
  }
}

# The reference's Spark nodegroups: each role preset in each availability
# zone, so a job's executors scale in its driver's zone.
locals {
  roles = ["critical", "non_critical_driver", "non_critical_executor", "notebook_driver", "notebook_executor"]
  zones = ["${var.region}a", "${var.region}b", "${var.region}c"]
  nodegroups = {
    for pair in setproduct(local.roles, local.zones) :
    "${replace(pair[0], "_", "-")}-${substr(pair[1], -1, 1)}" => { role = pair[0], zone = pair[1] }
  }
}

resource "emreks_nodegroup" "spark" {
  for_each = local.nodegroups

  platform_id       = emreks_platform.this.id
  name              = each.key
  role              = each.value.role
  availability_zone = each.value.zone
}

# The walkthrough's notebook user and its endpoint on the notebook virtual
# cluster (the IAM user must exist: the Studio signs in with IAM).
resource "emreks_notebook_user" "analyst" {
  platform_id   = emreks_platform.this.id
  identity_name = var.notebook_user

  managed_endpoints = [{
    name                    = "myendpoint"
    release_label           = null # the platform's release
    execution_role          = "notebooks"
    configuration_overrides = null # the platform's notebook job profile
  }]
}
