//! Refreshing `emreks_node_pool` from the cluster, and importing one by
//! `<platform id>:<pool name>`: the NodeClass and NodePools read back, the
//! arguments recovered from them. A pool whose NodeClass or any NodePool
//! is gone (or is no longer the platform's) is gone: the next plan
//! creates it again.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::facts;
use super::plan;
use super::schema::NodePoolState;
use crate::aws::eks::cluster::find_cluster;
use crate::aws::kubernetes::{self, Kube};
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::node_pool::{
    self, ARCH_KEY, CAPACITY_TYPE_KEY, CATEGORY_KEY, CPU_KEY, FAMILY_KEY, GENERATION_KEY,
    INSTANCE_TYPE_KEY, NODE_CLASS_API_VERSION, NODE_CLASS_KIND, NODE_POOL_API_VERSION,
    NODE_POOL_KIND, POOL_LABEL, ROLE_ANNOTATION, ZONE_KEY,
};
use crate::platform::node_roles::{Taint, TaintEffect};
use crate::platform::nodegroup::{self, preset};
use crate::plugin::Value;
use crate::resources::nodegroup::taints_value;
use crate::resources::values::{known, strings, to_list, to_map};

/// What the cluster holds of a pool: its NodeClass and NodePools, most
/// preferred first.
struct Found {
    node_class: Json,
    node_pools: Vec<Json>,
}

/// The pool as the cluster holds it; `None` when it (or any part of it) is gone.
pub async fn refresh(aws: &Aws, mut state: NodePoolState) -> Result<Option<NodePoolState>> {
    let platform_id = known(&state.platform_id).unwrap_or_default().to_string();
    let name = known(&state.name).unwrap_or_default().to_string();
    if find_cluster(aws, &platform_id).await?.is_none() {
        return Ok(None);
    }
    let facts = facts::facts(aws, &platform_id).await?;
    if !facts.auto_mode() {
        return Ok(None);
    }
    let kube = kubernetes::connect(aws, &facts.cluster).await?;
    let names = strings(&state.node_pool_names);
    let Some(found) = read(&kube, facts.owner(), &name, &names).await? else {
        return Ok(None);
    };
    flatten(&mut state, &found);
    // Labels or taints changed on the cluster show as a change of these,
    // which the plan computes from the configuration.
    state.resolved_labels = to_map(&template_labels(&found.node_pools[0]));
    state.resolved_taints = taints_value(&template_taints(&found.node_pools[0]));
    Ok(Some(state))
}

/// An existing pool's arguments, from its NodeClass and NodePools.
pub async fn import(aws: &Aws, id: &str) -> Result<NodePoolState> {
    let (platform_id, name) = id
        .split_once(':')
        .filter(|(p, n)| !p.is_empty() && !n.is_empty())
        .ok_or_else(|| {
            Error::import_refused(
                format!("\"{id}\""),
                "the id is <platform id>:<node pool name>, e.g. analytics:spark-executors",
            )
        })?;
    let facts = facts::facts(aws, platform_id).await?;
    if !facts.auto_mode() {
        return Err(facts::not_auto_mode(platform_id));
    }
    let kube = kubernetes::connect(aws, &facts.cluster).await?;
    // The pool's NodePools are those labelled as its and the platform's.
    let mut pools: Vec<Json> = kube
        .list_labelled(
            NODE_POOL_API_VERSION,
            NODE_POOL_KIND,
            &format!("{POOL_LABEL}={name}"),
        )
        .await?
        .into_iter()
        .filter(|p| node_pool::owned_by(p, facts.owner()))
        .collect();
    pools.sort_by_key(|p| std::cmp::Reverse(p["spec"]["weight"].as_i64().unwrap_or(0)));
    let names: Vec<String> = pools
        .iter()
        .filter_map(|p| p["metadata"]["name"].as_str().map(str::to_string))
        .collect();
    let missing = || {
        Error::import_refused(
            format!("\"{id}\""),
            format!("platform \"{platform_id}\" has no node pool \"{name}\" that it made (a NodeClass and NodePools carrying its owner annotation)"),
        )
    };
    if names.first().map(String::as_str) != Some(name) {
        return Err(missing());
    }
    let found = read(&kube, facts.owner(), name, &names)
        .await?
        .ok_or_else(missing)?;
    let role = found.node_pools[0]["metadata"]["annotations"][ROLE_ANNOTATION]
        .as_str()
        .unwrap_or(nodegroup::CUSTOM)
        .to_string();
    let mut state = NodePoolState {
        platform_id: Value::Value(platform_id.to_string()),
        name: Value::Value(name.to_string()),
        role: Value::Value(role.clone()),
        node_pool_names: to_list(names),
        ..Default::default()
    };
    flatten(&mut state, &found);
    let preset = preset(&role);
    let labels = template_labels(&found.node_pools[0]);
    let extra_labels = node_pool::extra_labels(preset, &labels);
    state.labels = if extra_labels.is_empty() {
        Value::Null
    } else {
        to_map(&extra_labels)
    };
    let extra_taints: Vec<Taint> =
        nodegroup::extra_taints(preset, &template_taints(&found.node_pools[0]))
            .into_iter()
            .filter(|t| !(t.key == "node-lifecycle" && t.value == "spot"))
            .collect();
    state.taints = if extra_taints.is_empty() {
        Value::Null
    } else {
        taints_value(&extra_taints)
    };
    plan::plan_computed(&mut state);
    Ok(state)
}

