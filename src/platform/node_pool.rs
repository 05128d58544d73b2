//! A Spark node pool on EKS Auto Mode as pure code: a Karpenter `NodePool`
//! (karpenter.sh/v1) per capacity type and architecture the pool allows,
//! all on one Auto Mode `NodeClass` (eks.amazonaws.com/v1), from a role
//! preset whose labels and taints are the managed nodegroups' (so the pod
//! templates select either unchanged), with the disruption the EMR on EKS
//! best-practices guide gives each role.
//!
//! Why several NodePools: Karpenter has no preference inside one pool's
//! requirements, only between pools (their `weight`). Graviton first, x86
//! as fallback, is two pools, arm64 weighted higher. A node's
//! `node-lifecycle` label, which the pod templates select, must be true of
//! it, so spot and on-demand nodes come from pools of their own too, the
//! role's own capacity type weighted higher.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::job_profiles::SHUFFLE_TRACKING_TIMEOUT_SECS;
use super::naming::{Owner, KUBERNETES_MANAGER};
use super::node_roles::{CapacityType, NodeRole, Taint};
use super::nodegroup;
use super::sizing::InstanceShape;

pub const NODE_POOL_API_VERSION: &str = "karpenter.sh/v1";
pub const NODE_POOL_KIND: &str = "NodePool";
pub const NODE_CLASS_API_VERSION: &str = "eks.amazonaws.com/v1";
pub const NODE_CLASS_KIND: &str = "NodeClass";
/// The annotation carrying the owning platform's marker
/// ([`Owner::marker`]): nothing is adopted by its name alone.
pub const OWNER_ANNOTATION: &str = "emreks.io/owner";
/// The label naming the `emreks_node_pool` a NodePool belongs to.
pub const POOL_LABEL: &str = "emreks.io/node-pool";
/// The annotation naming the pool's role preset (`custom` without one),
/// which import reads back.
pub const ROLE_ANNOTATION: &str = "emreks.io/role";
const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";

/// Auto Mode's and Karpenter's well-known labels a requirement may name.
pub const ARCH_KEY: &str = "kubernetes.io/arch";
pub const CAPACITY_TYPE_KEY: &str = "karpenter.sh/capacity-type";
pub const CATEGORY_KEY: &str = "eks.amazonaws.com/instance-category";
pub const FAMILY_KEY: &str = "eks.amazonaws.com/instance-family";
pub const GENERATION_KEY: &str = "eks.amazonaws.com/instance-generation";
pub const CPU_KEY: &str = "eks.amazonaws.com/instance-cpu";
pub const INSTANCE_TYPE_KEY: &str = "node.kubernetes.io/instance-type";
pub const ZONE_KEY: &str = "topology.kubernetes.io/zone";

/// Spark releases an idle executor after `executorIdleTimeout` (60 s by
/// default), but one holding shuffle data only after the shuffle-tracking
/// timeout; consolidating executors' nodes sooner than that kills
/// executors Spark still counts on. A minute of margin on top.
pub const EXECUTOR_CONSOLIDATE_AFTER_SECS: u64 = SHUFFLE_TRACKING_TIMEOUT_SECS + 60;
/// Drivers' nodes go only when empty, a few minutes after, so the next
/// job's driver finds a node.
pub const DRIVER_CONSOLIDATE_AFTER_SECS: u64 = 300;
/// Share of a pool's nodes Karpenter may disrupt at once.
pub const DEFAULT_BUDGET: &str = "10%";
/// Node lifetime; Auto Mode replaces nodes at 21 days at the latest.
pub const DEFAULT_EXPIRE_AFTER: &str = "336h";
pub const MAX_EXPIRE_AFTER_SECS: u64 = 21 * 24 * 3600;
/// The oldest instance generation by default: Graviton2 (m6g) and its x86
/// peers onward.
pub const DEFAULT_MIN_GENERATION: u32 = 6;

/// A pool's purchase option, as Karpenter spells it.
pub fn capacity_type_name(capacity: CapacityType) -> &'static str {
    match capacity {
        CapacityType::OnDemand => "on-demand",
        CapacityType::Spot => "spot",
    }
}

pub fn parse_capacity_type(name: &str) -> Option<CapacityType> {
    match name {
        "on-demand" => Some(CapacityType::OnDemand),
        "spot" => Some(CapacityType::Spot),
        _ => None,
    }
}

