//! Refreshing `emreks_nodegroup` from EKS, and importing an existing one
//! by `<platform id>:<nodegroup name>`, its arguments read back from EKS
//! and the tags the provider set.

use std::collections::BTreeMap;

use super::flatten;
use super::plan;
use super::schema::{taints_value, NodegroupState};
use crate::aws::ec2::subnet;
use crate::aws::eks::nodegroup as eks_nodegroup;
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::{naming, nodegroup};
use crate::plugin::Value;
use crate::resources::values::{string_map, to_map};

/// The nodegroup as EKS reports it; `None` when it is gone.
pub async fn refresh(aws: &Aws, mut state: NodegroupState) -> Result<Option<NodegroupState>> {
    let platform_id = crate::resources::values::known(&state.platform_id)
        .unwrap_or_default()
        .to_string();
    let name = crate::resources::values::known(&state.name)
        .unwrap_or_default()
        .to_string();
    Ok(
        eks_nodegroup::find_nodegroup_shared(aws, &platform_id, &name)
            .await?
            .map(|group| {
                flatten::group(&mut state, &group);
                state
            }),
    )
}

/// An existing nodegroup's arguments, from EKS and the tags the provider set.
pub async fn import(aws: &Aws, id: &str) -> Result<NodegroupState> {
    let (platform_id, name) = naming::parse_nodegroup_id(id).ok_or_else(|| {
        Error::import_refused(
            format!("\"{id}\""),
            "the id is <platform id>:<nodegroup name>, e.g. analytics:critical-a",
        )
    })?;
    let group = eks_nodegroup::find_nodegroup(aws, platform_id, name)
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "eks:DescribeNodegroup",
                format!("nodegroup \"{name}\" of platform \"{platform_id}\""),
                "no such nodegroup",
            )
        })?;
    let mut state = NodegroupState::default();
    flatten::group(&mut state, &group);
    let all: BTreeMap<String, String> = group
        .tags()
        .map(|t| t.clone().into_iter().collect())
        .unwrap_or_default();
    let role = all
        .get(naming::NODEGROUP_ROLE_TAG)
        .cloned()
        .unwrap_or_else(|| nodegroup::CUSTOM.to_string());
    state.role = Value::Value(role.clone());
    state.local_nvme = Value::Value(
        all.get(naming::NODEGROUP_NVME_TAG)
            .is_some_and(|v| v == "true"),
    );
    state.disk_size = Value::Value(
        all.get(naming::NODEGROUP_DISK_TAG)
            .and_then(|v| v.parse().ok())
            .unwrap_or(nodegroup::DEFAULT_DISK_SIZE),
    );
    let preset = nodegroup::preset(&role);
    let extra_labels = nodegroup::extra_labels(preset, &string_map(&state.resolved_labels));
    state.labels = if extra_labels.is_empty() {
        Value::Null
    } else {
        to_map(&extra_labels)
    };
    let extra_taints = nodegroup::extra_taints(preset, &flatten::taints_of(&group));
    state.taints = if extra_taints.is_empty() {
        Value::Null
    } else {
        taints_value(&extra_taints)
    };
    if let Some(subnet) = group.subnets().first() {
        let found = subnet::find_subnets(aws, std::slice::from_ref(subnet)).await?;
        state.availability_zone = found
            .first()
            .and_then(|s| s.availability_zone())
            .map(str::to_string)
            .into();
    }
    let ours = |k: &String| naming::is_provider_tag(k) || aws.default_tags.contains_key(k);
    let user: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, _)| !ours(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    state.tags = if user.is_empty() {
        Value::Null
    } else {
        to_map(&user)
    };
    state.tags_all = to_map(&plan::tags_all(&aws.default_tags, &state));
    Ok(state)
}
