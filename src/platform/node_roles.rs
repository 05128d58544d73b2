//! The node-group presets of the platform, shared by the nodegroup resource
//! and the pod templates (which select and tolerate exactly these labels and
//! taints). Values follow the reference platform (ARA/DSF `emr-eks-app`).

use std::collections::BTreeMap;

/// What a node group is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeRole {
    /// System pods: Cluster Autoscaler, CoreDNS, CSI controllers.
    Tooling,
    /// Drivers and executors of critical jobs, on demand, with local NVMe.
    Critical,
    /// Drivers of non-critical jobs, on demand so a spot loss cannot kill a job.
    NonCriticalDriver,
    /// Executors of non-critical jobs, on spot.
    NonCriticalExecutor,
    /// Drivers of notebook sessions (managed endpoints), on demand.
    NotebookDriver,
    /// Executors of notebook sessions, on spot.
    NotebookExecutor,
}

/// CPU architecture of a node group's instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    /// The EKS-optimized Amazon Linux 2023 AMI type for managed node groups.
    pub fn eks_ami_type(self) -> &'static str {
        match self {
            Arch::X86_64 => "AL2023_x86_64_STANDARD",
            Arch::Arm64 => "AL2023_ARM_64_STANDARD",
        }
    }
}

/// Purchase option, spelled as the EKS API takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityType {
    OnDemand,
    Spot,
}

impl CapacityType {
    pub fn as_str(self) -> &'static str {
        match self {
            CapacityType::OnDemand => "ON_DEMAND",
            CapacityType::Spot => "SPOT",
        }
    }

    /// Value of the `node-lifecycle` node label.
    fn lifecycle_label(self) -> &'static str {
        match self {
            CapacityType::OnDemand => "on-demand",
            CapacityType::Spot => "spot",
        }
    }
}

/// Size bounds of one node group (one per AZ for the per-AZ roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scaling {
    pub min: u32,
    pub max: u32,
    pub desired: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
}

impl TaintEffect {
    /// Either spelling: Kubernetes' (`NoSchedule`) or EKS's (`NO_SCHEDULE`).
    pub fn parse(text: &str) -> Option<TaintEffect> {
        match text {
            "NoSchedule" | "NO_SCHEDULE" => Some(TaintEffect::NoSchedule),
            "PreferNoSchedule" | "PREFER_NO_SCHEDULE" => Some(TaintEffect::PreferNoSchedule),
            "NoExecute" | "NO_EXECUTE" => Some(TaintEffect::NoExecute),
            _ => None,
        }
    }

    /// As the EKS node-group API spells it (`NO_SCHEDULE`).
    pub fn eks(self) -> &'static str {
        match self {
            TaintEffect::NoSchedule => "NO_SCHEDULE",
            TaintEffect::PreferNoSchedule => "PREFER_NO_SCHEDULE",
            TaintEffect::NoExecute => "NO_EXECUTE",
        }
    }
}

impl Taint {
    fn no_schedule(key: &str, value: &str) -> Self {
        Taint {
            key: key.to_string(),
            value: value.to_string(),
            effect: TaintEffect::NoSchedule,
        }
    }

    /// The effect as the EKS node-group API spells it (`NO_SCHEDULE`).
    pub fn eks_effect(&self) -> &'static str {
        self.effect.eks()
    }

    /// The effect as Kubernetes spells it in taints and tolerations (`NoSchedule`).
    pub fn kubernetes_effect(&self) -> &'static str {
        match self.effect {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
        }
    }
}

const ROLE_LABEL: &str = "role";
const SPARK_ROLE_LABEL: &str = "spark-role";
const LIFECYCLE_LABEL: &str = "node-lifecycle";

impl NodeRole {
    pub const ALL: [NodeRole; 6] = [
        NodeRole::Tooling,
        NodeRole::Critical,
        NodeRole::NonCriticalDriver,
        NodeRole::NonCriticalExecutor,
        NodeRole::NotebookDriver,
        NodeRole::NotebookExecutor,
    ];

