# A team's Spark platform with sensible defaults: batch and notebook virtual
# clusters with their execution roles, the three job profiles, an EMR
# Studio, the per-zone Spark nodegroups, and notebook users.

resource "emreks_platform" "this" {
  name               = var.name
  kubernetes_version = var.kubernetes_version
  eks_admin_role_arn = var.admin_role_arn
  # Either a new VPC (vpc_cidr, one subnet set per zone) or your subnets.
  vpc_cidr           = var.subnet_ids == null ? var.vpc_cidr : null
  availability_zones = var.subnet_ids == null ? var.availability_zones : null
  subnet_ids         = var.subnet_ids

  # Terraform writes Kubernetes objects: it must reach the cluster's API.
  endpoint_public_access_cidrs = var.endpoint_public_access_cidrs
  terraform_in_vpc             = var.terraform_in_vpc

  virtual_clusters = {
    batch     = { namespace = "batch" }
    notebooks = { namespace = "notebooks" }
  }

  execution_roles = {
    jobs      = { namespaces = ["batch"], policy = var.job_policy_json, trust = "irsa" }
    notebooks = { namespaces = ["notebooks"], policy = var.notebook_policy_json, trust = "irsa" }
  }

  job_profile "critical" {
    virtual_cluster = "batch"
    execution_role  = "jobs"
  }

  job_profile "non_critical" {
    virtual_cluster = "batch"
    execution_role  = "jobs"
  }

  job_profile "notebook" {
    virtual_cluster = "notebooks"
    execution_role  = "notebooks"
  }

  studio {
    name             = "${var.name}-notebooks"
    auth_mode        = var.studio_auth_mode
    idc_instance_arn = var.idc_instance_arn
    virtual_cluster  = "notebooks"
  }

  tags = var.tags
}

locals {
  nodegroups = {
    for pair in setproduct(var.node_roles, var.availability_zones) :
    "${replace(pair[0], "_", "-")}-${substr(pair[1], -1, 1)}" => { role = pair[0], zone = pair[1] }
  }
}

resource "emreks_nodegroup" "spark" {
  for_each = local.nodegroups

  platform_id       = emreks_platform.this.id
  name              = each.key
  role              = each.value.role
  availability_zone = each.value.zone
  tags              = var.tags
}

resource "emreks_notebook_user" "this" {
  for_each = var.notebook_users

  platform_id   = emreks_platform.this.id
  identity_name = each.key
  managed_endpoints = [for endpoint in each.value : {
    name                    = endpoint
    release_label           = null
    execution_role          = "notebooks"
    configuration_overrides = null
  }]
}
