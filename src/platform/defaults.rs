//! The reference platform's values, wherever the configuration leaves one
//! out: the EMR release, the log retention, and the tooling nodegroup.

use super::node_roles::NodeRole;

pub const RELEASE_LABEL: &str = "emr-7.9.0-latest";
pub const LOG_RETENTION_DAYS: i64 = 30;

/// The AMI types a nodegroup of the platform may run.
pub const AMI_TYPES: [&str; 4] = [
    "AL2023_x86_64_STANDARD",
    "AL2023_ARM_64_STANDARD",
    "BOTTLEROCKET_x86_64",
    "BOTTLEROCKET_ARM_64",
];

/// Root volume of the tooling nodes, in GiB: EKS's default for a managed
/// nodegroup, which its launch template now sets.
pub const TOOLING_DISK_SIZE: i32 = 20;

/// The AMI types with NVIDIA drivers (botocore's EKS `AMITypes`, FIPS
/// variants aside), which only `emreks_nodegroup` offers: system pods need
/// no GPU.
pub const NVIDIA_AMI_TYPES: [&str; 4] = [
    "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",
    "BOTTLEROCKET_x86_64_NVIDIA",
    "BOTTLEROCKET_ARM_64_NVIDIA",
];

/// The managed nodegroup for system pods, after defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tooling {
    pub instance_types: Vec<String>,
    pub ami_type: String,
    pub min_size: i32,
    pub max_size: i32,
    pub desired_size: i32,
}

impl Default for Tooling {
    /// The tooling preset's.
    fn default() -> Self {
        let preset = NodeRole::Tooling;
        let scaling = preset.default_scaling();
        let size = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        Tooling {
            instance_types: preset
                .default_instance_types()
                .iter()
                .map(|t| t.to_string())
                .collect(),
            ami_type: preset.arch().eks_ami_type().to_string(),
            min_size: size(scaling.min),
            max_size: size(scaling.max),
            desired_size: size(scaling.desired),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tooling_defaults_are_the_reference_ones() {
        assert_eq!(
            Tooling::default(),
            Tooling {
                instance_types: vec!["t3.medium".to_string()],
                ami_type: "AL2023_x86_64_STANDARD".to_string(),
                min_size: 2,
                max_size: 10,
                desired_size: 2,
            }
        );
        assert!(AMI_TYPES.contains(&Tooling::default().ami_type.as_str()));
    }
}
