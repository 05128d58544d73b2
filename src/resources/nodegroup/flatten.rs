//! The one place that writes what EKS reports of a nodegroup into
//! `emreks_nodegroup`'s state, arguments included, so drift shows in the plan.

use std::collections::BTreeMap;

use aws_sdk_eks::types::Nodegroup;

use super::apply::Built;
use super::schema::{taints_value, NodegroupState};
use crate::aws::eks::nodegroup as eks_nodegroup;
use crate::platform::naming;
use crate::platform::node_roles::{Taint, TaintEffect};
use crate::plugin::Value;
use crate::resources::values::{to_list, to_map};

/// What an apply learned, over the planned state.
pub fn built(state: &mut NodegroupState, built: &Built) {
    if let Some(subnet) = &built.subnet_id {
        state.subnet_id = Value::Value(subnet.clone());
    }
    if let Some(template) = &built.launch_template_id {
        state.launch_template_id = Value::Value(template.clone());
    }
    if let Some(described) = &built.group {
        group(state, described);
    }
}

/// Copies what EKS reports into the state.
pub fn group(state: &mut NodegroupState, group: &Nodegroup) {
    let platform = group.cluster_name().unwrap_or_default();
    let name = group.nodegroup_name().unwrap_or_default();
    state.id = Value::Value(naming::nodegroup_id(platform, name));
    state.platform_id = Value::Value(platform.to_string());
    state.name = Value::Value(name.to_string());
    state.arn = group.nodegroup_arn().map(str::to_string).into();
    state.status = group.status().map(|s| s.as_str().to_string()).into();
    state.autoscaling_group_names = to_list(eks_nodegroup::asg_names(group));
    state.instance_types = to_list(group.instance_types().iter().cloned());
    state.capacity_type = group.capacity_type().map(|c| c.as_str().to_string()).into();
    state.ami_type = group.ami_type().map(|a| a.as_str().to_string()).into();
    if let Some(subnet) = group.subnets().first() {
        state.subnet_id = Value::Value(subnet.clone());
    }
    if let Some(scaling) = group.scaling_config() {
        state.min_size = scaling.min_size().map(i64::from).into();
        state.max_size = scaling.max_size().map(i64::from).into();
        state.desired_size = scaling.desired_size().map(i64::from).into();
    }
    if let Some(max) = group.update_config().and_then(|u| u.max_unavailable()) {
        state.max_unavailable = Value::Value(max.into());
    }
    let labels: BTreeMap<String, String> = group
        .labels()
        .map(|l| l.clone().into_iter().collect())
        .unwrap_or_default();
    state.resolved_labels = to_map(&labels);
    state.resolved_taints = taints_value(&taints_of(group));
    if let Some(template) = group.launch_template().and_then(|t| t.id()) {
        state.launch_template_id = Value::Value(template.to_string());
    }
}

/// Taints as the nodegroup reports them, sorted.
pub fn taints_of(group: &Nodegroup) -> Vec<Taint> {
    let mut taints: Vec<Taint> = group
        .taints()
        .iter()
        .filter_map(|t| {
            Some(Taint {
                key: t.key()?.to_string(),
                value: t.value().unwrap_or_default().to_string(),
                effect: TaintEffect::parse(t.effect()?.as_str())?,
            })
        })
        .collect();
    taints.sort();
    taints
}
