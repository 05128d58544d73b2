//! `emreks_cluster_auth` as Terraform sees it: the cluster it names and
//! what opening it gives.

use serde::{Deserialize, Serialize};

use crate::plugin::schema::{block, computed, optional_computed, sensitive, string, Schema};
use crate::plugin::Value;

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: block(
            "The Kubernetes API endpoint, certificate authority and a short-lived bearer token of a platform's EKS cluster, as `aws eks get-token` gives it, for configuring the kubernetes and helm providers. Ephemeral: nothing of it is written to the plan or the state.",
            [
                ("platform_id", optional_computed(string(), "The `id` of an `emreks_platform` (its cluster name); refused for a cluster emreks did not make. Set this or `name`.")),
                ("name", optional_computed(string(), "The name of any EKS cluster in the provider's account and region. Set this or `platform_id`.")),
                ("endpoint", computed(string(), "The cluster's Kubernetes API URL, as EKS reports it.")),
                ("certificate_authority_data", computed(string(), "The cluster's certificate authority, base64 of PEM (decode it with `base64decode` for `cluster_ca_certificate`).")),
                ("token", sensitive(computed(string(), "A bearer token for the Kubernetes API, signed with the provider's AWS credentials: `k8s-aws-v1.` and a presigned STS GetCallerIdentity URL."))),
                ("expires_at", computed(string(), "When the token stops being accepted (RFC 3339), 14 minutes after it was made, as `aws eks get-token` reports it.")),
            ],
            [],
        ),
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ClusterAuth {
    #[serde(default)]
    pub platform_id: Value<String>,
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub endpoint: Value<String>,
    #[serde(default)]
    pub certificate_authority_data: Value<String>,
    #[serde(default)]
    pub token: Value<String>,
    #[serde(default)]
    pub expires_at: Value<String>,
}
