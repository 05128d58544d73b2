//! Planning `emreks_nodegroup`, as pure code: the role preset's defaults
//! under the configuration, the labels and taints the nodes will carry,
//! how the role's Spark pods fit each instance type, and a state fit to
//! save after a step failed.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::InstanceTypeInfo;

use super::schema::{resolved_labels, resolved_taints, taints_value, NodegroupState};
use crate::platform::job_profiles::ProfileSettings;
use crate::platform::naming;
use crate::platform::nodegroup::{self, preset};
use crate::platform::pod_templates::{JobProfile, SparkRole};
use crate::platform::sizing;
use crate::plugin::{AttributePath, Diagnostic, Diagnostics, Value};
use crate::resources::values::{
    known, map_is_unknown, string_map, strings, to_list, to_map, unknown_as_null, Decimal,
};

/// The role preset's values wherever the configuration leaves them out.
pub fn fill_defaults(state: &mut NodegroupState) {
    let Some(role) = known(&state.role) else {
        return;
    };
    let defaults = nodegroup::defaults(preset(role));
    let set = |value: &mut Value<i64>, default: u32| {
        if value.is_null() {
            *value = Value::Value(default.into());
        }
    };
    if let (Value::Null, Some(types)) = (&state.instance_types, defaults.instance_types) {
        state.instance_types = to_list(types);
    }
    if state.capacity_type.is_null() {
        state.capacity_type = Value::Value(defaults.capacity_type.to_string());
    }
    set(&mut state.min_size, defaults.min_size);
    set(&mut state.max_size, defaults.max_size);
    set(&mut state.desired_size, defaults.desired_size);
    if state.local_nvme.is_null() {
        state.local_nvme = Value::Value(defaults.local_nvme);
    }
    if state.ami_type.is_null() {
        state.ami_type = Value::Value(defaults.ami_type.to_string());
    }
    if state.disk_size.is_null() {
        state.disk_size = Value::Value(nodegroup::DEFAULT_DISK_SIZE);
    }
    if state.max_unavailable.is_null() {
        state.max_unavailable = Value::Value(nodegroup::DEFAULT_MAX_UNAVAILABLE);
    }
}

/// Labels and taints the nodes will carry, known at plan time.
pub fn plan_resolved(planned: &mut NodegroupState) {
    let unknown =
        planned.role.is_unknown() || map_is_unknown(&planned.labels) || planned.taints.is_unknown();
    if unknown {
        planned.resolved_labels = Value::Unknown;
        planned.resolved_taints = Value::Unknown;
    } else {
        planned.resolved_labels = to_map(&resolved_labels(planned));
        planned.resolved_taints = taints_value(&resolved_taints(planned));
    }
}

/// The nodegroup's tags as the user sees them: the provider's defaults,
/// the user's, the platform's.
pub fn tags_all(
    default_tags: &BTreeMap<String, String>,
    state: &NodegroupState,
) -> BTreeMap<String, String> {
    naming::object_tags(
        default_tags,
        &string_map(&state.tags),
        known(&state.platform_id).unwrap_or_default(),
    )
}

/// How many of the role's Spark pods fit each instance type, and the share
/// of the node they use; a warning per instance type that cannot hold the
/// pod or wastes more than a quarter of the node.
pub fn fit(
    planned: &NodegroupState,
    instance_types: &[InstanceTypeInfo],
    (profile, spark_role): (JobProfile, SparkRole),
    settings: &ProfileSettings,
    diags: &mut Diagnostics,
) -> Option<(BTreeMap<String, i64>, BTreeMap<String, f64>)> {
    let request = sizing::request(settings, spark_role).ok()?;
    let what = sizing::describe(profile, spark_role, settings);
    let wanted = strings(&planned.instance_types);
    let (mut pods, mut used) = (BTreeMap::new(), BTreeMap::new());
    for info in instance_types {
        let shape = shape(info);
        let name = shape.instance_type.clone();
        let fit = sizing::fit(&shape, &request);
        pods.insert(name.clone(), i64::from(fit.pods_per_node));
        used.insert(name.clone(), (fit.utilization * 100.0).round() / 100.0);
        if let Some(warning) = sizing::check(&shape, &request, &what) {
            let index = wanted.iter().position(|w| *w == name).unwrap_or(0);
            diags.push(Diagnostic::warning_at(
                format!("{name} does not suit the {} pods", profile.key()),
                warning,
                AttributePath::new("instance_types").index(index as i64),
            ));
        }
    }
    Some((pods, used))
}

/// An instance type as `DescribeInstanceTypes` describes it, in the figures sizing uses.
pub fn shape(info: &InstanceTypeInfo) -> sizing::InstanceShape {
    let name = info
        .instance_type()
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    let network = info.network_info();
    let count =
        |n: Option<i32>, default: u32| n.and_then(|n| u32::try_from(n).ok()).unwrap_or(default);
    let vcpus = count(info.v_cpu_info().and_then(|v| v.default_v_cpus()), 0);
    sizing::InstanceShape {
        instance_type: name,
        vcpus,
        memory_mib: info
            .memory_info()
            .and_then(|m| m.size_in_mib())
            .and_then(|m| u64::try_from(m).ok())
            .unwrap_or(0),
        max_pods: sizing::managed_max_pods(
            vcpus,
            count(network.and_then(|n| n.maximum_network_interfaces()), 1),
            count(network.and_then(|n| n.ipv4_addresses_per_interface()), 2),
        ),
    }
}

pub fn set_sizing(
    state: &mut NodegroupState,
    sized: Option<(BTreeMap<String, i64>, BTreeMap<String, f64>)>,
) {
    match sized {
        Some((pods, used)) => {
            state.pods_per_node = Value::Value(
                pods.into_iter()
                    .map(|(k, v)| (k, Value::Value(v)))
                    .collect(),
            );
            state.allocatable_utilization = Value::Value(
                used.into_iter()
                    .map(|(k, v)| (k, Value::Value(Decimal::from_f64(v))))
                    .collect(),
            );
        }
        None => {
            state.pods_per_node = Value::Unknown;
            state.allocatable_utilization = Value::Unknown;
        }
    }
}

/// A state fit to save after a failed step: nothing may stay unknown.
pub fn settle(state: &mut NodegroupState) {
    for value in [
        &mut state.id,
        &mut state.arn,
        &mut state.status,
        &mut state.subnet_id,
        &mut state.launch_template_id,
    ] {
        unknown_as_null(value);
    }
    unknown_as_null(&mut state.autoscaling_group_names);
    unknown_as_null(&mut state.resolved_labels);
    unknown_as_null(&mut state.resolved_taints);
    unknown_as_null(&mut state.pods_per_node);
    unknown_as_null(&mut state.allocatable_utilization);
    unknown_as_null(&mut state.tags_all);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(role: &str) -> NodegroupState {
        NodegroupState::with_role(role)
    }

    #[test]
    fn presets_fill_what_is_left_out() {
        let mut spot = state("non_critical_executor");
        spot.desired_size = Value::Value(1);
        fill_defaults(&mut spot);
        assert_eq!(
            strings(&spot.instance_types),
            ["m6g.8xlarge", "m6gd.8xlarge"]
        );
        assert_eq!(spot.capacity_type, Value::Value("SPOT".to_string()));
        assert_eq!(
            (spot.min_size, spot.max_size, spot.desired_size),
            (Value::Value(0), Value::Value(100), Value::Value(1))
        );
        assert_eq!(
            spot.ami_type,
            Value::Value("AL2023_ARM_64_STANDARD".to_string())
        );
    }
}
