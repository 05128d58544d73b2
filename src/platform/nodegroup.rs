//! A Spark nodegroup as pure code: its role preset (or `custom`), what the
//! preset fills in where the configuration says nothing, the labels and
//! taints its nodes carry, the tags Cluster Autoscaler reads on its Auto
//! Scaling group to scale it from zero, the launch template's user data, and
//! which Spark pods it is for.

use std::collections::BTreeMap;

use super::node_roles::{NodeRole, Taint};
use super::pod_templates::{JobProfile, SparkRole, LOCAL_DIR_HOST_PATH};

/// The role of a nodegroup without a preset: the user gives instance types.
pub const CUSTOM: &str = "custom";
/// Root volume size in GiB.
pub const DEFAULT_DISK_SIZE: i64 = 50;
/// Nodes replaced at once during updates.
pub const DEFAULT_MAX_UNAVAILABLE: i64 = 1;
const X86_AMI: &str = "AL2023_x86_64_STANDARD";

/// The preset of a role name; `None` for `custom` (or an unknown name). The
/// tooling preset is the platform's own nodegroup's, not one to choose.
pub fn preset(role: &str) -> Option<NodeRole> {
    NodeRole::parse(role)
        .ok()
        .filter(|r| *r != NodeRole::Tooling)
}

/// What a nodegroup runs with where the configuration leaves a value out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    /// `None` for `custom`, which has no instance types to offer.
    pub instance_types: Option<Vec<String>>,
    pub capacity_type: &'static str,
    pub min_size: u32,
    pub max_size: u32,
    pub desired_size: u32,
    pub local_nvme: bool,
    pub ami_type: &'static str,
}

pub fn defaults(preset: Option<NodeRole>) -> Defaults {
    match preset {
        Some(preset) => {
            let scaling = preset.default_scaling();
            Defaults {
                instance_types: Some(
                    preset
                        .default_instance_types()
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                ),
                capacity_type: preset.capacity_type().as_str(),
                min_size: scaling.min,
                max_size: scaling.max,
                desired_size: scaling.desired,
                local_nvme: preset.wants_local_nvme(),
                ami_type: preset.arch().eks_ami_type(),
            }
        }
        None => Defaults {
            instance_types: None,
            capacity_type: "ON_DEMAND",
            min_size: 0,
            max_size: 10,
            desired_size: 0,
            local_nvme: false,
            ami_type: X86_AMI,
        },
    }
}

/// The preset's labels under the user's.
pub fn resolved_labels(
    preset: Option<NodeRole>,
    user: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels = preset.map(NodeRole::labels).unwrap_or_default();
    labels.extend(user.iter().map(|(k, v)| (k.clone(), v.clone())));
    labels
}

/// The preset's taints, replaced key by key by the user's; sorted.
pub fn resolved_taints(preset: Option<NodeRole>, user: &[Taint]) -> Vec<Taint> {
    let mut taints = preset.map(NodeRole::taints).unwrap_or_default();
    for taint in user {
        taints.retain(|t| t.key != taint.key);
        taints.push(taint.clone());
    }
    taints.sort();
    taints
}

