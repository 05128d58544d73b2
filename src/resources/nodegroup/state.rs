//! The typed Terraform state of `emreks_nodegroup`.

use crate::plugin::Value;
use serde::{Deserialize, Serialize};

use crate::resources::values::{StringList, StringMap};
use crate::timeouts::Timeouts;

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