    /// Parses the snake_case name used in the provider's schema.
    pub fn parse(name: &str) -> Result<NodeRole, String> {
        NodeRole::ALL
            .into_iter()
            .find(|role| role.as_str() == name)
            .ok_or_else(|| {
                let allowed: Vec<&str> = NodeRole::ALL.iter().map(|r| r.as_str()).collect();
                format!(
                    "\"{name}\" is not a node role; use one of: {}",
                    allowed.join(", ")
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeRole::Tooling => "tooling",
            NodeRole::Critical => "critical",
            NodeRole::NonCriticalDriver => "non_critical_driver",
            NodeRole::NonCriticalExecutor => "non_critical_executor",
            NodeRole::NotebookDriver => "notebook_driver",
            NodeRole::NotebookExecutor => "notebook_executor",
        }
    }

    pub fn default_instance_types(self) -> &'static [&'static str] {
        match self {
            NodeRole::Tooling => &["t3.medium"],
            NodeRole::Critical => &["m6gd.8xlarge"],
            NodeRole::NonCriticalDriver => &["m6g.xlarge"],
            NodeRole::NonCriticalExecutor => &["m6g.8xlarge", "m6gd.8xlarge"],
            NodeRole::NotebookDriver => &["t3.large"],
            NodeRole::NotebookExecutor => &["t3.2xlarge", "t3a.2xlarge"],
        }
    }

    pub fn arch(self) -> Arch {
        match self {
            NodeRole::Critical | NodeRole::NonCriticalDriver | NodeRole::NonCriticalExecutor => {
                Arch::Arm64
            }
            NodeRole::Tooling | NodeRole::NotebookDriver | NodeRole::NotebookExecutor => {
                Arch::X86_64
            }
        }
    }

    pub fn capacity_type(self) -> CapacityType {
        match self {
            NodeRole::NonCriticalExecutor | NodeRole::NotebookExecutor => CapacityType::Spot,
            _ => CapacityType::OnDemand,
        }
    }

    pub fn default_scaling(self) -> Scaling {
        let (min, max, desired) = match self {
            NodeRole::Tooling => (2, 10, 2),
            NodeRole::Critical | NodeRole::NonCriticalExecutor | NodeRole::NotebookExecutor => {
                (0, 100, 0)
            }
            NodeRole::NonCriticalDriver | NodeRole::NotebookDriver => (0, 10, 0),
        };
        Scaling { min, max, desired }
    }

    /// Whether the instances' NVMe instance store is assembled as RAID0 and
    /// used as Spark local storage (see `pod_templates::LOCAL_DIR_HOST_PATH`).
    pub fn wants_local_nvme(self) -> bool {
        self == NodeRole::Critical
    }

    /// Value of the `role` label and taint: non-critical groups share `shared`.
    fn pool(self) -> &'static str {
        match self {
            NodeRole::Tooling => "tooling",
            NodeRole::Critical => "critical",
            NodeRole::NonCriticalDriver | NodeRole::NonCriticalExecutor => "shared",
            NodeRole::NotebookDriver | NodeRole::NotebookExecutor => "notebook",
        }
    }

