//! What the platform keeps beside its state in Terraform, unseen: the id of
//! every object it made, recorded as each comes to exist, so that update
//! and destroy reach every piece even after a create that stopped half-way.
//! Serialized with field names: keep them, or accept old ones with
//! `#[serde(alias)]`, so states written by earlier releases still read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::platform::manifests::ObjectRef;

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
    pub network: Option<NetworkIds>,
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
    /// The role of the nodes EKS Auto Mode runs, with `compute = "auto_mode"`.
    #[serde(default)]
    pub auto_node_role_name: Option<String>,
    #[serde(default)]
    pub tooling_nodegroup: Option<String>,
    /// The launch template of the tooling nodegroup (IMDSv2, encrypted root).
    #[serde(default)]
    pub tooling_launch_template: Option<String>,
    #[serde(default)]
    pub oidc_provider_arn: Option<String>,
    /// Add-ons the platform installed.
    #[serde(default)]
    pub addons: Vec<String>,
    #[serde(default)]
    pub autoscaler: AutoscalerIds,
    /// AWS Load Balancer Controller: its role, pod identity association
    /// and Kubernetes objects (the same pieces as Cluster Autoscaler's).
    #[serde(default)]
    pub load_balancer_controller: AutoscalerIds,
    /// Add-on name → its own role and pod identity association (no
    /// Kubernetes objects: EKS installs the add-on's).
    #[serde(default)]
    pub addon_identities: BTreeMap<String, AutoscalerIds>,
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
    pub studio: Option<StudioIds>,
}

/// What the platform made for one workload of its own on the cluster: a
/// role through EKS Pod Identity and the Kubernetes objects applied.
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

/// Ids of everything in the platform's VPC, filled in as they are created.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct NetworkIds {
    pub vpc_id: Option<String>,
    pub internet_gateway_id: Option<String>,
    #[serde(default)]
    pub internet_gateway_attached: bool,
    /// AZ → private subnet id.
    #[serde(default)]
    pub private_subnets: BTreeMap<String, String>,
    /// AZ → public subnet id.
    #[serde(default)]
    pub public_subnets: BTreeMap<String, String>,
    /// AZ → Elastic IP allocation id of the NAT gateway.
    #[serde(default)]
    pub eip_allocations: BTreeMap<String, String>,
    /// AZ → NAT gateway id.
    #[serde(default)]
    pub nat_gateways: BTreeMap<String, String>,
    pub public_route_table_id: Option<String>,
    /// AZ → private route table id.
    #[serde(default)]
    pub private_route_tables: BTreeMap<String, String>,
}

impl NetworkIds {
    /// Every id that carries tags, for retagging.
    pub fn taggable_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .vpc_id
            .iter()
            .chain(self.internet_gateway_id.iter())
            .chain(self.public_route_table_id.iter())
            .cloned()
            .collect();
        for map in [
            &self.private_subnets,
            &self.public_subnets,
            &self.eip_allocations,
            &self.nat_gateways,
            &self.private_route_tables,
        ] {
            ids.extend(map.values().cloned());
        }
        ids
    }
}

/// Everything created for the Studio, filled in as each piece exists (the
/// caller keeps it in Terraform's private state).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct StudioIds {
    pub service_role: Option<String>,
    pub user_role: Option<String>,
    pub workspace_security_group: Option<String>,
    pub engine_security_group: Option<String>,
    pub workspace_bucket: Option<String>,
    /// Whether this provider created `workspace_bucket` (only then is it deleted).
    pub bucket_created: bool,
    pub studio_id: Option<String>,
    pub url: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_survive_private_state() {
        let ids = StudioIds {
            service_role: Some("r".into()),
            bucket_created: true,
            ..Default::default()
        };
        let text = serde_json::to_string(&ids).unwrap();
        assert_eq!(serde_json::from_str::<StudioIds>(&text).unwrap(), ids);
        assert_eq!(
            serde_json::from_str::<StudioIds>("{}").unwrap(),
            StudioIds::default()
        );
    }

    #[test]
    fn a_private_state_of_the_previous_release_still_reads() {
        // Field names as the previous release wrote them (msgpack, named).
        let saved = serde_json::json!({
            "client_token": "t", "suffix": "ab12cd34", "cluster_created": true,
            "network": { "vpc_id": "vpc-1", "internet_gateway_id": null,
                         "private_subnets": { "eu-west-1a": "subnet-1" } },
            "cluster_role_name": "r", "admin_access_entry": null,
            "node_role_name": "n", "tooling_nodegroup": "tooling-x",
            "oidc_provider_arn": null, "addons": ["vpc-cni"],
            "autoscaler": { "role_name": "a", "pod_identity_association": "p",
                            "objects": [["v1", "ServiceAccount", "kube-system", "cluster-autoscaler"]] },
            "assets_bucket": "b", "log_groups": ["/aws/emr-containers/a/critical"],
            "namespaces": ["batchjob"], "emr_access_entry": false,
            "virtual_clusters": { "batch": "vc-1" },
            "virtual_cluster_namespaces": { "batch": "batchjob" },
            "execution_roles": { "jobs": "a-jobs-ab12cd34" },
            "pod_identity_associations": {},
            "studio": { "service_role": "s", "bucket_created": true, "studio_id": "es-1" },
        });
        let bytes = rmp_serde::to_vec_named(&saved).unwrap();
        let private: PlatformPrivate = rmp_serde::from_slice(&bytes).unwrap();
        assert_eq!(private.suffix.as_deref(), Some("ab12cd34"));
        assert_eq!(
            private.network.as_ref().and_then(|n| n.vpc_id.as_deref()),
            Some("vpc-1")
        );
        assert_eq!(
            private.autoscaler.objects[0].2.as_deref(),
            Some("kube-system")
        );
        assert_eq!(
            private.studio.and_then(|s| s.studio_id).as_deref(),
            Some("es-1")
        );
    }
}