pub const ARCHITECTURES: [&str; 2] = ["arm64", "amd64"];
pub const CONSOLIDATION_POLICIES: [&str; 2] = ["WhenEmpty", "WhenEmptyOrUnderutilized"];

/// What a pool runs with where the configuration leaves a value out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    pub capacity_types: Vec<&'static str>,
    pub architectures: Vec<&'static str>,
    pub instance_categories: Vec<&'static str>,
    pub min_generation: u32,
    pub cpu_limit: u32,
    pub memory_limit_gib: u32,
    pub consolidation_policy: &'static str,
    pub consolidate_after_secs: u64,
    pub expire_after: &'static str,
    pub budget: &'static str,
    pub ephemeral_storage_gib: u32,
}

/// Whether a role's nodes hold executors that Karpenter may move when
/// underutilised; drivers and critical jobs only lose empty nodes.
fn consolidates_underutilized(role: Option<NodeRole>) -> bool {
    matches!(
        role,
        Some(NodeRole::NonCriticalExecutor | NodeRole::NotebookExecutor) | None
    )
}

pub fn defaults(role: Option<NodeRole>) -> Defaults {
    let capacity = role
        .map(|r| r.capacity_type())
        .unwrap_or(CapacityType::OnDemand);
    // Executors of non-critical jobs run anywhere spot capacity is: x86 as
    // Graviton's fallback widens the spot pools. Notebook kernels need x86
    // (interactive endpoints do not support the ARM AMIs).
    let architectures = match role {
        Some(NodeRole::NonCriticalExecutor) | None => vec!["arm64", "amd64"],
        Some(NodeRole::NotebookDriver | NodeRole::NotebookExecutor) => vec!["amd64"],
        Some(_) => vec!["arm64"],
    };
    let instance_categories = match role {
        Some(NodeRole::Critical) => vec!["m", "r"],
        _ => vec!["c", "m", "r"],
    };
    // The CPUs the role's managed nodegroups reach at their maximum size
    // (max size × vCPUs of the preset's instance type), 4 GiB a vCPU.
    let cpu_limit = match role {
        Some(NodeRole::Critical | NodeRole::NonCriticalExecutor) => 3200,
        Some(NodeRole::NonCriticalDriver) => 40,
        Some(NodeRole::NotebookDriver) => 20,
        Some(NodeRole::NotebookExecutor) => 800,
        Some(NodeRole::Tooling) | None => 100,
    };
    let underutilized = consolidates_underutilized(role);
    let driver = matches!(
        role,
        Some(NodeRole::NonCriticalDriver | NodeRole::NotebookDriver)
    );
    Defaults {
        capacity_types: vec![capacity_type_name(capacity)],
        architectures,
        instance_categories,
        min_generation: DEFAULT_MIN_GENERATION,
        cpu_limit,
        memory_limit_gib: cpu_limit.saturating_mul(4),
        consolidation_policy: if underutilized {
            "WhenEmptyOrUnderutilized"
        } else {
            "WhenEmpty"
        },
        consolidate_after_secs: if underutilized || role == Some(NodeRole::Critical) {
            EXECUTOR_CONSOLIDATE_AFTER_SECS
        } else {
            DRIVER_CONSOLIDATE_AFTER_SECS
        },
        expire_after: DEFAULT_EXPIRE_AFTER,
        budget: DEFAULT_BUDGET,
        // Shuffle spills to the node's ephemeral storage on Auto Mode.
        ephemeral_storage_gib: if driver { 80 } else { 200 },
    }
}

/// The pool as its configuration resolves, every value known.
#[derive(Clone, Debug, PartialEq)]
pub struct NodePool {
    /// The Kubernetes name of the NodeClass and of the first NodePool.
    pub name: String,
    pub role: Option<NodeRole>,
    /// In order of preference.
    pub capacity_types: Vec<CapacityType>,
    /// In order of preference (`arm64`, `amd64`).
    pub architectures: Vec<String>,
    pub instance_categories: Vec<String>,
    pub instance_families: Vec<String>,
    pub instance_types: Vec<String>,
    pub min_generation: Option<u32>,
    pub max_vcpus: Option<u32>,
    /// Empty: every zone of the platform's subnets.
    pub zones: Vec<String>,
    pub cpu_limit: u32,
    pub memory_limit_gib: u32,
    pub consolidation_policy: String,
    /// As configured (`360s`, `6m`): sent as written, read back alike.
    pub consolidate_after: String,
    pub budget: String,
    pub expire_after: String,
    /// The preset's labels and taints under the user's.
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub ephemeral_storage_gib: u32,
}

