output "platform_id" {
  description = "Id of the platform, for more nodegroups or notebook users."
  value       = emreks_platform.this.id
}

output "studio_url" {
  description = "Where notebook users sign in."
  value       = emreks_platform.this.studio_url
}

output "job_run_requests" {
  description = "Ready-made start-job-run requests by job profile."
  value       = emreks_platform.this.job_run_requests
}

output "kubeconfig_command" {
  description = "Adds the cluster to your kubeconfig, e.g. to follow jobs with kubectl get pods --namespace=batchjob -w."
  value       = emreks_platform.this.kubeconfig_command
}

output "virtual_cluster_ids" {
  description = "EMR virtual cluster ids."
  value       = emreks_platform.this.virtual_cluster_ids
}
