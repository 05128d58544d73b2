variable "name" {
  description = "Platform name (also its EKS cluster's)."
  type        = string
}

variable "availability_zones" {
  description = "Availability zones of the platform (two or more); each gets its own Spark nodegroups. With subnet_ids, the zones of those subnets."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC the platform creates (/16 to /28); each zone gets a large private and a small public subnet from it. Ignored with subnet_ids."
  type        = string
  default     = "10.0.0.0/16"
}

variable "subnet_ids" {
  description = "Existing private subnets to use instead of creating a VPC: one per zone of availability_zones, all in one VPC. Null (the default) creates the VPC from vpc_cidr."
  type        = list(string)
  default     = null

  validation {
    condition     = var.subnet_ids == null || length(coalesce(var.subnet_ids, [])) == length(var.availability_zones)
    error_message = "Give one subnet per availability zone: subnet_ids and availability_zones must have the same length."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes version of the cluster (1.31 or later; choose one in EKS standard support)."
  type        = string
  default     = "1.33"
}

variable "admin_role_arn" {
  description = "IAM role that administers the cluster."
  type        = string
}

variable "job_policy_json" {
  description = "IAM policy the batch jobs need on top of the baseline (your data), or null."
  type        = string
  default     = null
}

variable "notebook_policy_json" {
  description = "IAM policy the notebooks need on top of the baseline, or null."
  type        = string
  default     = null
}

variable "node_roles" {
  description = "Role presets that get one nodegroup per availability zone."
  type        = list(string)
  default     = ["critical", "non_critical_driver", "non_critical_executor", "notebook_driver", "notebook_executor"]
}

variable "studio_auth_mode" {
  description = "How notebook users sign in to the Studio: IAM or SSO."
  type        = string
  default     = "IAM"
}

variable "idc_instance_arn" {
  description = "IAM Identity Center instance, with studio_auth_mode = SSO."
  type        = string
  default     = null
}

variable "notebook_users" {
  description = "Notebook users (IAM user or role names, or Identity Center users) and their endpoint names."
  type        = map(list(string))
  default     = {}
}

variable "tags" {
  description = "Tags of every object of the platform."
  type        = map(string)
  default     = {}
}

variable "endpoint_public_access_cidrs" {
  description = "Addresses allowed to reach the cluster's public Kubernetes API endpoint; Terraform must be among them (e.g. your CI runner's egress address as [\"203.0.113.7/32\"]). Null: every address (the provider warns), or none with terraform_in_vpc."
  type        = list(string)
  default     = null
}

variable "terraform_in_vpc" {
  description = "True when Terraform runs inside the platform's VPC (or a network routed to it), so a private-only endpoint (endpoint_public_access_cidrs = []) is reachable."
  type        = bool
  default     = false
}