/// The labels a running nodegroup has beyond its preset's: what the user set.
pub fn extra_labels(
    preset: Option<NodeRole>,
    resolved: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let preset_labels = preset.map(NodeRole::labels).unwrap_or_default();
    resolved
        .iter()
        .filter(|(k, v)| preset_labels.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The taints a running nodegroup has beyond its preset's.
pub fn extra_taints(preset: Option<NodeRole>, resolved: &[Taint]) -> Vec<Taint> {
    let preset_taints = resolved_taints(preset, &[]);
    resolved
        .iter()
        .filter(|t| !preset_taints.contains(t))
        .cloned()
        .collect()
}

/// Tags of the nodegroup's Auto Scaling group: auto-discovery, and the
/// labels and taints Cluster Autoscaler must assume for a group at zero.
pub fn asg_tags(
    cluster: &str,
    labels: &BTreeMap<String, String>,
    taints: &[Taint],
) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::from([
        (
            "k8s.io/cluster-autoscaler/enabled".to_string(),
            "true".to_string(),
        ),
        (
            format!("k8s.io/cluster-autoscaler/{cluster}"),
            "owned".to_string(),
        ),
    ]);
    for (key, value) in labels {
        tags.insert(
            format!("k8s.io/cluster-autoscaler/node-template/label/{key}"),
            value.clone(),
        );
    }
    for taint in taints {
        tags.insert(
            format!(
                "k8s.io/cluster-autoscaler/node-template/taint/{}",
                taint.key
            ),
            format!("{}:{}", taint.value, taint.kubernetes_effect()),
        );
    }
    tags
}

/// The prefix of the Auto Scaling group tags that describe a group at zero;
/// those no label or taint asks for any more are removed.
pub const NODE_TEMPLATE_TAG_PREFIX: &str = "k8s.io/cluster-autoscaler/node-template/";

/// AL2023 user data: the instance store as one RAID0 array (nodeadm), bound
/// to the Spark local dir the critical pod template mounts. Without NVMe the
/// directory still exists, on the root volume.
pub fn user_data(local_nvme: bool) -> String {
    let boundary = "EMREKS";
    let mut parts =
        String::from("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"EMREKS\"\n\n");
    if local_nvme {
        parts.push_str(&format!(
            "--{boundary}\nContent-Type: application/node.eks.aws\n\n---\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  instance:\n    localStorage:\n      strategy: RAID0\n\n"
        ));
    }
    let source = if local_nvme { "/mnt/k8s-disks/0" } else { "" };
    let mount = if local_nvme {
        format!("mkdir -p {LOCAL_DIR_HOST_PATH} {source}\nmount --bind {source} {LOCAL_DIR_HOST_PATH}\n")
    } else {
        format!("mkdir -p {LOCAL_DIR_HOST_PATH}\n")
    };
    parts.push_str(&format!(
        "--{boundary}\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\n\n#!/bin/bash\nset -euo pipefail\n{mount}\n--{boundary}--\n"
    ));
    parts
}

/// Bottlerocket reads settings, not scripts: its launch template has no
/// user data, and its root volume is the second device.
pub fn is_bottlerocket(ami_type: &str) -> bool {
    ami_type.starts_with("BOTTLEROCKET")
}

/// Whether the AMI type carries NVIDIA drivers.
pub fn is_nvidia(ami_type: &str) -> bool {
    ami_type.ends_with("_NVIDIA")
}

/// Whether the instance type has NVIDIA GPUs, told by its family: `p<n>`
/// and `g<n>` / `gr<n>` (`g5.xlarge`, `p4d.24xlarge`, `g5g.2xlarge`), except
/// `g4ad`, whose GPUs are AMD's.
pub fn has_nvidia_gpu(instance_type: &str) -> bool {
    let family = instance_type.split('.').next().unwrap_or_default();
    let after_digit = |prefix: &str| {
        family
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    };
    family != "g4ad" && (after_digit("p") || after_digit("g") || after_digit("gr"))
}

/// The AMI's root device, whose volume the launch template sizes.
pub fn root_device(ami_type: &str) -> &'static str {
    if is_bottlerocket(ami_type) {
        "/dev/xvdb"
    } else {
        "/dev/xvda"
    }
}

/// `arm64` for Graviton AMI types, as `DescribeInstanceTypes` names the
/// architectures.
pub fn ami_arch(ami: &str) -> &'static str {
    if ami.contains("ARM") {
        "arm64"
    } else {
        "x86_64"
    }
}

