//! Checks of `emreks_nodegroup`'s configuration that need no AWS call,
//! on the values Terraform knows; unknown values wait for apply.

use crate::platform::node_roles::TaintEffect;
use crate::platform::nodegroup::{self, preset, CUSTOM};
use crate::platform::{defaults, validate};
use crate::plugin::{AttributePath, Diagnostic, Diagnostics, Value};
use crate::resources::values::{known, list_is_unknown, string_map, strings};

use super::schema::{NodegroupState, TaintState};

/// Checks that need no AWS call; unknown values wait for apply.
pub fn validate(diags: &mut Diagnostics, config: &NodegroupState) {
    let role = known(&config.role);
    if let Some(role) = role {
        if role != CUSTOM && preset(role).is_none() {
            diags.error(
                "Invalid role",
                format!("\"{role}\" is not a role preset; use critical, non_critical_driver, non_critical_executor, notebook_driver, notebook_executor or custom."),
                AttributePath::new("role"),
            );
        }
        if role == CUSTOM && config.instance_types.is_null() {
            diags.error(
                "Missing instance_types",
                "A custom role has no preset instance types: list the instance types of the nodegroup.",
                AttributePath::new("instance_types"),
            );
        }
    }
    if let Some(name) = known(&config.name) {
        let ok = !name.is_empty()
            && name.len() <= 63
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            diags.error("Invalid name", format!("\"{name}\" must be 1 to 63 letters, digits, '-' or '_', starting with a letter or digit."), AttributePath::new("name"));
        }
    }
    if let (Some(platform), Some(name)) = (known(&config.platform_id), known(&config.name)) {
        if let Err(why) = validate::launch_template_name(platform, name) {
            diags.error("Name too long", why, AttributePath::new("name"));
        }
    }
    for key in string_map(&config.tags).keys() {
        if let Err(why) = validate::user_tag_key(key) {
            diags.error(
                "Invalid tag",
                format!("{why}."),
                AttributePath::new("tags").key(key.clone()),
            );
        }
    }
    validate_sizes(diags, config);
    if let Some(capacity) = known(&config.capacity_type) {
        if capacity != "ON_DEMAND" && capacity != "SPOT" {
            diags.error(
                "Invalid capacity_type",
                format!("\"{capacity}\" is not a capacity type; use \"ON_DEMAND\" or \"SPOT\"."),
                AttributePath::new("capacity_type"),
            );
        }
        if capacity == "SPOT"
            && !list_is_unknown(&config.instance_types)
            && strings(&config.instance_types).len() == 1
        {
            diags.push(Diagnostic::warning_at(
                "Spot with a single instance type",
                "Spot capacity is reclaimed per instance pool; list several instance types of the same size so the group can still get nodes.",
                AttributePath::new("instance_types"),
            ));
        }
    }
    check_labels_and_taints(diags, &config.labels, &config.taints);
    if let Some(ami) = known(&config.ami_type) {
        if !defaults::AMI_TYPES.contains(&ami) && !defaults::NVIDIA_AMI_TYPES.contains(&ami) {
            let all: Vec<&str> = defaults::AMI_TYPES
                .iter()
                .chain(&defaults::NVIDIA_AMI_TYPES)
                .copied()
                .collect();
            diags.error(
                "Invalid ami_type",
                format!("\"{ami}\" is not supported; use one of {}.", all.join(", ")),
                AttributePath::new("ami_type"),
            );
        }
        // Interactive endpoints' kernels run on the notebook nodes, and EMR on
        // EKS documents that they do not support the ARM Amazon Linux AMIs.
        let notebook = matches!(role, Some("notebook_driver" | "notebook_executor"));
        if notebook && nodegroup::ami_arch(ami) == "arm64" {
            diags.error(
                "Notebook nodes must be x86",
                format!("EMR on EKS interactive endpoints (the notebooks' kernels, which run on {} nodes) do not support ARM AMIs such as \"{ami}\"; use AL2023_x86_64_STANDARD or BOTTLEROCKET_x86_64 with x86 instance types, or leave ami_type out.", role.unwrap_or_default()),
                AttributePath::new("ami_type"),
            );
        }
        if nodegroup::is_bottlerocket(ami) && config.local_nvme == Value::Value(true) {
            diags.error("local_nvme needs AL2023", "The NVMe RAID0 for Spark local dirs is set up with AL2023's nodeadm; use an AL2023 ami_type or set local_nvme = false.", AttributePath::new("local_nvme"));
        }
    }
    check_gpu_ami(diags, config);
    if let Value::Value(size) = config.disk_size {
        if !(20..=16384).contains(&size) {
            diags.error(
                "Invalid disk_size",
                format!("disk_size is {size} GiB; use 20 to 16384."),
                AttributePath::new("disk_size"),
            );
        }
    }
}

/// GPU instance types need an AMI type with NVIDIA drivers; without one
/// the nodes would start with GPUs no pod can use. A left-out `ami_type`
/// defaults to a standard one.
fn check_gpu_ami(diags: &mut Diagnostics, config: &NodegroupState) {
    if list_is_unknown(&config.instance_types) || config.ami_type.is_unknown() {
        return;
    }
    let ami = known(&config.ami_type);
    if ami.is_some_and(nodegroup::is_nvidia) {
        return;
    }
    let types = strings(&config.instance_types);
    let Some(index) = types.iter().position(|t| nodegroup::has_nvidia_gpu(t)) else {
        return;
    };
    let gpu = &types[index];
    let nvidia = if gpu.split('.').next().unwrap_or_default().ends_with('g') {
        "AL2023_ARM_64_NVIDIA"
    } else {
        "AL2023_x86_64_NVIDIA"
    };
    let current = ami.map_or("left out, a standard AMI type".to_string(), |a| {
        format!("\"{a}\"")
    });
    diags.error(
        "GPU instance type needs an NVIDIA AMI type",
        format!("\"{gpu}\" has NVIDIA GPUs but ami_type is {current}, which has no NVIDIA drivers; set ami_type = \"{nvidia}\" (or another *_NVIDIA type)."),
        AttributePath::new("ami_type"),
    );
}