/// What the NodeClass places the nodes in, read from the platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    /// The Auto Mode node role's name (the cluster's `computeConfig`).
    pub node_role: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// One NodePool of the pool: a capacity type and an architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub capacity_type: CapacityType,
    pub architecture: String,
    pub weight: u32,
}

/// The NodePools of a pool, most preferred first: each capacity type in
/// order, each architecture in order within it. The first keeps the pool's
/// name; the others add their capacity type and architecture.
pub fn members(pool: &NodePool) -> Vec<Member> {
    let count = pool.capacity_types.len() * pool.architectures.len();
    let mut members = Vec::with_capacity(count);
    for capacity in &pool.capacity_types {
        for arch in &pool.architectures {
            let name = if members.is_empty() {
                pool.name.clone()
            } else {
                format!("{}-{}-{arch}", pool.name, capacity_type_name(*capacity))
            };
            // Highest weight first; Karpenter takes 1 to 100.
            let weight = u32::try_from(count - members.len()).unwrap_or(1).min(100) * 10;
            members.push(Member {
                name,
                capacity_type: *capacity,
                architecture: arch.clone(),
                weight: weight.min(100),
            });
        }
    }
    members
}

/// `"<n>s"`, `"<n>m"`, `"<n>h"` or combined (`"1h30m"`) in seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    (digits.is_empty() && !text.is_empty()).then_some(total)
}

/// Seconds as Karpenter's durations are written, e.g. `360s`.
pub fn duration(secs: u64) -> String {
    format!("{secs}s")
}

fn requirement(key: &str, operator: &str, values: &[String]) -> Value {
    if values.is_empty() {
        json!({ "key": key, "operator": operator })
    } else {
        json!({ "key": key, "operator": operator, "values": values })
    }
}

/// The labels a member's nodes carry: the pool's, with its own lifecycle.
fn member_labels(pool: &NodePool, member: &Member) -> BTreeMap<String, String> {
    let mut labels = pool.labels.clone();
    if pool.role.is_some() || labels.contains_key(LIFECYCLE_LABEL) {
        labels.insert(
            LIFECYCLE_LABEL.to_string(),
            lifecycle(member.capacity_type).to_string(),
        );
    }
    labels
}

/// Spot nodes keep the spot taint, which only pods that accept
/// interruption tolerate; on-demand members of a preset pool drop it.
fn member_taints(pool: &NodePool, member: &Member) -> Vec<Taint> {
    pool.taints
        .iter()
        .filter(|t| {
            !(t.key == LIFECYCLE_LABEL
                && t.value == "spot"
                && member.capacity_type == CapacityType::OnDemand)
        })
        .cloned()
        .collect()
}

const LIFECYCLE_LABEL: &str = "node-lifecycle";

fn lifecycle(capacity: CapacityType) -> &'static str {
    match capacity {
        CapacityType::OnDemand => "on-demand",
        CapacityType::Spot => "spot",
    }
}

fn metadata(name: &str, pool: &NodePool, owner: &Owner) -> Value {
    let role = pool.role.map(NodeRole::as_str).unwrap_or(nodegroup::CUSTOM);
    json!({
        "name": name,
        "labels": { MANAGED_BY_LABEL: KUBERNETES_MANAGER, POOL_LABEL: pool.name },
        "annotations": { OWNER_ANNOTATION: owner.marker(), ROLE_ANNOTATION: role },
    })
}

