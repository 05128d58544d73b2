//! Planning `emreks_node_pool`, as pure code: the configuration's checks
//! (each diagnostic names its attribute), the role preset's defaults under
//! the configuration, the computed names, labels and taints, and the check
//! of the role's Spark pods against the largest node the pool allows.

use crate::platform::job_profiles::ProfileSettings;
use crate::platform::node_pool::{
    self, capacity_type_name, parse_capacity_type, parse_duration, ARCHITECTURES,
    CONSOLIDATION_POLICIES, EXECUTOR_CONSOLIDATE_AFTER_SECS, MAX_EXPIRE_AFTER_SECS,
};
use crate::platform::node_roles::NodeRole;
use crate::platform::nodegroup::{self, preset, CUSTOM};
use crate::platform::sizing::{self, InstanceShape};
use crate::plugin::{AttributePath, Diagnostic, Diagnostics, Value};
use crate::resources::nodegroup::taints_value;
use crate::resources::values::{known, list_is_unknown, map_is_unknown, strings, to_list, to_map};

use super::schema::{resolved_labels, resolved_taints, NodePoolState};

/// Longest pool name: the NodePools of its other members add up to 17
/// characters (`-on-demand-arm64`) and the name is a label value too.
pub const MAX_NAME_LEN: usize = 40;

/// Checks that need no AWS call; unknown values wait.
pub fn validate(diags: &mut Diagnostics, config: &NodePoolState) {
    let role = known(&config.role);
    if let Some(role) = role {
        if role != CUSTOM && preset(role).is_none() {
            diags.error(
                "Invalid role",
                format!("\"{role}\" is not a node pool role; use critical, non_critical_driver, non_critical_executor, notebook_driver, notebook_executor or custom."),
                AttributePath::new("role"),
            );
        }
    }
    if let Some(name) = known(&config.name) {
        let ok = !name.is_empty()
            && name.len() <= MAX_NAME_LEN
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && !name.ends_with('-')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            diags.error(
                "Invalid name",
                format!("\"{name}\" must be 1 to {MAX_NAME_LEN} lowercase letters, digits or '-', starting with a letter and not ending with '-' (it names Kubernetes objects and labels)."),
                AttributePath::new("name"),
            );
        }
    }
    check_choices(
        diags,
        &config.capacity_types,
        "capacity_types",
        &["spot", "on-demand"],
    );
    check_choices(
        diags,
        &config.architectures,
        "architectures",
        &ARCHITECTURES,
    );
    let words = |diags: &mut Diagnostics,
                 list: &crate::resources::values::StringList,
                 attribute: &str,
                 what: &str,
                 ok: fn(char) -> bool| {
        for (index, value) in strings(list).iter().enumerate() {
            if value.is_empty() || !value.chars().all(ok) {
                diags.error(
                    format!("Invalid {what}"),
                    format!("\"{value}\" is not {what}: use lowercase letters and digits, e.g. as EC2 names them."),
                    AttributePath::new(attribute).index(index as i64),
                );
            }
        }
    };
    words(
        diags,
        &config.instance_categories,
        "instance_categories",
        "an instance category",
        |c| c.is_ascii_lowercase(),
    );
    words(
        diags,
        &config.instance_families,
        "instance_families",
        "an instance family",
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
    );
    words(
        diags,
        &config.instance_types,
        "instance_types",
        "an instance type",
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.',
    );
    for (value, attribute, min) in [
        (
            &config.min_instance_generation,
            "min_instance_generation",
            1,
        ),
        (&config.max_vcpus, "max_vcpus", 1),
        (&config.cpu_limit, "cpu_limit", 1),
        (&config.memory_limit_gib, "memory_limit_gib", 1),
        (&config.ephemeral_storage_gib, "ephemeral_storage_gib", 1),
    ] {
        if let Value::Value(n) = value {
            if *n < min || *n > i64::from(u32::MAX) {
                diags.error(
                    format!("Invalid {attribute}"),
                    format!(
                        "{n} is out of range: use a whole number from {min} to {}.",
                        u32::MAX
                    ),
                    AttributePath::new(attribute),
                );
            }
        }
    }
    if let Some(policy) = known(&config.consolidation_policy) {
        if !CONSOLIDATION_POLICIES.contains(&policy) {
            diags.error(
                "Invalid consolidation_policy",
                format!("\"{policy}\" is not a consolidation policy; use \"WhenEmpty\" or \"WhenEmptyOrUnderutilized\"."),
                AttributePath::new("consolidation_policy"),
            );
        }
    }
    if let Some(after) = known(&config.consolidate_after) {
        if after != "Never" && parse_duration(after).is_none() {
            diags.error(
                "Invalid consolidate_after",
                format!("\"{after}\" is not a duration; write seconds, minutes or hours such as \"360s\", \"6m\" or \"1h30m\", or \"Never\"."),
                AttributePath::new("consolidate_after"),
            );
        }
    }
    if let Some(expire) = known(&config.expire_after) {
        match parse_duration(expire) {
            Some(secs) if secs <= MAX_EXPIRE_AFTER_SECS => {}
            Some(_) => diags.error(
                "expire_after too long",
                format!("\"{expire}\" is longer than EKS Auto Mode keeps a node (21 days, \"504h\"); use at most \"504h\"."),
                AttributePath::new("expire_after"),
            ),
            None => diags.error(
                "Invalid expire_after",
                format!("\"{expire}\" is not a duration; write hours such as \"336h\"."),
                AttributePath::new("expire_after"),
            ),
        }
    }
    if let Some(budget) = known(&config.disruption_budget) {
        let (digits, percent) = match budget.strip_suffix('%') {
            Some(digits) => (digits, true),
            None => (budget, false),
        };
        let ok = !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
            && digits.parse::<u64>().is_ok_and(|n| !percent || n <= 100);
        if !ok {
            diags.error(
                "Invalid disruption_budget",
                format!("\"{budget}\" is not a budget; write a node count such as \"2\" or a percentage from \"0%\" to \"100%\"."),
                AttributePath::new("disruption_budget"),
            );
        }
    }
    crate::resources::nodegroup::check_labels_and_taints(diags, &config.labels, &config.taints);
    // Interactive endpoints' kernels need x86 nodes (no ARM AMIs), which the
    // notebook pod templates select.
    let notebook = matches!(role, Some("notebook_driver" | "notebook_executor"));
    if notebook && strings(&config.architectures).iter().any(|a| a == "arm64") {
        diags.error(
            "Notebook nodes must be x86",
            "EMR on EKS interactive endpoints do not support ARM nodes, and the notebook pod templates select amd64: leave arm64 out of architectures.",
            AttributePath::new("architectures"),
        );
    }
}

