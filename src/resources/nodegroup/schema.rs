//! `emreks_nodegroup` as Terraform sees it: the schema, the state it
//! exchanges with Terraform, the typed spec the planned state decodes into
//! at apply, and the labels and taints the configuration resolves to.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::aws::eks::nodegroup::Scaling;
use crate::error::{Error, Result};
use crate::platform::node_roles::{Taint, TaintEffect};
use crate::platform::nodegroup::{self, preset};
use crate::plugin::cty::Type;
use crate::plugin::schema::{
    block, boolean, computed, list_of_strings, map_of_strings, nested, number, optional,
    optional_computed, required, string, Attribute, Constraint, Nesting, Schema,
};
use crate::plugin::{AttributePath, Value};
use crate::resources::timeouts::{self, Durations, Timeouts};
use crate::resources::values::{known, string_map, strings, StringList, StringMap};

/// How long each operation may take unless the `timeouts` block says.
pub const DEFAULT_TIMEOUTS: Durations = Durations {
    create: Duration::from_secs(30 * 60),
    update: Duration::from_secs(30 * 60),
    delete: Duration::from_secs(30 * 60),
};

/// Arguments whose change means a new nodegroup.
pub const FORCES_REPLACEMENT: [&str; 9] = [
    "platform_id",
    "name",
    "role",
    "availability_zone",
    "instance_types",
    "capacity_type",
    "ami_type",
    "disk_size",
    "local_nvme",
];

/// Taints as nested attributes: `value` may be left out.
pub fn taints_attribute(constraint: Constraint, doc: &str) -> Attribute {
    let member = |required: bool, doc: &str| match (constraint, required) {
        (Constraint::Computed, _) => computed(string(), doc),
        (_, true) => crate::plugin::schema::required(string(), doc),
        (_, false) => optional(string(), doc),
    };
    nested(
        Nesting::List,
        constraint,
        doc,
        [
            ("key", member(true, "Taint key.")),
            ("value", member(false, "Taint value (may be left out).")),
            (
                "effect",
                member(
                    true,
                    "`NO_SCHEDULE`, `PREFER_NO_SCHEDULE` or `NO_EXECUTE`, as EKS spells them (the Kubernetes spelling `NoSchedule`, ... still works, with a deprecation warning).",
                ),
            ),
        ],
    )
}