/// The Spark pod a role's nodes are for: (profile, driver or executor).
pub fn sized_pod(role: &str) -> Option<(JobProfile, SparkRole)> {
    Some(match role {
        "critical" => (JobProfile::Critical, SparkRole::Executor),
        "non_critical_driver" => (JobProfile::NonCritical, SparkRole::Driver),
        "non_critical_executor" => (JobProfile::NonCritical, SparkRole::Executor),
        "notebook_driver" => (JobProfile::Notebook, SparkRole::Driver),
        "notebook_executor" => (JobProfile::Notebook, SparkRole::Executor),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::node_roles::TaintEffect;

    #[test]
    fn presets_fill_what_is_left_out() {
        let spot = defaults(preset("non_critical_executor"));
        assert_eq!(
            spot.instance_types,
            Some(vec!["m6g.8xlarge".to_string(), "m6gd.8xlarge".to_string()])
        );
        assert_eq!(spot.capacity_type, "SPOT");
        assert_eq!((spot.min_size, spot.max_size), (0, 100));
        assert_eq!(spot.ami_type, "AL2023_ARM_64_STANDARD");
        let custom = defaults(preset(CUSTOM));
        assert_eq!(custom.instance_types, None);
        assert_eq!(preset("tooling"), None);
    }

    #[test]
    fn import_tells_the_users_labels_and_taints_from_the_presets() {
        let spot = preset("non_critical_executor");
        let mut running = resolved_labels(spot, &BTreeMap::new());
        running.insert("team".to_string(), "risk".to_string());
        assert_eq!(
            extra_labels(spot, &running),
            BTreeMap::from([("team".to_string(), "risk".to_string())])
        );
        let gpu = Taint {
            key: "gpu".into(),
            value: "none".into(),
            effect: TaintEffect::PreferNoSchedule,
        };
        let running = resolved_taints(spot, std::slice::from_ref(&gpu));
        assert_eq!(running.len(), 3, "{running:?}");
        assert_eq!(extra_taints(spot, &running), vec![gpu]);
        assert!(extra_taints(None, &[]).is_empty());
    }

    #[test]
    fn asg_tags_describe_labels_and_taints() {
        let executor = preset("notebook_executor");
        let tags = asg_tags(
            "analytics",
            &resolved_labels(executor, &BTreeMap::new()),
            &resolved_taints(executor, &[]),
        );
        assert_eq!(tags["k8s.io/cluster-autoscaler/analytics"], "owned");
        assert_eq!(
            tags["k8s.io/cluster-autoscaler/node-template/label/spark-role"],
            "executor"
        );
        assert_eq!(
            tags["k8s.io/cluster-autoscaler/node-template/taint/node-lifecycle"],
            "spot:NoSchedule"
        );
        assert!(tags
            .keys()
            .filter(|k| k.contains("node-template"))
            .all(|k| k.starts_with(NODE_TEMPLATE_TAG_PREFIX)));
    }

    #[test]
    fn user_data_mounts_the_local_dir() {
        let data = user_data(true);
        assert!(data.contains("strategy: RAID0"));
        assert!(data.contains("mount --bind /mnt/k8s-disks/0 /local1"));
        assert!(!user_data(false).contains("RAID0"));
    }

    #[test]
    fn job_roles_host_their_profiles_pods() {
        assert_eq!(
            sized_pod("critical"),
            Some((JobProfile::Critical, SparkRole::Executor))
        );
        assert_eq!(sized_pod(CUSTOM), None);
        assert_eq!(ami_arch("AL2023_ARM_64_STANDARD"), "arm64");
        assert!(is_bottlerocket("BOTTLEROCKET_x86_64"));
        assert_eq!(root_device("BOTTLEROCKET_ARM_64"), "/dev/xvdb");
        assert_eq!(root_device("AL2023_x86_64_STANDARD"), "/dev/xvda");
    }

    #[test]
    fn gpu_instance_types_are_told_by_family() {
        for gpu in [
            "g5.xlarge",
            "g5g.2xlarge",
            "p4d.24xlarge",
            "g6e.xlarge",
            "gr6.4xlarge",
            "p5.48xlarge",
        ] {
            assert!(has_nvidia_gpu(gpu), "{gpu}");
        }
        for plain in [
            "m6gd.8xlarge",
            "t3.large",
            "g4ad.xlarge",
            "r6g.large",
            "inf2.xlarge",
            "p",
        ] {
            assert!(!has_nvidia_gpu(plain), "{plain}");
        }
        assert!(is_nvidia("AL2023_ARM_64_NVIDIA"));
        assert!(is_bottlerocket("BOTTLEROCKET_x86_64_NVIDIA"));
        assert_eq!(ami_arch("AL2023_ARM_64_NVIDIA"), "arm64");
        assert!(!is_nvidia("AL2023_x86_64_STANDARD"));
    }
}