/// The NodePool manifest of one member.
pub fn node_pool_manifest(pool: &NodePool, member: &Member, owner: &Owner) -> Value {
    let mut requirements = vec![
        requirement(
            CAPACITY_TYPE_KEY,
            "In",
            &[capacity_type_name(member.capacity_type).to_string()],
        ),
        requirement(ARCH_KEY, "In", std::slice::from_ref(&member.architecture)),
    ];
    if !pool.instance_types.is_empty() {
        requirements.push(requirement(INSTANCE_TYPE_KEY, "In", &pool.instance_types));
    }
    if !pool.instance_categories.is_empty() {
        requirements.push(requirement(CATEGORY_KEY, "In", &pool.instance_categories));
    }
    if !pool.instance_families.is_empty() {
        requirements.push(requirement(FAMILY_KEY, "In", &pool.instance_families));
    }
    if let Some(generation) = pool.min_generation.filter(|g| *g > 0) {
        requirements.push(requirement(
            GENERATION_KEY,
            "Gt",
            &[(generation - 1).to_string()],
        ));
    }
    if let Some(max) = pool.max_vcpus {
        requirements.push(requirement(
            CPU_KEY,
            "Lt",
            &[max.saturating_add(1).to_string()],
        ));
    }
    if !pool.zones.is_empty() {
        requirements.push(requirement(ZONE_KEY, "In", &pool.zones));
    }
    let taints: Vec<Value> = member_taints(pool, member)
        .iter()
        .map(|t| json!({ "key": t.key, "value": t.value, "effect": t.kubernetes_effect() }))
        .collect();
    json!({
        "apiVersion": NODE_POOL_API_VERSION,
        "kind": NODE_POOL_KIND,
        "metadata": metadata(&member.name, pool, owner),
        "spec": {
            "template": {
                "metadata": { "labels": member_labels(pool, member) },
                "spec": {
                    "nodeClassRef": { "group": "eks.amazonaws.com", "kind": NODE_CLASS_KIND, "name": pool.name },
                    "requirements": requirements,
                    "taints": taints,
                    "expireAfter": pool.expire_after,
                },
            },
            "disruption": {
                "consolidationPolicy": pool.consolidation_policy,
                "consolidateAfter": pool.consolidate_after,
                "budgets": [{ "nodes": pool.budget }],
            },
            "limits": { "cpu": pool.cpu_limit.to_string(), "memory": format!("{}Gi", pool.memory_limit_gib) },
            "weight": member.weight,
        },
    })
}

/// The NodeClass manifest all the pool's NodePools use.
pub fn node_class_manifest(pool: &NodePool, placement: &Placement, owner: &Owner) -> Value {
    let ids = |ids: &[String]| -> Vec<Value> { ids.iter().map(|id| json!({ "id": id })).collect() };
    json!({
        "apiVersion": NODE_CLASS_API_VERSION,
        "kind": NODE_CLASS_KIND,
        "metadata": metadata(&pool.name, pool, owner),
        "spec": {
            "role": placement.node_role,
            "subnetSelectorTerms": ids(&placement.subnet_ids),
            "securityGroupSelectorTerms": ids(&placement.security_group_ids),
            "ephemeralStorage": { "size": format!("{}Gi", pool.ephemeral_storage_gib) },
            "tags": placement.tags,
        },
    })
}

/// Whether a NodePool or NodeClass read from the cluster is this platform's.
pub fn owned_by(object: &Value, owner: &Owner) -> bool {
    object["metadata"]["annotations"][OWNER_ANNOTATION].as_str() == Some(owner.marker().as_str())
}

/// The largest node a pool limited to `max_vcpus` may get, for the sizing
/// check: memory at the richest GiB per vCPU its categories offer (c 2,
/// m 4, r 8; others 8), max pods as Auto Mode's kubelet caps them.
pub fn largest_shape(max_vcpus: u32, categories: &[String]) -> InstanceShape {
    let gib_per_vcpu = categories
        .iter()
        .map(|c| match c.as_str() {
            "c" => 2,
            "m" => 4,
            _ => 8,
        })
        .max()
        .unwrap_or(8);
    InstanceShape {
        instance_type: format!("{max_vcpus}-vCPU"),
        vcpus: max_vcpus,
        memory_mib: u64::from(max_vcpus) * gib_per_vcpu * 1024,
        max_pods: 110,
    }
}

