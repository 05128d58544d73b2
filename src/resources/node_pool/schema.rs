//! `emreks_node_pool` as Terraform sees it: the schema, the state it
//! exchanges with Terraform, and the domain pool a planned state decodes
//! into at apply.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::platform::node_pool::{self, NodePool};
use crate::platform::node_roles::Taint;
use crate::platform::nodegroup::{self, preset};
use crate::plugin::schema::{
    block, computed, list_of_strings, map_of_strings, number, optional, optional_computed,
    required, string, Constraint, Schema,
};
use crate::plugin::{AttributePath, Value};
use crate::resources::nodegroup::{taints_attribute, taints_from, TaintState};
use crate::resources::values::{known, string_map, strings, StringList, StringMap};

/// Arguments whose change means a new pool.
pub const FORCES_REPLACEMENT: [&str; 3] = ["platform_id", "name", "role"];

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: block(
            "A Spark node pool on an EKS Auto Mode platform (`compute = \"auto_mode\"`): Karpenter `NodePool`s (karpenter.sh/v1) on one Auto Mode `NodeClass` (eks.amazonaws.com/v1) in the platform's private subnets, from a role preset whose labels and taints match the platform's pod templates, with the disruption settings the EMR on EKS best-practices guide gives the role. Graviton is preferred by weight: a pool allowing `arm64` and `amd64` is one NodePool per architecture, arm64 weighted higher; likewise one per capacity type, so each node's `node-lifecycle` label is true of it.",
            [
                ("id", computed(string(), "`<platform_id>:<name>`.")),
                ("platform_id", required(string(), "The `id` of the `emreks_platform`, which must run on EKS Auto Mode (`compute = \"auto_mode\"`).")),
                ("name", required(string(), "Name of the NodeClass and of the first NodePool, unique in the cluster: lowercase letters, digits and '-', at most 40 characters, e.g. `spark-executors`.")),
                ("role", required(string(), "Role preset: `critical`, `non_critical_driver`, `non_critical_executor` (spot), `notebook_driver`, `notebook_executor` (spot), or `custom` (no preset labels or taints).")),
                ("capacity_types", optional_computed(list_of_strings(), "`spot` and/or `on-demand`, most preferred first (default: the role's, `spot` for executors).")),
                ("architectures", optional_computed(list_of_strings(), "`arm64` and/or `amd64`, most preferred first (default: `arm64` then `amd64` for non-critical executors, `amd64` for notebooks, `arm64` otherwise).")),
                ("instance_categories", optional_computed(list_of_strings(), "Instance categories (`eks.amazonaws.com/instance-category`), e.g. `[\"c\", \"m\", \"r\"]` (default; `m`, `r` for critical).")),
                ("instance_families", optional(list_of_strings(), "Instance families (`eks.amazonaws.com/instance-family`), e.g. `[\"m7g\", \"m6g\"]`; all of the categories by default.")),
                ("instance_types", optional(list_of_strings(), "Instance types (`node.kubernetes.io/instance-type`); any of the families and categories by default.")),
                ("min_instance_generation", optional_computed(number(), "Oldest instance generation (`eks.amazonaws.com/instance-generation`), default 6.")),
                ("max_vcpus", optional(number(), "Largest instance size in vCPUs (`eks.amazonaws.com/instance-cpu`); unlimited by default. Checked at plan against the role's job profile.")),
                ("zones", optional(list_of_strings(), "Availability zones of the nodes; all of the platform's by default (each job's executors still follow its driver's zone through the pod templates).")),
                ("cpu_limit", optional_computed(number(), "Most vCPUs the pool's nodes may have together (default: what the role's managed nodegroups reach).")),
                ("memory_limit_gib", optional_computed(number(), "Most memory the pool's nodes may have together, in GiB (default: 4 GiB a vCPU of `cpu_limit`).")),
                ("consolidation_policy", optional_computed(string(), "`WhenEmpty` (default for drivers and critical jobs) or `WhenEmptyOrUnderutilized` (default for executors).")),
                ("consolidate_after", optional_computed(string(), "How long a node stays empty or underused before Karpenter consolidates it, e.g. `360s` (default for executors: above Spark's shuffle-tracking timeout of 300s).")),
                ("disruption_budget", optional_computed(string(), "Nodes Karpenter may disrupt at once, a count or a percentage (default `10%`).")),
                ("expire_after", optional_computed(string(), "Node lifetime, e.g. `336h` (default); Auto Mode replaces nodes after 21 days at the latest.")),
                ("ephemeral_storage_gib", optional_computed(number(), "Each node's ephemeral storage in GiB, where Spark spills shuffle data (default 200, 80 for drivers).")),
                ("labels", optional(map_of_strings(), "Kubernetes labels added to (or overriding) the role's.")),
                ("taints", taints_attribute(Constraint::Optional, "Kubernetes taints added to (or replacing, by key) the role's: `[{ key, value, effect = \"NO_SCHEDULE\" | \"PREFER_NO_SCHEDULE\" | \"NO_EXECUTE\" }]`.")),
                ("node_pool_names", computed(list_of_strings(), "The NodePools, most preferred (highest weight) first.")),
                ("node_class_name", computed(string(), "The NodeClass all the pool's NodePools use.")),
                ("resolved_labels", computed(map_of_strings(), "The labels of the first NodePool's nodes (the others differ only in `node-lifecycle`).")),
                ("resolved_taints", taints_attribute(Constraint::Computed, "The taints of the first NodePool's nodes (EKS spelling of the effect).")),
            ],
            [],
        ),
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct NodePoolState {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub platform_id: Value<String>,
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub role: Value<String>,
    #[serde(default)]
    pub capacity_types: StringList,
    #[serde(default)]
    pub architectures: StringList,
    #[serde(default)]
    pub instance_categories: StringList,
    #[serde(default)]
    pub instance_families: StringList,
    #[serde(default)]
    pub instance_types: StringList,
    #[serde(default)]
    pub min_instance_generation: Value<i64>,
    #[serde(default)]
    pub max_vcpus: Value<i64>,
    #[serde(default)]
    pub zones: StringList,
    #[serde(default)]
    pub cpu_limit: Value<i64>,
    #[serde(default)]
    pub memory_limit_gib: Value<i64>,
    #[serde(default)]
    pub consolidation_policy: Value<String>,
    #[serde(default)]
    pub consolidate_after: Value<String>,
    #[serde(default)]
    pub disruption_budget: Value<String>,
    #[serde(default)]
    pub expire_after: Value<String>,
    #[serde(default)]
    pub ephemeral_storage_gib: Value<i64>,
    #[serde(default)]
    pub labels: StringMap,
    #[serde(default)]
    pub taints: Value<Vec<Value<TaintState>>>,
    #[serde(default)]
    pub node_pool_names: StringList,
    #[serde(default)]
    pub node_class_name: Value<String>,
    #[serde(default)]
    pub resolved_labels: StringMap,
    #[serde(default)]
    pub resolved_taints: Value<Vec<Value<TaintState>>>,
}

