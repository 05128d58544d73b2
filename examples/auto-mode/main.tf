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

# The walkthrough's platform on EKS Auto Mode: AWS runs Karpenter, block
# storage and load balancing for the cluster, so the platform installs no
# tooling nodegroup, Cluster Autoscaler or controllers, and its Spark nodes
# come from the node pools below instead of per-zone nodegroups.
resource "emreks_platform" "this" {
  name               = var.platform_name
  kubernetes_version = "1.33"
  eks_admin_role_arn = var.eks_admin_role_arn
  compute            = "auto_mode"

  # Terraform writes Kubernetes objects (the node pools): it must reach the cluster's API.
  endpoint_public_access_cidrs = var.endpoint_public_access_cidrs
  terraform_in_vpc             = var.terraform_in_vpc

  vpc_cidr           = var.vpc_cidr
  availability_zones = ["${var.region}a", "${var.region}b", "${var.region}c"]

  virtual_clusters = {
    batchjob = { namespace = "batchjob" }
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
  }

  job_profile "critical" {
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
  }

  job_profile "non_critical" {
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
  }

  # Notebooks (an EMR Studio) with var.notebooks: AWS documents EMR on EKS
  # interactive endpoints on managed nodegroups only, so the notebooks run on
  # the notebook nodegroups below, and the platform adds the add-ons, Cluster
  # Autoscaler and AWS Load Balancer Controller they need (the controllers on
  # Auto Mode's system node pool). See docs/guides/choose-compute.md.
  dynamic "studio" {
    for_each = var.notebooks ? ["studio"] : []
    content {
      name            = "${var.platform_name}-notebooks"
      auth_mode       = "IAM"
      virtual_cluster = "batchjob"
    }
  }

  tags = {
    owner = "data-platform-team"
  }
}

# The batch jobs' Spark pools, one per role preset, in every zone (a job's
# executors still follow its driver's zone through the pod templates):
# critical jobs on on-demand Graviton, non-critical drivers on on-demand
# Graviton, their executors on spot, Graviton first and x86 as fallback.
# Drivers' nodes are consolidated only when empty; executors' also when
# underused, after Spark has let idle executors go.
locals {
  spark_roles = ["critical", "non_critical_driver", "non_critical_executor"]
}

resource "emreks_node_pool" "spark" {
  for_each = toset(local.spark_roles)

  platform_id = emreks_platform.this.id
  name        = "spark-${replace(each.value, "_", "-")}"
  role        = each.value
}

# With var.notebooks: the notebooks' drivers and executors on managed
# nodegroups (x86, scaled from zero by Cluster Autoscaler), in one zone.
resource "emreks_nodegroup" "notebooks" {
  for_each = toset(var.notebooks ? ["notebook_driver", "notebook_executor"] : [])

  platform_id       = emreks_platform.this.id
  name              = replace(each.value, "_", "-")
  role              = each.value
  availability_zone = "${var.region}a"
}
