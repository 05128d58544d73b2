//! The resources, one folder each: `schema.rs` (what Terraform exchanges,
//! and the typed spec it decodes into), planning, the lifecycle's steps
//! calling `aws/`, and refresh. They use the domain (`platform/`) and the
//! AWS floor (`aws/`), and answer Terraform through `plugin::Resource`.

pub mod cluster_auth;
pub mod node_pool;
pub mod nodegroup;
pub mod notebook_user;
pub mod platform;
pub mod platform_data;
pub mod spark_job;
pub mod timeouts;
pub mod values;

use std::sync::Arc;

use rand::distributions::{Alphanumeric, DistString};

use crate::aws::{Aws, SharedAws};
use crate::plugin::Diagnostics;

/// The AWS clients, or an error when Terraform has not configured the provider yet.
pub fn configured(aws: &SharedAws, diags: &mut Diagnostics) -> Option<Arc<Aws>> {
    let clients = aws.get();
    if clients.is_none() {
        diags.root_error(
            "Provider not configured",
            "The emreks provider must be configured before its resources are used.",
        );
    }
    clients
}

/// Lowercase letters and digits: name suffixes and idempotency tokens.
pub fn random_token(len: usize) -> String {
    Alphanumeric
        .sample_string(&mut rand::thread_rng(), len)
        .to_lowercase()
}
