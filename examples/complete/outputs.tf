output "cluster_name" {
  description = "Name of the platform's EKS cluster."
  value       = emreks_platform.this.cluster_name
}

output "cluster_endpoint" {
  description = "URL of the cluster's Kubernetes API."
  value       = emreks_platform.this.cluster_endpoint
}

output "oidc_issuer_url" {
  description = "OIDC issuer of the cluster, for IAM roles for service accounts."
  value       = emreks_platform.this.oidc_issuer_url
}

output "vpc_id" {
  description = "The platform's VPC."
  value       = emreks_platform.this.vpc_id
}

output "subnet_ids_by_az" {
  description = "Private subnet of each availability zone."
  value       = emreks_platform.this.subnet_ids_by_az
}