/// min ≤ desired ≤ max, max ≥ 1; checked on the configuration and again on
/// the plan, where the role's defaults fill what the configuration leaves out.
pub fn validate_sizes(diags: &mut Diagnostics, state: &NodegroupState) {
    let (min, max, desired) = (
        state.min_size.as_ref_option().copied(),
        state.max_size.as_ref_option().copied(),
        state.desired_size.as_ref_option().copied(),
    );
    let said = |diags: &Diagnostics, attribute: &str| {
        diags.errors().any(|d| format!("{d:?}").contains(attribute))
    };
    if let (Some(min), Some(max)) = (min, max) {
        if min > max && !said(diags, "min_size") {
            diags.error("Invalid sizes", format!("min_size ({min}) is greater than max_size ({max}); lower min_size or raise max_size."), AttributePath::new("min_size"));
        }
        if max < 1 && !said(diags, "max_size") {
            diags.error(
                "Invalid max_size",
                "max_size must be at least 1.",
                AttributePath::new("max_size"),
            );
        }
    }
    if let (Some(desired), Some(min), Some(max)) = (desired, min, max) {
        if (desired < min || desired > max) && min <= max && !said(diags, "desired_size") {
            diags.error("Invalid desired_size", format!("desired_size ({desired}) must be between min_size ({min}) and max_size ({max})."), AttributePath::new("desired_size"));
        }
    }
}

/// The label keys, and the taints' keys and effects, of a nodegroup or a node pool.
pub fn check_labels_and_taints(
    diags: &mut Diagnostics,
    labels: &crate::resources::values::StringMap,
    taints: &Value<Vec<Value<TaintState>>>,
) {
    for key in string_map(labels).keys() {
        if let Err(why) = validate::kubernetes_key(key) {
            diags.error(
                "Invalid label key",
                why,
                AttributePath::new("labels").key(key.clone()),
            );
        }
    }
    check_taints(diags, taints);
}

fn check_taints(diags: &mut Diagnostics, taints: &Value<Vec<Value<TaintState>>>) {
    for (index, taint) in taints.iter().flatten().enumerate() {
        let Value::Value(taint) = taint else { continue };
        let path = || AttributePath::new("taints").index(index as i64);
        if let Some(key) = known(&taint.key) {
            if let Err(why) = validate::kubernetes_key(key) {
                diags.error("Invalid taint key", why, path().attribute("key"));
            }
        }
        if let Some(effect) = known(&taint.effect) {
            match TaintEffect::parse(effect) {
                None => diags.error(
                    "Invalid taint effect",
                    format!("\"{effect}\" is not a taint effect; use NO_SCHEDULE, PREFER_NO_SCHEDULE or NO_EXECUTE."),
                    path().attribute("effect"),
                ),
                // Enum values are spelled as the AWS API spells them, as
                // the hashicorp/aws provider's `aws_eks_node_group` does.
                Some(parsed) if effect != parsed.eks() => diags.push(Diagnostic::warning_at(
                    "Deprecated taint effect spelling",
                    format!("\"{effect}\" is the Kubernetes spelling; write \"{}\", as EKS and the hashicorp/aws provider do. The old spelling still works, with this warning.", parsed.eks()),
                    path().attribute("effect"),
                )),
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::TaintState;
    use super::*;

    fn state(role: &str) -> NodegroupState {
        NodegroupState::with_role(role)
    }

    #[test]
    fn validation_names_attributes() {
        let mut config = state("custom");
        config.min_size = Value::Value(5);
        config.max_size = Value::Value(2);
        config.taints = Value::Value(vec![Value::Value(TaintState {
            key: Value::Value("k".into()),
            value: Value::Value("v".into()),
            effect: Value::Value("Sometimes".into()),
        })]);
        let mut diags = Diagnostics::default();
        validate(&mut diags, &config);
        let found = format!("{:?}", diags.errors().collect::<Vec<_>>());
        for attribute in ["instance_types", "min_size", "effect"] {
            assert!(found.contains(attribute), "{attribute}: {found}");
        }
    }

    #[test]
    fn notebook_nodes_refuse_arm_amis() {
        let errors = |role: &str, ami: &str| {
            let mut config = state(role);
            config.ami_type = Value::Value(ami.into());
            let mut diags = Diagnostics::default();
            validate(&mut diags, &config);
            format!("{:?}", diags.errors().collect::<Vec<_>>())
        };
        let found = errors("notebook_executor", "AL2023_ARM_64_STANDARD");
        assert!(found.contains("Notebook nodes must be x86"), "{found}");
        assert!(found.contains("ami_type"), "{found}");
        assert!(!errors("notebook_driver", "AL2023_x86_64_STANDARD").contains("x86"));
        assert!(!errors("critical", "AL2023_ARM_64_STANDARD").contains("Notebook"));
    }

    #[test]
    fn a_launch_template_name_past_ec2s_limit_is_refused_on_name() {
        let mut config = state("critical");
        config.platform_id = Value::Value("p".repeat(100));
        config.name = Value::Value("n".repeat(40));
        let mut diags = Diagnostics::default();
        validate(&mut diags, &config);
        let found = format!("{:?}", diags.errors().collect::<Vec<_>>());
        assert!(found.contains("Name too long"), "{found}");
        assert!(found.contains("\"name\""), "{found}");
    }
}
