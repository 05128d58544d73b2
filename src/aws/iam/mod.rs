//! IAM: roles, managed and inline policies, the cluster's OIDC provider,
//! and service-linked roles.

pub mod oidc_provider;
pub mod policy;
pub mod role;
pub mod service_linked_role;
pub mod user;

fn role_resource(name: &str) -> String {
    format!("IAM role \"{name}\"")
}