pub fn schema() -> Schema {
    Schema {
        version: 1,
        block: block(
            "A Spark-tuned EKS managed nodegroup in one availability zone (cheaper shuffle), from a role preset whose labels and taints match the platform's pod templates. It scales from zero: its Auto Scaling group carries the tags Cluster Autoscaler needs.",
            [
                ("id", computed(string(), "`<platform_id>:<name>`.")),
                ("platform_id", required(string(), "The `id` of the `emreks_platform` (its cluster name).")),
                ("name", required(string(), "Nodegroup name, unique in the platform, e.g. `critical-a`.")),
                ("role", required(string(), "Role preset: `critical` (on-demand, NVMe local dirs), `non_critical_driver`, `non_critical_executor` (spot), `notebook_driver`, `notebook_executor` (spot), or `custom` (no preset: give `instance_types`).")),
                ("availability_zone", required(string(), "The one availability zone of the nodegroup; the platform must have a subnet there.")),
                ("instance_types", optional_computed(list_of_strings(), "Instance types (default: the role's, e.g. `m6gd.8xlarge` for critical).")),
                ("capacity_type", optional_computed(string(), "`ON_DEMAND` or `SPOT` (default: the role's).")),
                ("ami_type", optional_computed(string(), "`AL2023_x86_64_STANDARD`, `AL2023_ARM_64_STANDARD`, `BOTTLEROCKET_x86_64`, `BOTTLEROCKET_ARM_64`, or for GPU instance types one with NVIDIA drivers: `AL2023_x86_64_NVIDIA`, `AL2023_ARM_64_NVIDIA`, `BOTTLEROCKET_x86_64_NVIDIA`, `BOTTLEROCKET_ARM_64_NVIDIA` (default: AL2023 standard of the role's architecture).")),
                ("min_size", optional_computed(number(), "Minimum nodes (default: the role's, 0 for job roles).")),
                ("max_size", optional_computed(number(), "Maximum nodes (default: the role's).")),
                ("desired_size", optional_computed(number(), "Desired nodes (default: the role's, 0).")),
                ("disk_size", optional_computed(number(), "Root volume size in GiB, encrypted gp3 (default 50).")),
                ("local_nvme", optional_computed(boolean(), "Assemble the instance-store NVMe disks as RAID0 for Spark's local dirs (default: true for critical).")),
                ("labels", optional(map_of_strings(), "Kubernetes labels added to (or overriding) the role's.")),
                ("taints", taints_attribute(Constraint::Optional, "Kubernetes taints added to (or replacing, by key) the role's: `[{ key, value, effect = \"NO_SCHEDULE\" | \"PREFER_NO_SCHEDULE\" | \"NO_EXECUTE\" }]`.")),
                ("max_unavailable", optional_computed(number(), "Nodes replaced at once during updates (default 1).")),
                ("tags", optional(map_of_strings(), "Tags of the nodegroup, on top of the provider's `default_tags`.")),
                ("tags_all", computed(map_of_strings(), "All tags of the nodegroup.")),
                ("arn", computed(string(), "ARN of the nodegroup.")),
                ("status", computed(string(), "EKS status of the nodegroup.")),
                ("autoscaling_group_names", computed(list_of_strings(), "Auto Scaling groups of the nodegroup (tagged for Cluster Autoscaler).")),
                ("subnet_id", computed(string(), "The platform's private subnet in the availability zone.")),
                ("launch_template_id", computed(string(), "Launch template of the nodes (IMDSv2 required, encrypted root volume).")),
                ("resolved_labels", computed(map_of_strings(), "All Kubernetes labels of the nodes.")),
                ("resolved_taints", taints_attribute(Constraint::Computed, "All Kubernetes taints of the nodes (EKS spelling of the effect).")),
                ("pods_per_node", computed(Type::Map(Box::new(Type::Number)), "For each instance type, how many of the role's Spark pods (from the platform's job profile) fit on one node.")),
                ("allocatable_utilization", computed(Type::Map(Box::new(Type::Number)), "For each instance type, the share of a node's allocatable CPU or memory (the scarcer) those pods use.")),
            ],
            [("timeouts", timeouts::schema("30m", "30m", "30m"))],
        ),
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct NodegroupState {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub platform_id: Value<String>,
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub role: Value<String>,
    #[serde(default)]
    pub availability_zone: Value<String>,
    #[serde(default)]
    pub instance_types: StringList,
    #[serde(default)]
    pub capacity_type: Value<String>,
    #[serde(default)]
    pub ami_type: Value<String>,
    #[serde(default)]
    pub min_size: Value<i64>,
    #[serde(default)]
    pub max_size: Value<i64>,
    #[serde(default)]
    pub desired_size: Value<i64>,
    #[serde(default)]
    pub disk_size: Value<i64>,
    #[serde(default)]
    pub local_nvme: Value<bool>,
    #[serde(default)]
    pub labels: StringMap,
    #[serde(default)]
    pub taints: Value<Vec<Value<TaintState>>>,
    #[serde(default)]
    pub max_unavailable: Value<i64>,
    #[serde(default)]
    pub tags: StringMap,
    #[serde(default)]
    pub tags_all: StringMap,
    #[serde(default)]
    pub arn: Value<String>,
    #[serde(default)]
    pub status: Value<String>,
    #[serde(default)]
    pub autoscaling_group_names: StringList,
    #[serde(default)]
    pub subnet_id: Value<String>,
    #[serde(default)]
    pub launch_template_id: Value<String>,
    #[serde(default)]
    pub resolved_labels: StringMap,
    #[serde(default)]
    pub resolved_taints: Value<Vec<Value<TaintState>>>,
    #[serde(default)]
    pub pods_per_node: Value<std::collections::BTreeMap<String, Value<i64>>>,
    #[serde(default)]
    pub allocatable_utilization:
        Value<std::collections::BTreeMap<String, Value<crate::resources::values::Decimal>>>,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub timeouts: Value<Timeouts>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaintState {
    #[serde(default)]
    pub key: Value<String>,
    #[serde(default)]
    pub value: Value<String>,
    #[serde(default)]
    pub effect: Value<String>,
}

/// The nodegroup as the configuration asks for it, decoded once at apply.
#[derive(Clone, Debug, PartialEq)]
pub struct NodegroupSpec {
    pub platform_id: String,
    pub name: String,
    /// The role preset's name, or `custom`.
    pub role: String,
    pub availability_zone: String,
    pub instance_types: Vec<String>,
    pub capacity_type: String,
    pub ami_type: String,
    pub scaling: Scaling,
    pub disk_size: i32,
    pub local_nvme: bool,
    pub max_unavailable: Option<i32>,
    /// The preset's labels and taints under the user's.
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// The user's own tags, and all the nodegroup's as planned.
    pub tags: BTreeMap<String, String>,
    pub tags_all: BTreeMap<String, String>,
    pub timeouts: Durations,
}

impl NodegroupSpec {
    /// Decodes a state whose arguments are all known (a planned state at
    /// apply); a number AWS cannot take is a configuration error on it.
    pub fn decode(state: &NodegroupState) -> Result<NodegroupSpec> {
        let count = |value: &Value<i64>, attribute: &str| -> Result<Option<i32>> {
            value
                .as_ref_option()
                .map(|n| {
                    i32::try_from(*n).map_err(|_| {
                        Error::config(
                            AttributePath::new(attribute),
                            format!("{n} is more than AWS takes"),
                        )
                    })
                })
                .transpose()
        };
        Ok(NodegroupSpec {
            platform_id: known(&state.platform_id).unwrap_or_default().to_string(),
            name: known(&state.name).unwrap_or_default().to_string(),
            role: known(&state.role).unwrap_or_default().to_string(),
            availability_zone: known(&state.availability_zone)
                .unwrap_or_default()
                .to_string(),
            instance_types: strings(&state.instance_types),
            capacity_type: known(&state.capacity_type)
                .unwrap_or("ON_DEMAND")
                .to_string(),
            ami_type: known(&state.ami_type).unwrap_or_default().to_string(),
            scaling: Scaling {
                min_size: count(&state.min_size, "min_size")?,
                max_size: count(&state.max_size, "max_size")?,
                desired_size: count(&state.desired_size, "desired_size")?,
            },
            disk_size: count(&state.disk_size, "disk_size")?
                .unwrap_or(nodegroup::DEFAULT_DISK_SIZE as i32),
            local_nvme: state.local_nvme.as_ref_option().copied().unwrap_or(false),
            max_unavailable: count(&state.max_unavailable, "max_unavailable")?,
            labels: resolved_labels(state),
            taints: resolved_taints(state),
            tags: string_map(&state.tags),
            tags_all: string_map(&state.tags_all),
            timeouts: Durations::of(&state.timeouts, DEFAULT_TIMEOUTS),
        })
    }
}

/// What the state records of a nodegroup that exists, as EKS last reported
/// it: what update compares the spec with, and destroy removes.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub platform_id: String,
    pub name: String,
    pub arn: Option<String>,
    pub launch_template_id: Option<String>,
    pub scaling: Scaling,
    pub max_unavailable: Option<i32>,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub tags: BTreeMap<String, String>,
    pub tags_all: BTreeMap<String, String>,
    pub timeouts: Durations,
}

impl Recorded {
    pub fn decode(state: &NodegroupState) -> Recorded {
        let count = |value: &Value<i64>| value.as_ref_option().and_then(|n| i32::try_from(*n).ok());
        let text = |value: &Value<String>| known(value).map(str::to_string);
        Recorded {
            platform_id: known(&state.platform_id).unwrap_or_default().to_string(),
            name: known(&state.name).unwrap_or_default().to_string(),
            arn: text(&state.arn),
            launch_template_id: text(&state.launch_template_id),
            scaling: Scaling {
                min_size: count(&state.min_size),
                max_size: count(&state.max_size),
                desired_size: count(&state.desired_size),
            },
            max_unavailable: count(&state.max_unavailable),
            labels: string_map(&state.resolved_labels),
            taints: taints_from(&state.resolved_taints),
            tags: string_map(&state.tags),
            tags_all: string_map(&state.tags_all),
            timeouts: Durations::of(&state.timeouts, DEFAULT_TIMEOUTS),
        }
    }
}

/// Preset labels under the user's.
pub fn resolved_labels(state: &NodegroupState) -> BTreeMap<String, String> {
    nodegroup::resolved_labels(
        known(&state.role).and_then(preset),
        &string_map(&state.labels),
    )
}

/// Taints from state values (either spelling of the effect), sorted.
pub fn taints_from(value: &Value<Vec<Value<TaintState>>>) -> Vec<Taint> {
    let mut taints: Vec<Taint> = value
        .iter()
        .flatten()
        .filter_map(|t| {
            let t = t.as_ref_option()?;
            Some(Taint {
                key: known(&t.key)?.to_string(),
                value: known(&t.value).unwrap_or_default().to_string(),
                effect: TaintEffect::parse(known(&t.effect)?)?,
            })
        })
        .collect();
    taints.sort();
    taints
}

/// Preset taints, replaced key by key by the user's.
pub fn resolved_taints(state: &NodegroupState) -> Vec<Taint> {
    nodegroup::resolved_taints(
        known(&state.role).and_then(preset),
        &taints_from(&state.taints),
    )
}

pub fn taints_value(taints: &[Taint]) -> Value<Vec<Value<TaintState>>> {
    Value::Value(
        taints
            .iter()
            .map(|t| {
                Value::Value(TaintState {
                    key: Value::Value(t.key.clone()),
                    value: Value::Value(t.value.clone()),
                    effect: Value::Value(t.eks_effect().to_string()),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
impl NodegroupState {
    /// A configuration that sets only the role, for tests.
    pub fn with_role(role: &str) -> Self {
        NodegroupState {
            role: Value::Value(role.into()),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::values::to_map;

    fn state(role: &str) -> NodegroupState {
        NodegroupState::with_role(role)
    }

    #[test]
    fn user_labels_and_taints_win() {
        let mut config = state("critical");
        config.labels = to_map(&BTreeMap::from([
            ("team".to_string(), "risk".to_string()),
            ("role".to_string(), "vip".to_string()),
        ]));
        config.taints = taints_value(&[Taint {
            key: "role".into(),
            value: "vip".into(),
            effect: TaintEffect::NoExecute,
        }]);
        let labels = resolved_labels(&config);
        assert_eq!(labels.get("role").map(String::as_str), Some("vip"));
        assert_eq!(
            labels.get("node-lifecycle").map(String::as_str),
            Some("on-demand")
        );
        let taints = resolved_taints(&config);
        assert_eq!(
            taints,
            vec![Taint {
                key: "role".into(),
                value: "vip".into(),
                effect: TaintEffect::NoExecute
            }]
        );
    }

    #[test]
    fn a_size_aws_cannot_take_is_a_configuration_error() {
        let mut planned = state("critical");
        planned.max_size = Value::Value(i64::from(i32::MAX) + 1);
        let Err(Error::Config { path, .. }) = NodegroupSpec::decode(&planned) else {
            panic!("a configuration error");
        };
        assert_eq!(path.to_string(), "max_size");
        planned.max_size = Value::Value(3);
        let spec = NodegroupSpec::decode(&planned).unwrap();
        assert_eq!(spec.scaling.max_size, Some(3));
        assert_eq!(spec.disk_size, 50);
    }
}
