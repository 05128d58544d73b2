//! The domain: what a Spark platform on EMR on EKS is, as pure functions
//! and plain types: the names of everything it makes (`naming`), the
//! reference defaults, the VPC's layout, IAM documents, node-group presets
//! and sizing, pod templates, job profiles and requests, the Studio, add-on
//! choice, how nodes are provided (`compute`), Kubernetes manifests, and the checks of user input. Nothing here
//! performs I/O or knows Terraform.

pub mod addons;
pub mod base36;
pub mod cluster_autoscaler;
pub mod compute;
pub mod default_profiles;
pub mod defaults;
pub mod endpoint;
pub mod iam_documents;
pub mod job_profiles;
pub mod job_runs;
pub mod jobs;
pub mod load_balancer_controller;
pub mod manifests;
pub mod naming;
pub mod network;
pub mod node_pool;
pub mod node_roles;
pub mod nodegroup;
pub mod placement;
pub mod pod_templates;
pub mod sizing;
pub mod studio;
pub mod validate;
