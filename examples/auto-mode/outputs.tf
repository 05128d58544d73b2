output "cluster_name" {
  description = "Name of the platform's EKS cluster."
  value       = emreks_platform.this.cluster_name
}

output "kubeconfig_command" {
  description = "Adds the cluster to your kubeconfig; then `kubectl get nodepools` shows the Spark pools."
  value       = emreks_platform.this.kubeconfig_command
}

output "critical_job_request" {
  description = "Request for `aws emr-containers start-job-run --cli-input-json` on the critical (on-demand) profile."
  value       = emreks_platform.this.job_run_requests["critical"]
}

output "non_critical_job_request" {
  description = "Request for `aws emr-containers start-job-run --cli-input-json` on the non-critical (spot) profile."
  value       = emreks_platform.this.job_run_requests["non_critical"]
}

output "node_pools" {
  description = "The Karpenter NodePools of each Spark pool, most preferred first."
  value       = { for role, pool in emreks_node_pool.spark : role => pool.node_pool_names }
}
