//! The typed Terraform state of `emreks_platform` and its private state.

use crate::plugin::Value;
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::platform::manifests::ObjectRef;
use crate::resources::values::{Decimal, StringList, StringMap};
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
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub tooling: Value<ToolingState>,
    #[serde(default)]
    pub tooling_nodegroup_name: Value<String>,
    #[serde(default)]
    pub virtual_clusters: Value<BTreeMap<String, Value<VirtualClusterState>>>,
    #[serde(default)]
    pub execution_roles: Value<BTreeMap<String, Value<ExecutionRoleState>>>,
    #[serde(default)]
    pub release_label: Value<String>,
    #[serde(default)]
    pub log_retention_days: Value<i64>,
    #[serde(default, rename = "job_profile")]
    pub job_profiles: Value<BTreeMap<String, Value<JobProfileState>>>,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub studio: Value<StudioState>,
    #[serde(default)]
    pub node_role_arn: Value<String>,
    #[serde(default)]
    pub oidc_provider_arn: Value<String>,
    #[serde(default)]
    pub addon_versions: StringMap,
    #[serde(default)]
    pub assets_bucket: Value<String>,
    #[serde(default)]
    pub pod_template_uris: StringMap,
    #[serde(default)]
    pub log_group_names: StringMap,
    #[serde(default)]
    pub virtual_cluster_ids: StringMap,
    #[serde(default)]
    pub execution_role_arns: StringMap,
    #[serde(default)]
    pub job_run_requests: StringMap,
    #[serde(default)]
    pub studio_id: Value<String>,
    #[serde(default)]
    pub studio_url: Value<String>,
    #[serde(default)]
    pub studio_engine_security_group_id: Value<String>,
    #[serde(default)]
    pub studio_workspace_security_group_id: Value<String>,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub timeouts: Value<Timeouts>,
}

/// The managed nodegroup for system pods (CoreDNS, Cluster Autoscaler, ...).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ToolingState {
    #[serde(default)]
    pub instance_types: StringList,
    #[serde(default)]
    pub ami_type: Value<String>,
    #[serde(default)]
    pub min_size: Value<i64>,
    #[serde(default)]
    pub max_size: Value<i64>,
    #[serde(default)]
    pub desired_size: Value<i64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct VirtualClusterState {
    #[serde(default)]
    pub namespace: Value<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ExecutionRoleState {
    #[serde(default)]
    pub namespaces: StringList,
    #[serde(default)]
    pub policy: Value<String>,
    #[serde(default)]
    pub trust: Value<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct JobProfileState {
    #[serde(default)]
    pub virtual_cluster: Value<String>,
    #[serde(default)]
    pub execution_role: Value<String>,
    #[serde(default)]
    pub min_executors: Value<i64>,
    #[serde(default)]
    pub max_executors: Value<i64>,
    #[serde(default)]
    pub allocation_batch_size: Value<i64>,
    #[serde(default)]
    pub executor_cores: Value<Decimal>,
    #[serde(default)]
    pub executor_memory: Value<String>,
    #[serde(default)]
    pub driver_cores: Value<Decimal>,
    #[serde(default)]
    pub driver_memory: Value<String>,
    #[serde(default)]
    pub entry_point: Value<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct StudioState {
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub auth_mode: Value<String>,
    #[serde(default)]
    pub idc_instance_arn: Value<String>,
    #[serde(default)]
    pub virtual_cluster: Value<String>,
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
    #[serde(default)]
    pub node_role_name: Option<String>,
    #[serde(default)]
    pub tooling_nodegroup: Option<String>,
    #[serde(default)]
    pub oidc_provider_arn: Option<String>,
    /// Add-ons the platform installed.
    #[serde(default)]
    pub addons: Vec<String>,
    #[serde(default)]
    pub autoscaler: AutoscalerIds,
    #[serde(default)]
    pub assets_bucket: Option<String>,
    #[serde(default)]
    pub log_groups: Vec<String>,
    /// Namespaces the platform created in the cluster.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Whether the EMR service's access entry is the platform's.
    #[serde(default)]
    pub emr_access_entry: bool,
    /// Virtual cluster key → id.
    #[serde(default)]
    pub virtual_clusters: BTreeMap<String, String>,
    /// Virtual cluster key → the namespace it was made on.
    #[serde(default)]
    pub virtual_cluster_namespaces: BTreeMap<String, String>,
    /// Execution role key → IAM role name.
    #[serde(default)]
    pub execution_roles: BTreeMap<String, String>,
    /// Pod identity association ids of the execution roles that use them.
    #[serde(default)]
    pub pod_identity_associations: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub studio: Option<crate::aws::studio::StudioIds>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct AutoscalerIds {
    #[serde(default)]
    pub role_name: Option<String>,
    #[serde(default)]
    pub pod_identity_association: Option<String>,
    /// Kubernetes objects applied, as (apiVersion, kind, namespace, name).
    #[serde(default)]
    pub objects: Vec<ObjectRef>,
}
