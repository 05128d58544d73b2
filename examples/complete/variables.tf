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

variable "notebook_user" {
  description = "IAM user who opens the Studio's notebooks."
  type        = string
  default     = "analyst"
}
