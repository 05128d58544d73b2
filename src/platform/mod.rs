//! The domain: what a Spark platform on EMR on EKS is, as pure functions:
//! validation, IAM documents, node-group presets, pod templates, job
//! configurations and Kubernetes manifests. Nothing here performs I/O.

pub mod addons;
pub mod base36;
pub mod cluster_autoscaler;
pub mod defaults;
pub mod iam_documents;
pub mod job_profiles;
pub mod jobs;
pub mod manifests;
pub mod naming;
pub mod network;
pub mod node_roles;
pub mod nodegroup;
pub mod pod_templates;
pub mod sizing;
pub mod studio;
pub mod validate;
