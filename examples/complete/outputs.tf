output "cluster_name" {
  description = "Name of the platform's EKS cluster."
  value       = emreks_platform.this.cluster_name
}

output "kubeconfig_command" {
  description = "Adds the cluster to your kubeconfig; then `kubectl get pods --namespace=batchjob -w` follows the jobs."
  value       = emreks_platform.this.kubeconfig_command
}

output "cluster_certificate_authority_data" {
  description = "Base64 certificate of the cluster's CA, for a Kubernetes provider or a kubeconfig."
  value       = emreks_platform.this.cluster_certificate_authority_data
}

output "studio_url" {
  description = "Where notebook users sign in."
  value       = emreks_platform.this.studio_url
}

output "virtual_cluster_ids" {
  description = "Id of each EMR virtual cluster."
  value       = emreks_platform.this.virtual_cluster_ids
}

output "critical_job_request" {
  description = "Request for `aws emr-containers start-job-run --cli-input-json` on the critical (on-demand) profile."
  value       = emreks_platform.this.job_run_requests["critical"]
}

output "non_critical_job_request" {
  description = "Request for `aws emr-containers start-job-run --cli-input-json` on the non-critical (spot) profile."
  value       = emreks_platform.this.job_run_requests["non_critical"]
}

output "nodegroups" {
  description = "Spark nodegroups and how many of their role's pods fit on one node."
  value       = { for name, group in emreks_nodegroup.spark : name => group.pods_per_node }
}

output "analyst_endpoints" {
  description = "The notebook user's endpoints, by name."
  value       = emreks_notebook_user.analyst.managed_endpoint_ids
}