    fn spark_role(self) -> Option<&'static str> {
        match self {
            NodeRole::NonCriticalDriver | NodeRole::NotebookDriver => Some("driver"),
            NodeRole::NonCriticalExecutor | NodeRole::NotebookExecutor => Some("executor"),
            NodeRole::Tooling | NodeRole::Critical => None,
        }
    }

    /// Kubernetes labels of the nodes; pod templates select on all of them.
    pub fn labels(self) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::new();
        labels.insert(ROLE_LABEL.to_string(), self.pool().to_string());
        if self == NodeRole::Tooling {
            return labels;
        }
        if let Some(spark_role) = self.spark_role() {
            labels.insert(SPARK_ROLE_LABEL.to_string(), spark_role.to_string());
        }
        labels.insert(
            LIFECYCLE_LABEL.to_string(),
            self.capacity_type().lifecycle_label().to_string(),
        );
        labels
    }

    /// Taints keep other workloads off Spark nodes; spot nodes carry a second
    /// taint so only pods that accept interruption land there.
    pub fn taints(self) -> Vec<Taint> {
        if self == NodeRole::Tooling {
            return Vec::new();
        }
        let mut taints = vec![Taint::no_schedule(ROLE_LABEL, self.pool())];
        if self.capacity_type() == CapacityType::Spot {
            taints.push(Taint::no_schedule(LIFECYCLE_LABEL, "spot"));
        }
        taints
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn names_round_trip_and_unknown_names_list_the_choices() {
        for role in NodeRole::ALL {
            assert_eq!(NodeRole::parse(role.as_str()), Ok(role));
        }
        let why = NodeRole::parse("shared").unwrap_err();
        assert!(why.contains("non_critical_driver"), "{why}");
        assert!(NodeRole::parse("Critical").is_err());
    }

    #[test]
    fn reference_table_values() {
        let critical = NodeRole::Critical;
        assert_eq!(critical.default_instance_types(), ["m6gd.8xlarge"]);
        assert_eq!(critical.arch(), Arch::Arm64);
        assert_eq!(critical.capacity_type().as_str(), "ON_DEMAND");
        assert_eq!(
            critical.default_scaling(),
            Scaling {
                min: 0,
                max: 100,
                desired: 0
            }
        );
        assert!(critical.wants_local_nvme());

        let tooling = NodeRole::Tooling;
        assert_eq!(
            tooling.default_scaling(),
            Scaling {
                min: 2,
                max: 10,
                desired: 2
            }
        );
        assert_eq!(tooling.arch(), Arch::X86_64);

        assert_eq!(
            NodeRole::NotebookExecutor.default_instance_types(),
            ["t3.2xlarge", "t3a.2xlarge"]
        );
        assert_eq!(
            NodeRole::NotebookExecutor.capacity_type(),
            CapacityType::Spot
        );
        assert_eq!(NodeRole::NonCriticalDriver.default_scaling().max, 10);
        assert_eq!(
            NodeRole::NonCriticalExecutor.arch().eks_ami_type(),
            "AL2023_ARM_64_STANDARD"
        );
        assert_eq!(
            NodeRole::NotebookDriver.arch().eks_ami_type(),
            "AL2023_x86_64_STANDARD"
        );
        assert!(
            NodeRole::ALL
                .iter()
                .filter(|r| r.wants_local_nvme())
                .count()
                == 1
        );
    }

    #[test]
    fn labels_follow_the_reference() {
        assert_eq!(NodeRole::Tooling.labels(), labels(&[("role", "tooling")]));
        assert_eq!(
            NodeRole::Critical.labels(),
            labels(&[("role", "critical"), ("node-lifecycle", "on-demand")])
        );
        assert_eq!(
            NodeRole::NonCriticalDriver.labels(),
            labels(&[
                ("role", "shared"),
                ("spark-role", "driver"),
                ("node-lifecycle", "on-demand")
            ])
        );
        assert_eq!(
            NodeRole::NonCriticalExecutor.labels(),
            labels(&[
                ("role", "shared"),
                ("spark-role", "executor"),
                ("node-lifecycle", "spot")
            ])
        );
        assert_eq!(
            NodeRole::NotebookDriver.labels(),
            labels(&[
                ("role", "notebook"),
                ("spark-role", "driver"),
                ("node-lifecycle", "on-demand")
            ])
        );
    }

    #[test]
    fn taints_follow_the_reference() {
        assert!(NodeRole::Tooling.taints().is_empty());
        let critical = NodeRole::Critical.taints();
        assert_eq!(critical, vec![Taint::no_schedule("role", "critical")]);
        assert_eq!(critical[0].eks_effect(), "NO_SCHEDULE");
        assert_eq!(critical[0].kubernetes_effect(), "NoSchedule");

        assert_eq!(
            NodeRole::NonCriticalDriver.taints(),
            vec![Taint::no_schedule("role", "shared")]
        );
        assert_eq!(
            NodeRole::NotebookExecutor.taints(),
            vec![
                Taint::no_schedule("role", "notebook"),
                Taint::no_schedule("node-lifecycle", "spot")
            ]
        );
    }

    #[test]
    fn effects_in_both_spellings() {
        let taint = |effect| Taint {
            key: "k".into(),
            value: "v".into(),
            effect,
        };
        assert_eq!(
            taint(TaintEffect::PreferNoSchedule).eks_effect(),
            "PREFER_NO_SCHEDULE"
        );
        assert_eq!(
            taint(TaintEffect::PreferNoSchedule).kubernetes_effect(),
            "PreferNoSchedule"
        );
        assert_eq!(taint(TaintEffect::NoExecute).eks_effect(), "NO_EXECUTE");
        assert_eq!(
            taint(TaintEffect::NoExecute).kubernetes_effect(),
            "NoExecute"
        );
    }
}