/// Each value one of `allowed`, none twice, at least one.
fn check_choices(
    diags: &mut Diagnostics,
    list: &crate::resources::values::StringList,
    attribute: &str,
    allowed: &[&str],
) {
    if list.is_null() || list_is_unknown(list) {
        return;
    }
    let values = strings(list);
    if values.is_empty() {
        diags.error(
            format!("Empty {attribute}"),
            format!(
                "List at least one of {}, or leave {attribute} out for the role's.",
                allowed.join(", ")
            ),
            AttributePath::new(attribute),
        );
    }
    for (index, value) in values.iter().enumerate() {
        if !allowed.contains(&value.as_str()) {
            diags.error(
                format!("Invalid {attribute}"),
                format!("\"{value}\" is not one of {}.", allowed.join(", ")),
                AttributePath::new(attribute).index(index as i64),
            );
        } else if values[..index].contains(value) {
            diags.error(
                format!("Duplicate in {attribute}"),
                format!("\"{value}\" is listed twice."),
                AttributePath::new(attribute).index(index as i64),
            );
        }
    }
}

/// The role preset's values wherever the configuration leaves them out.
pub fn fill_defaults(state: &mut NodePoolState) {
    let Some(role) = known(&state.role) else {
        return;
    };
    let defaults = node_pool::defaults(preset(role));
    let list = |value: &mut crate::resources::values::StringList, default: &[&str]| {
        if value.is_null() {
            *value = to_list(default.iter().map(|s| s.to_string()));
        }
    };
    list(&mut state.capacity_types, &defaults.capacity_types);
    list(&mut state.architectures, &defaults.architectures);
    list(
        &mut state.instance_categories,
        &defaults.instance_categories,
    );
    let number = |value: &mut Value<i64>, default: u32| {
        if value.is_null() {
            *value = Value::Value(default.into());
        }
    };
    number(&mut state.min_instance_generation, defaults.min_generation);
    number(&mut state.cpu_limit, defaults.cpu_limit);
    number(&mut state.memory_limit_gib, defaults.memory_limit_gib);
    number(
        &mut state.ephemeral_storage_gib,
        defaults.ephemeral_storage_gib,
    );
    let text = |value: &mut Value<String>, default: String| {
        if value.is_null() {
            *value = Value::Value(default);
        }
    };
    text(
        &mut state.consolidation_policy,
        defaults.consolidation_policy.to_string(),
    );
    text(
        &mut state.consolidate_after,
        node_pool::duration(defaults.consolidate_after_secs),
    );
    text(&mut state.disruption_budget, defaults.budget.to_string());
    text(&mut state.expire_after, defaults.expire_after.to_string());
}