/// The NodeClass and each named NodePool, if all exist and are the platform's.
async fn read(
    kube: &Kube,
    owner: &crate::platform::naming::Owner,
    name: &str,
    names: &[String],
) -> Result<Option<Found>> {
    let Some(node_class) = kube
        .get(NODE_CLASS_API_VERSION, NODE_CLASS_KIND, None, name)
        .await?
        .filter(|c| node_pool::owned_by(c, owner) && c["metadata"]["deletionTimestamp"].is_null())
    else {
        return Ok(None);
    };
    let mut node_pools = Vec::new();
    for member in names {
        match kube
            .get(NODE_POOL_API_VERSION, NODE_POOL_KIND, None, member)
            .await?
            .filter(|p| node_pool::owned_by(p, owner))
        {
            Some(pool) => node_pools.push(pool),
            None => return Ok(None),
        }
    }
    if node_pools.is_empty() {
        return Ok(None);
    }
    Ok(Some(Found {
        node_class,
        node_pools,
    }))
}

fn requirement(pool: &Json, key: &str) -> Option<(String, Vec<String>)> {
    pool["spec"]["template"]["spec"]["requirements"]
        .as_array()?
        .iter()
        .find(|r| r["key"] == key)
        .map(|r| {
            let values = r["values"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            (
                r["operator"].as_str().unwrap_or_default().to_string(),
                values,
            )
        })
}

fn template_labels(pool: &Json) -> BTreeMap<String, String> {
    pool["spec"]["template"]["metadata"]["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn template_taints(pool: &Json) -> Vec<Taint> {
    let mut taints: Vec<Taint> = pool["spec"]["template"]["spec"]["taints"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|t| {
                    Some(Taint {
                        key: t["key"].as_str()?.to_string(),
                        value: t["value"].as_str().unwrap_or_default().to_string(),
                        effect: TaintEffect::parse(t["effect"].as_str()?)?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    taints.sort();
    taints
}

/// A whole number from a quantity such as `3200` or `12800Gi`.
fn quantity(value: &Json, unit: &str) -> Value<i64> {
    let text = match value {
        Json::String(s) => s.strip_suffix(unit).unwrap_or(s).to_string(),
        Json::Number(n) => n.to_string(),
        _ => return Value::Null,
    };
    text.parse().map(Value::Value).unwrap_or(Value::Null)
}

fn text(value: &Json) -> Value<String> {
    value
        .as_str()
        .map(|s| Value::Value(s.to_string()))
        .unwrap_or(Value::Null)
}

/// The arguments the cluster's objects hold, over the state's.
fn flatten(state: &mut NodePoolState, found: &Found) {
    let first = &found.node_pools[0];
    let spec = &first["spec"];
    let mut capacity_types: Vec<String> = Vec::new();
    let mut architectures: Vec<String> = Vec::new();
    for pool in &found.node_pools {
        for (key, into) in [
            (CAPACITY_TYPE_KEY, &mut capacity_types),
            (ARCH_KEY, &mut architectures),
        ] {
            for value in requirement(pool, key).map(|(_, v)| v).unwrap_or_default() {
                if !into.contains(&value) {
                    into.push(value);
                }
            }
        }
    }
    state.capacity_types = to_list(capacity_types);
    state.architectures = to_list(architectures);
    let list_or_null = |key: &str| match requirement(first, key) {
        Some((_, values)) => to_list(values),
        None => Value::Null,
    };
    state.instance_categories = match requirement(first, CATEGORY_KEY) {
        Some((_, values)) => to_list(values),
        None => to_list(Vec::<String>::new()),
    };
    state.instance_families = list_or_null(FAMILY_KEY);
    state.instance_types = list_or_null(INSTANCE_TYPE_KEY);
    state.zones = list_or_null(ZONE_KEY);
    let bound = |key: &str, operator: &str, offset: i64| -> Value<i64> {
        match requirement(first, key) {
            Some((op, values)) if op == operator => values
                .first()
                .and_then(|v| v.parse::<i64>().ok())
                .and_then(|n| n.checked_add(offset))
                .map(Value::Value)
                .unwrap_or(Value::Null),
            _ => Value::Null,
        }
    };
    state.min_instance_generation = bound(GENERATION_KEY, "Gt", 1);
    state.max_vcpus = bound(CPU_KEY, "Lt", -1);
    state.cpu_limit = quantity(&spec["limits"]["cpu"], "");
    state.memory_limit_gib = quantity(&spec["limits"]["memory"], "Gi");
    state.consolidation_policy = text(&spec["disruption"]["consolidationPolicy"]);
    state.consolidate_after = text(&spec["disruption"]["consolidateAfter"]);
    state.disruption_budget = text(&spec["disruption"]["budgets"][0]["nodes"]);
    state.expire_after = text(&spec["template"]["spec"]["expireAfter"]);
    state.ephemeral_storage_gib =
        quantity(&found.node_class["spec"]["ephemeralStorage"]["size"], "Gi");
    state.node_class_name = text(&found.node_class["metadata"]["name"]);
}
