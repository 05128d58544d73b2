//! What a node pool learns of its platform from AWS: that its cluster is
//! the platform's and runs EKS Auto Mode, the Auto Mode node role, the
//! private subnets by zone, the cluster security group, the saved job
//! profiles; and the plan-time checks against them.

use std::collections::BTreeMap;

use aws_sdk_eks::types::Cluster;

use super::plan;
use super::schema::NodePoolState;
use crate::aws::ec2::instance_type;
use crate::aws::eks::cluster::find_cluster_shared;
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::compute::Compute;
use crate::platform::naming::{self, Owner};
use crate::platform::node_pool::{self, Placement};
use crate::platform::nodegroup;
use crate::plugin::{AttributePath, Diagnostic, Diagnostics, Value};
use crate::resources::nodegroup::instance_shape;
use crate::resources::platform::lookup;
use crate::resources::platform::PlatformState;
use crate::resources::values::{known, list_is_unknown, strings};

pub struct Facts {
    pub cluster: Cluster,
    pub platform: lookup::Platform,
    pub security_group_ids: Vec<String>,
}

impl Facts {
    pub fn auto_mode(&self) -> bool {
        self.platform.compute == Compute::AutoMode
    }

    pub fn owner(&self) -> &Owner {
        &self.platform.owner
    }

    /// Where the NodeClass puts the nodes: the zones' subnets (all by default).
    pub fn placement(&self, aws: &Aws, platform_id: &str, zones: &[String]) -> Result<Placement> {
        let node_role = self
            .platform
            .auto_mode_node_role
            .as_ref()
            .map(|role| role.name.clone())
            .ok_or_else(|| not_auto_mode(platform_id))?;
        let subnet_ids = self
            .platform
            .subnets_by_zone
            .iter()
            .filter(|(zone, _)| zones.is_empty() || zones.contains(zone))
            .map(|(_, id)| id.clone())
            .collect();
        let tags = self.owner().tag(&naming::object_tags(
            &aws.default_tags,
            &BTreeMap::new(),
            platform_id,
        ));
        Ok(Placement {
            node_role,
            subnet_ids,
            security_group_ids: self.security_group_ids.clone(),
            tags,
        })
    }
}

pub fn not_auto_mode(platform_id: &str) -> Error {
    Error::config(
        AttributePath::new("platform_id"),
        format!("platform \"{platform_id}\" does not run on EKS Auto Mode: node pools need compute = \"auto_mode\" on its emreks_platform; a platform on managed nodegroups takes emreks_nodegroup instead"),
    )
}

/// The platform, its cluster and what its node pools need of them.
pub async fn facts(aws: &Aws, platform_id: &str) -> Result<Facts> {
    let platform = lookup::platform(aws, platform_id).await?;
    let cluster = find_cluster_shared(aws, platform_id)
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "eks:DescribeCluster",
                format!("platform \"{platform_id}\""),
                "no such platform: platform_id must be the id of an emreks_platform",
            )
        })?;
    let security_group_ids = cluster
        .resources_vpc_config()
        .and_then(|v| v.cluster_security_group_id())
        .map(|id| vec![id.to_string()])
        .unwrap_or_default();
    Ok(Facts {
        cluster,
        platform,
        security_group_ids,
    })
}

/// The arguments the platform saved (its job profiles).
async fn saved(aws: &Aws, facts: &Facts, platform_id: &str) -> Option<PlatformState> {
    lookup::saved_arguments(aws, &facts.platform, platform_id)
        .await
        .ok()
        .flatten()
}

/// Plan-time checks against AWS: the platform runs Auto Mode, the zones
/// are the platform's, the role's Spark pods fit the largest node allowed.
pub async fn check(aws: &Aws, diags: &mut Diagnostics, planned: &NodePoolState) {
    let Some(platform_id) = known(&planned.platform_id) else {
        return;
    };
    let facts = match facts(aws, platform_id).await {
        Ok(facts) => facts,
        // A platform made in the same apply is not there yet: checked at create.
        Err(Error::Aws { .. }) => return,
        Err(err) => {
            err.report(diags, "Cannot plan the node pool");
            return;
        }
    };
    if !facts.auto_mode() {
        not_auto_mode(platform_id).report(diags, "Platform not on EKS Auto Mode");
        return;
    }
    if let Some(role @ ("notebook_driver" | "notebook_executor")) = known(&planned.role) {
        diags.push(Diagnostic::warning_at(
            "Notebooks on an Auto Mode platform run on emreks_nodegroup",
            format!("AWS documents EMR on EKS interactive endpoints (the notebooks' kernels) on managed nodegroups only: on an Auto Mode platform with a studio block the notebooks run on emreks_nodegroup resources with role = \"{role}\". This pool serves only pods that select it, and competes with such a nodegroup for the notebook pods."),
            AttributePath::new("role"),
        ));
    }
    if !list_is_unknown(&planned.zones) {
        for (index, zone) in strings(&planned.zones).iter().enumerate() {
            if !facts.platform.subnets_by_zone.contains_key(zone) {
                diags.error(
                    "Availability zone not in the platform",
                    format!(
                        "The platform has no private subnet in \"{zone}\"; choose among: {}.",
                        facts
                            .platform
                            .subnets_by_zone
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    AttributePath::new("zones").index(index as i64),
                );
            }
        }
    }
    let Some(role) = known(&planned.role) else {
        return;
    };
    if nodegroup::sized_pod(role).is_none() || list_is_unknown(&planned.instance_categories) {
        return;
    }
    let (shapes, attribute) = if !planned.instance_types.is_null() {
        if list_is_unknown(&planned.instance_types) {
            return;
        }
        let types = strings(&planned.instance_types);
        let described = instance_type::describe_instance_types_shared(aws, &types)
            .await
            .unwrap_or_default();
        (
            described.iter().map(instance_shape).collect::<Vec<_>>(),
            "instance_types",
        )
    } else if let Value::Value(max) = planned.max_vcpus {
        let Ok(max) = u32::try_from(max) else { return };
        let categories = strings(&planned.instance_categories);
        (
            vec![node_pool::largest_shape(max, &categories)],
            "max_vcpus",
        )
    } else {
        return;
    };
    let saved = saved(aws, &facts, platform_id).await;
    let Some((profile, _)) = nodegroup::sized_pod(role) else {
        return;
    };
    let settings = lookup::job_profile(saved.as_ref(), profile);
    plan::check_sizing(diags, role, &settings, &shapes, attribute);
}