/// What the plan can tell of the computed attributes.
pub fn plan_computed(planned: &mut NodePoolState) {
    planned.id = match (known(&planned.platform_id), known(&planned.name)) {
        (Some(platform), Some(name)) => Value::Value(format!("{platform}:{name}")),
        _ => Value::Unknown,
    };
    planned.node_class_name = planned.name.clone();
    planned.node_pool_names = match planned.decode() {
        Ok(pool)
            if !planned.name.is_unknown()
                && !list_is_unknown(&planned.capacity_types)
                && !list_is_unknown(&planned.architectures) =>
        {
            to_list(node_pool::members(&pool).into_iter().map(|m| m.name))
        }
        _ => Value::Unknown,
    };
    let unknown =
        planned.role.is_unknown() || map_is_unknown(&planned.labels) || planned.taints.is_unknown();
    if unknown {
        planned.resolved_labels = Value::Unknown;
        planned.resolved_taints = Value::Unknown;
    } else {
        // The first member's: its capacity type's lifecycle label, and the
        // spot taint only on a spot member.
        let mut labels = resolved_labels(planned);
        let mut taints = resolved_taints(planned);
        if let Some(first) = strings(&planned.capacity_types)
            .first()
            .and_then(|c| parse_capacity_type(c))
        {
            if labels.contains_key("node-lifecycle") {
                labels.insert(
                    "node-lifecycle".into(),
                    capacity_type_name(first).to_string(),
                );
            }
            if first == crate::platform::node_roles::CapacityType::OnDemand {
                taints.retain(|t| !(t.key == "node-lifecycle" && t.value == "spot"));
            }
        }
        planned.resolved_labels = to_map(&labels);
        planned.resolved_taints = taints_value(&taints);
    }
}

/// Warnings on consolidation settings that work against Spark.
pub fn check_disruption(diags: &mut Diagnostics, planned: &NodePoolState) {
    let Some(role) = known(&planned.role).and_then(preset) else {
        return;
    };
    let executors = matches!(
        role,
        NodeRole::NonCriticalExecutor | NodeRole::NotebookExecutor
    );
    let underutilized = known(&planned.consolidation_policy) == Some("WhenEmptyOrUnderutilized");
    if !executors && underutilized {
        diags.push(Diagnostic::warning_at(
            "Drivers consolidated when underutilised",
            format!("The {} pool runs Spark drivers, whose loss fails the job: the best practice is \"WhenEmpty\" (the drivers' do-not-disrupt annotation still protects running drivers).", role.as_str()),
            AttributePath::new("consolidation_policy"),
        ));
    }
    if let Some(secs) = known(&planned.consolidate_after).and_then(parse_duration) {
        if executors && underutilized && secs < EXECUTOR_CONSOLIDATE_AFTER_SECS {
            diags.push(Diagnostic::warning_at(
                "Consolidation sooner than Spark releases executors",
                format!("Spark keeps an idle executor holding shuffle data for 300s (shuffle tracking); consolidating its node after {secs}s kills executors Spark still counts on. Use at least \"{EXECUTOR_CONSOLIDATE_AFTER_SECS}s\"."),
                AttributePath::new("consolidate_after"),
            ));
        }
    }
}

