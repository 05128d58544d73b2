//! The typed Terraform state of `emreks_platform` and its private state.

use serde::{Deserialize, Serialize};
use tf_provider::value::Value;

use crate::resources::values::{StringList, StringMap};
use crate::timeouts::Timeouts;

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct PlatformState {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub kubernetes_version: Value<String>,
    #[serde(default)]
    pub eks_admin_role_arn: Value<String>,
    #[serde(default)]
    pub vpc_cidr: Value<String>,
    #[serde(default)]
    pub availability_zones: StringList,
    #[serde(default)]
    pub subnet_ids: StringList,
    #[serde(default)]
    pub endpoint_public_access_cidrs: StringList,
    #[serde(default)]
    pub tags: StringMap,
    #[serde(default)]
    pub tags_all: StringMap,
    #[serde(default)]
    pub cluster_name: Value<String>,
    #[serde(default)]
    pub cluster_arn: Value<String>,
    #[serde(default)]
    pub cluster_endpoint: Value<String>,
    #[serde(default)]
    pub cluster_role_arn: Value<String>,
    #[serde(default)]
    pub cluster_security_group_id: Value<String>,
    #[serde(default)]
    pub oidc_issuer_url: Value<String>,
    #[serde(default)]
    pub vpc_id: Value<String>,
    #[serde(default)]
    pub subnet_ids_by_az: StringMap,
    #[serde(default, with = "crate::schema::optional_block")]
    pub timeouts: Value<Timeouts>,
}

/// What Terraform keeps for us but does not show: the ids of every object the
/// platform made, so that update and destroy reach each of them even after a
/// create that stopped half-way.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct PlatformPrivate {
    /// Makes CreateCluster idempotent across retries of one apply.
    #[serde(default)]
    pub client_token: Option<String>,
    /// Random suffix of the physical names, so two platforms never collide.
    #[serde(default)]
    pub suffix: Option<String>,
    #[serde(default)]
    pub network: Option<super::network::NetworkIds>,
    #[serde(default)]
    pub cluster_role_name: Option<String>,
    /// Set once CreateCluster succeeded (the cluster may still be CREATING).
    #[serde(default)]
    pub cluster_created: bool,
    /// The principal whose admin access entry the platform created.
    #[serde(default)]
    pub admin_access_entry: Option<String>,
}
