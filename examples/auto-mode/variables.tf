variable "region" {
  description = "AWS region of the platform."
  type        = string
  default     = "eu-west-1"
}

variable "platform_name" {
  description = "Name of the platform and of its EKS cluster."
  type        = string
  default     = "analytics"
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC the platform creates, as in the walkthrough."
  type        = string
  default     = "10.0.0.0/16"
}

variable "eks_admin_role_arn" {
  description = "IAM role that administers the cluster (needs at least eks:AccessKubernetesApi)."
  type        = string
}

variable "aws_endpoint" {
  description = "Send every AWS call to this URL instead of AWS (a local emulator). Leave null for real AWS."
  type        = string
  default     = null
}

variable "kubernetes_endpoint" {
  description = "Kubernetes API URL to use instead of the cluster's own (a local emulator). Leave null for real AWS."
  type        = string
  default     = null
}

variable "data_bucket" {
  description = "S3 bucket the jobs read their data from."
  type        = string
  default     = "my-data-lake"
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

variable "notebooks" {
  description = "Add an EMR Studio and the managed nodegroups its notebooks run on (interactive endpoints need managed nodegroups, even on Auto Mode)."
  type        = bool
  default     = false
}