/// The labels a running pool has beyond its preset's, and its taints beyond
/// the preset's: what the user set (import reads them back this way).
pub fn extra_labels(
    role: Option<NodeRole>,
    labels: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut extra = nodegroup::extra_labels(role, labels);
    extra.remove(LIFECYCLE_LABEL);
    extra
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(role: NodeRole) -> NodePool {
        let d = defaults(Some(role));
        NodePool {
            name: "executors".into(),
            role: Some(role),
            capacity_types: d
                .capacity_types
                .iter()
                .filter_map(|c| parse_capacity_type(c))
                .collect(),
            architectures: d.architectures.iter().map(|a| a.to_string()).collect(),
            instance_categories: d
                .instance_categories
                .iter()
                .map(|c| c.to_string())
                .collect(),
            instance_families: vec![],
            instance_types: vec![],
            min_generation: Some(d.min_generation),
            max_vcpus: None,
            zones: vec![],
            cpu_limit: d.cpu_limit,
            memory_limit_gib: d.memory_limit_gib,
            consolidation_policy: d.consolidation_policy.into(),
            consolidate_after: duration(d.consolidate_after_secs),
            budget: d.budget.into(),
            expire_after: d.expire_after.into(),
            labels: role.labels(),
            taints: role.taints(),
            ephemeral_storage_gib: d.ephemeral_storage_gib,
        }
    }

    fn owner() -> Owner {
        Owner::new("spark", "abc12")
    }

    #[test]
    fn disruption_follows_the_best_practices_guide() {
        let executors = defaults(Some(NodeRole::NonCriticalExecutor));
        assert_eq!(executors.consolidation_policy, "WhenEmptyOrUnderutilized");
        // Above Spark's shuffle-tracking timeout (300 s), itself above the idle timeout.
        assert!(executors.consolidate_after_secs > SHUFFLE_TRACKING_TIMEOUT_SECS);
        assert_eq!(executors.capacity_types, ["spot"]);
        assert_eq!(executors.architectures, ["arm64", "amd64"]);
        let drivers = defaults(Some(NodeRole::NonCriticalDriver));
        assert_eq!(drivers.consolidation_policy, "WhenEmpty");
        assert_eq!(drivers.capacity_types, ["on-demand"]);
        assert_eq!(
            defaults(Some(NodeRole::Critical)).consolidation_policy,
            "WhenEmpty"
        );
        assert_eq!(
            defaults(Some(NodeRole::NotebookDriver)).architectures,
            ["amd64"]
        );
    }

    #[test]
    fn graviton_first_by_weight_and_one_pool_per_capacity_type() {
        let mut executors = pool(NodeRole::NonCriticalExecutor);
        let names: Vec<(String, u32)> = members(&executors)
            .into_iter()
            .map(|m| (m.name, m.weight))
            .collect();
        assert_eq!(
            names,
            [
                ("executors".to_string(), 20),
                ("executors-spot-amd64".to_string(), 10)
            ]
        );
        executors.capacity_types = vec![CapacityType::Spot, CapacityType::OnDemand];
        let all = members(&executors);
        assert_eq!(all.len(), 4);
        assert!(all.windows(2).all(|w| w[0].weight > w[1].weight));
        assert_eq!(all[2].name, "executors-on-demand-arm64");
        // The on-demand members' nodes say so and lose the spot taint.
        let on_demand = node_pool_manifest(&executors, &all[2], &owner());
        let labels = &on_demand["spec"]["template"]["metadata"]["labels"];
        assert_eq!(labels["node-lifecycle"], "on-demand");
        assert_eq!(labels["spark-role"], "executor");
        let taints = on_demand["spec"]["template"]["spec"]["taints"]
            .as_array()
            .unwrap();
        assert_eq!(taints.len(), 1);
        assert_eq!(taints[0]["key"], "role");
    }

    #[test]
    fn node_pool_manifest_carries_the_presets_labels_taints_and_requirements() {
        let mut executors = pool(NodeRole::NonCriticalExecutor);
        executors.instance_families = vec!["m7g".into(), "c7g".into()];
        executors.max_vcpus = Some(32);
        executors.zones = vec!["eu-west-1a".into()];
        let first = &members(&executors)[0];
        let manifest = node_pool_manifest(&executors, first, &owner());
        assert_eq!(manifest["apiVersion"], "karpenter.sh/v1");
        assert_eq!(
            manifest["metadata"]["annotations"][OWNER_ANNOTATION],
            "spark-abc12"
        );
        assert!(owned_by(&manifest, &owner()));
        assert!(!owned_by(&manifest, &Owner::new("spark", "other")));
        let template = &manifest["spec"]["template"];
        assert_eq!(
            template["metadata"]["labels"],
            json!({"role": "shared", "spark-role": "executor", "node-lifecycle": "spot"})
        );
        assert_eq!(
            template["spec"]["taints"],
            json!([
                {"key": "role", "value": "shared", "effect": "NoSchedule"},
                {"key": "node-lifecycle", "value": "spot", "effect": "NoSchedule"},
            ])
        );
        assert_eq!(template["spec"]["nodeClassRef"]["name"], "executors");
        let requirements = template["spec"]["requirements"].as_array().unwrap();
        let find = |key: &str| requirements.iter().find(|r| r["key"] == key).cloned();
        assert_eq!(find(CAPACITY_TYPE_KEY).unwrap()["values"], json!(["spot"]));
        assert_eq!(find(ARCH_KEY).unwrap()["values"], json!(["arm64"]));
        assert_eq!(find(FAMILY_KEY).unwrap()["values"], json!(["m7g", "c7g"]));
        assert_eq!(
            find(GENERATION_KEY).unwrap(),
            json!({"key": GENERATION_KEY, "operator": "Gt", "values": ["5"]})
        );
        assert_eq!(find(CPU_KEY).unwrap()["values"], json!(["33"]));
        assert_eq!(find(ZONE_KEY).unwrap()["values"], json!(["eu-west-1a"]));
        assert_eq!(find(INSTANCE_TYPE_KEY), None);
        let disruption = &manifest["spec"]["disruption"];
        assert_eq!(
            disruption["consolidationPolicy"],
            "WhenEmptyOrUnderutilized"
        );
        assert_eq!(disruption["consolidateAfter"], "360s");
        assert_eq!(disruption["budgets"], json!([{"nodes": "10%"}]));
        assert_eq!(
            manifest["spec"]["limits"],
            json!({"cpu": "3200", "memory": "12800Gi"})
        );
    }

    #[test]
    fn all_zones_by_default() {
        let critical = pool(NodeRole::Critical);
        let manifest = node_pool_manifest(&critical, &members(&critical)[0], &owner());
        let requirements = manifest["spec"]["template"]["spec"]["requirements"]
            .as_array()
            .unwrap();
        assert!(requirements.iter().all(|r| r["key"] != ZONE_KEY));
        assert_eq!(members(&critical).len(), 1);
    }

    #[test]
    fn node_class_places_nodes_in_the_platforms_subnets() {
        let placement = Placement {
            node_role: "spark-auto-node".into(),
            subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            security_group_ids: vec!["sg-1".into()],
            tags: BTreeMap::from([("emreks:platform".to_string(), "spark".to_string())]),
        };
        let class = node_class_manifest(&pool(NodeRole::Critical), &placement, &owner());
        assert_eq!(class["apiVersion"], "eks.amazonaws.com/v1");
        assert_eq!(class["spec"]["role"], "spark-auto-node");
        assert_eq!(
            class["spec"]["subnetSelectorTerms"],
            json!([{"id": "subnet-a"}, {"id": "subnet-b"}])
        );
        assert_eq!(
            class["spec"]["securityGroupSelectorTerms"],
            json!([{"id": "sg-1"}])
        );
        assert_eq!(class["spec"]["ephemeralStorage"]["size"], "200Gi");
        assert_eq!(class["spec"]["tags"]["emreks:platform"], "spark");
    }

    #[test]
    fn durations_parse_as_karpenter_writes_them() {
        assert_eq!(parse_duration("360s"), Some(360));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("336h"), Some(336 * 3600));
        for bad in ["", "5", "m", "5d", "-5s", "99999999999999999999h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_largest_node_of_a_limited_pool() {
        let shape = largest_shape(4, &["c".into(), "m".into()]);
        assert_eq!((shape.vcpus, shape.memory_mib), (4, 16 * 1024));
        assert_eq!(largest_shape(8, &[]).memory_mib, 64 * 1024);
    }

    #[test]
    fn extra_labels_leave_the_preset_and_lifecycle_out() {
        let mut labels = NodeRole::NonCriticalExecutor.labels();
        labels.insert("node-lifecycle".into(), "on-demand".into());
        labels.insert("team".into(), "data".into());
        assert_eq!(
            extra_labels(Some(NodeRole::NonCriticalExecutor), &labels),
            BTreeMap::from([("team".to_string(), "data".to_string())])
        );
    }
}