/// Preset labels under the user's.
pub fn resolved_labels(state: &NodePoolState) -> BTreeMap<String, String> {
    nodegroup::resolved_labels(
        known(&state.role).and_then(preset),
        &string_map(&state.labels),
    )
}

/// Preset taints, replaced key by key by the user's.
pub fn resolved_taints(state: &NodePoolState) -> Vec<Taint> {
    nodegroup::resolved_taints(
        known(&state.role).and_then(preset),
        &taints_from(&state.taints),
    )
}

/// A number of the configuration as the domain takes it; one out of range
/// is a configuration error on its attribute.
fn count(value: &Value<i64>, attribute: &str) -> Result<Option<u32>> {
    value
        .as_ref_option()
        .map(|n| {
            u32::try_from(*n).map_err(|_| {
                Error::config(
                    AttributePath::new(attribute),
                    format!(
                        "{n} is out of range: use a whole number from 0 to {}",
                        u32::MAX
                    ),
                )
            })
        })
        .transpose()
}

impl NodePoolState {
    /// The pool a state whose arguments are all known (a planned state at
    /// apply, or one read back) stands for.
    pub fn decode(&self) -> Result<NodePool> {
        let role = known(&self.role).and_then(preset);
        let capacity_types = strings(&self.capacity_types)
            .iter()
            .map(|c| {
                node_pool::parse_capacity_type(c).ok_or_else(|| {
                    Error::config(
                        AttributePath::new("capacity_types"),
                        format!("\"{c}\" is not a capacity type; use \"spot\" or \"on-demand\""),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(NodePool {
            name: known(&self.name).unwrap_or_default().to_string(),
            role,
            capacity_types,
            architectures: strings(&self.architectures),
            instance_categories: strings(&self.instance_categories),
            instance_families: strings(&self.instance_families),
            instance_types: strings(&self.instance_types),
            min_generation: count(&self.min_instance_generation, "min_instance_generation")?,
            max_vcpus: count(&self.max_vcpus, "max_vcpus")?,
            zones: strings(&self.zones),
            cpu_limit: count(&self.cpu_limit, "cpu_limit")?.unwrap_or(0),
            memory_limit_gib: count(&self.memory_limit_gib, "memory_limit_gib")?.unwrap_or(0),
            consolidation_policy: known(&self.consolidation_policy)
                .unwrap_or_default()
                .to_string(),
            consolidate_after: known(&self.consolidate_after)
                .unwrap_or_default()
                .to_string(),
            budget: known(&self.disruption_budget)
                .unwrap_or_default()
                .to_string(),
            expire_after: known(&self.expire_after).unwrap_or_default().to_string(),
            labels: resolved_labels(self),
            taints: resolved_taints(self),
            ephemeral_storage_gib: count(&self.ephemeral_storage_gib, "ephemeral_storage_gib")?
                .unwrap_or(0),
        })
    }
}