/// A warning when no node the pool allows can hold one of the role's pods:
/// Karpenter picks a size that fits pending pods, so only the largest node
/// matters. `shapes` are the largest allowed nodes (`max_vcpus`'s, or each
/// of `instance_types`); `attribute` the argument that limits them.
pub fn check_sizing(
    diags: &mut Diagnostics,
    role: &str,
    settings: &ProfileSettings,
    shapes: &[InstanceShape],
    attribute: &str,
) {
    let Some((profile, spark_role)) = nodegroup::sized_pod(role) else {
        return;
    };
    let Ok(request) = sizing::request(settings, spark_role) else {
        return;
    };
    if shapes.is_empty()
        || shapes
            .iter()
            .any(|shape| sizing::fit(shape, &request).pods_per_node > 0)
    {
        return;
    }
    let what = sizing::describe(profile, spark_role, settings);
    let details: Vec<String> = shapes
        .iter()
        .filter_map(|shape| sizing::check(shape, &request, &what))
        .collect();
    diags.push(Diagnostic::warning_at(
        format!("No node of this pool fits the {} pods", profile.key()),
        format!(
            "The pool is limited to nodes too small for one {what}: its pods would stay pending. {} Allow larger instances.",
            details.join(" ")
        ),
        AttributePath::new(attribute),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::pod_templates::JobProfile;
    use crate::resources::values::string_map;

    fn state(role: &str) -> NodePoolState {
        NodePoolState {
            platform_id: Value::Value("spark".into()),
            name: Value::Value("executors".into()),
            role: Value::Value(role.into()),
            ..Default::default()
        }
    }

    #[test]
    fn presets_fill_what_is_left_out_and_name_the_node_pools() {
        let mut planned = state("non_critical_executor");
        fill_defaults(&mut planned);
        plan_computed(&mut planned);
        assert_eq!(strings(&planned.capacity_types), ["spot"]);
        assert_eq!(strings(&planned.architectures), ["arm64", "amd64"]);
        assert_eq!(
            planned.consolidation_policy,
            Value::Value("WhenEmptyOrUnderutilized".into())
        );
        assert_eq!(planned.consolidate_after, Value::Value("360s".into()));
        assert_eq!(
            strings(&planned.node_pool_names),
            ["executors", "executors-spot-amd64"]
        );
        assert_eq!(planned.id, Value::Value("spark:executors".into()));
        let labels = string_map(&planned.resolved_labels);
        assert_eq!(labels["node-lifecycle"], "spot");
        assert_eq!(labels["role"], "shared");
    }

    #[test]
    fn diagnostics_name_their_attribute() {
        let mut config = state("notebook_executor");
        config.name = Value::Value("Executors".into());
        config.capacity_types = to_list(["spot".to_string(), "spot".to_string()]);
        config.architectures = to_list(["arm64".to_string()]);
        config.consolidate_after = Value::Value("ten minutes".into());
        config.expire_after = Value::Value("720h".into());
        config.disruption_budget = Value::Value("150%".into());
        config.cpu_limit = Value::Value(0);
        let mut diags = Diagnostics::default();
        validate(&mut diags, &config);
        let paths: Vec<String> = diags
            .items
            .iter()
            .filter_map(|d| d.path.as_ref().map(|p| p.to_string()))
            .collect();
        for wanted in [
            "name",
            "capacity_types[1]",
            "architectures",
            "consolidate_after",
            "expire_after",
            "disruption_budget",
            "cpu_limit",
        ] {
            assert!(paths.iter().any(|p| p == wanted), "{wanted} in {paths:?}");
        }
        let mut ok = state("custom");
        fill_defaults(&mut ok);
        let mut diags = Diagnostics::default();
        validate(&mut diags, &ok);
        assert!(diags.items.is_empty(), "{diags:?}");
    }

    #[test]
    fn executors_consolidated_too_soon_are_warned_of() {
        let mut planned = state("non_critical_executor");
        fill_defaults(&mut planned);
        planned.consolidate_after = Value::Value("30s".into());
        let mut diags = Diagnostics::default();
        check_disruption(&mut diags, &planned);
        assert_eq!(diags.items.len(), 1);
        planned.consolidate_after = Value::Value("10m".into());
        let mut diags = Diagnostics::default();
        check_disruption(&mut diags, &planned);
        assert!(diags.items.is_empty());
    }

    #[test]
    fn a_pool_of_nodes_too_small_for_the_critical_executor_is_warned_of() {
        let settings = ProfileSettings::defaults(JobProfile::Critical);
        let mut diags = Diagnostics::default();
        let small = node_pool::largest_shape(4, &["m".into()]);
        check_sizing(&mut diags, "critical", &settings, &[small], "max_vcpus");
        assert_eq!(diags.items.len(), 1);
        let warning = &diags.items[0];
        assert_eq!(warning.path.as_ref().unwrap().to_string(), "max_vcpus");
        let mut diags = Diagnostics::default();
        let large = node_pool::largest_shape(16, &["m".into()]);
        check_sizing(&mut diags, "critical", &settings, &[large], "max_vcpus");
        assert!(diags.items.is_empty());
    }
}
