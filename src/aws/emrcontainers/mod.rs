//! Amazon EMR on EKS: virtual clusters, managed (notebook) endpoints and job runs.

pub mod job_run;
pub mod managed_endpoint;
pub mod virtual_cluster;
