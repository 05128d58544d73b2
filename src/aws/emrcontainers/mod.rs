//! Amazon EMR on EKS: virtual clusters and managed (notebook) endpoints.

pub mod managed_endpoint;
pub mod virtual_cluster;
