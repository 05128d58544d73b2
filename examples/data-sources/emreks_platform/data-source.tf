# A team's workspace builds on the platform another workspace owns.
data "emreks_platform" "shared" {
  name = "analytics"
}

output "critical_job_request" {
  description = "aws emr-containers start-job-run --cli-input-json accepts it as it is."
  value       = data.emreks_platform.shared.job_run_requests["critical"]
}
