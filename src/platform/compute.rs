//! How a platform gets its nodes: managed nodegroups scaled by Cluster
//! Autoscaler (the reference's way, the default), or EKS Auto Mode (AWS
//! runs Karpenter, and with it the block-storage and load-balancing
//! capabilities). What each asks of IAM and EKS, and what switching
//! between them does, as plain data.

use super::addons::REQUIRED_ADDONS;

/// The `compute` argument of `emreks_platform`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compute {
    /// A tooling nodegroup, Cluster Autoscaler, the EKS add-ons, AWS Load
    /// Balancer Controller; Spark nodes from `emreks_nodegroup`.
    #[default]
    ManagedNodegroups,
    /// EKS Auto Mode: no nodegroup or controller of the platform's; Spark
    /// nodes from `emreks_node_pool`.
    AutoMode,
}

impl Compute {
    /// The argument's value; null is the default.
    pub fn parse(value: Option<&str>) -> Result<Compute, String> {
        match value {
            None | Some("managed_nodegroups") => Ok(Compute::ManagedNodegroups),
            Some("auto_mode") => Ok(Compute::AutoMode),
            Some(other) => Err(format!(
                "compute must be \"managed_nodegroups\" (the default) or \"auto_mode\", not \"{other}\"."
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Compute::ManagedNodegroups => "managed_nodegroups",
            Compute::AutoMode => "auto_mode",
        }
    }

    /// As DescribeCluster tells it: Auto Mode is on when its compute
    /// capability is (EKS turns the three capabilities on and off together).
    pub fn of_cluster(compute_enabled: bool) -> Compute {
        if compute_enabled {
            Compute::AutoMode
        } else {
            Compute::ManagedNodegroups
        }
    }
}

/// What the platform runs for managed nodes beside the cluster, decided by
/// `compute` and whether a Studio is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeStack {
    /// Managed nodegroups: the tooling nodegroup, every add-on in
    /// [`REQUIRED_ADDONS`], Cluster Autoscaler and AWS Load Balancer
    /// Controller on the tooling nodes.
    Full,
    /// Auto Mode with a Studio: AWS documents interactive endpoints on
    /// managed nodegroups only, behind AWS Load Balancer Controller. The
    /// notebook nodegroups' nodes need the add-ons Auto Mode builds into
    /// its own nodes, and Cluster Autoscaler to scale; both controllers run
    /// on Auto Mode's `system` pool, as there is no tooling nodegroup.
    Notebooks,
    /// Auto Mode without a Studio: nothing; Auto Mode runs it all.
    None,
}

/// The add-ons managed nodes need beside Auto Mode: networking, service
/// proxy, DNS and the Pod Identity agent (the VPC CNI and the notebooks'
/// execution roles take their credentials through it). No EBS CSI driver:
/// notebook pods mount no volumes of it.
pub const NOTEBOOK_ADDONS: [&str; 4] =
    ["vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent"];

impl Compute {
    pub fn node_stack(self, studio: bool) -> NodeStack {
        match (self, studio) {
            (Compute::ManagedNodegroups, _) => NodeStack::Full,
            (Compute::AutoMode, true) => NodeStack::Notebooks,
            (Compute::AutoMode, false) => NodeStack::None,
        }
    }
}

impl NodeStack {
    pub fn tooling_nodegroup(self) -> bool {
        self == NodeStack::Full
    }

    /// The EKS add-ons the platform installs.
    pub fn addons(self) -> &'static [&'static str] {
        match self {
            NodeStack::Full => &REQUIRED_ADDONS,
            NodeStack::Notebooks => &NOTEBOOK_ADDONS,
            NodeStack::None => &[],
        }
    }

    /// Where Cluster Autoscaler and AWS Load Balancer Controller run; `None`
    /// when the platform runs neither.
    pub fn controller_nodes(self) -> Option<ControllerNodes> {
        match self {
            NodeStack::Full => Some(ControllerNodes::Tooling),
            NodeStack::Notebooks => Some(ControllerNodes::AutoModeSystem),
            NodeStack::None => None,
        }
    }
}

/// The nodes the platform's controllers run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControllerNodes {
    /// The tooling nodegroup (labelled `role=tooling`, untainted).
    Tooling,
    /// Auto Mode's built-in `system` pool, tainted `CriticalAddonsOnly`.
    AutoModeSystem,
}

/// The label Auto Mode puts on its nodes: the node pool they came from.
pub const NODE_POOL_LABEL: &str = "karpenter.sh/nodepool";
/// The taint of Auto Mode's `system` pool.
pub const SYSTEM_POOL_TAINT: &str = "CriticalAddonsOnly";

impl ControllerNodes {
    /// A pod spec's `nodeSelector`.
    pub fn node_selector(self) -> serde_json::Value {
        match self {
            ControllerNodes::Tooling => serde_json::json!({ "role": "tooling" }),
            ControllerNodes::AutoModeSystem => {
                serde_json::json!({ NODE_POOL_LABEL: BUILT_IN_NODE_POOLS[0] })
            }
        }
    }

    /// A pod spec's `tolerations`.
    pub fn tolerations(self) -> serde_json::Value {
        match self {
            ControllerNodes::Tooling => serde_json::json!([]),
            ControllerNodes::AutoModeSystem => serde_json::json!([
                { "key": SYSTEM_POOL_TAINT, "operator": "Exists", "effect": "NoSchedule" }
            ]),
        }
    }
}

/// What Auto Mode's capabilities need on the cluster role, beside
/// `AmazonEKSClusterPolicy` (AWS's "EKS Auto Mode cluster IAM role" page);
/// its trust already allows `sts:TagSession`, which Auto Mode needs too.
pub const AUTO_MODE_CLUSTER_POLICIES: [&str; 4] = [
    "AmazonEKSComputePolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingPolicy",
];

/// What an Auto Mode node's role needs (AWS's "EKS Auto Mode node IAM
/// role" page): less than a managed nodegroup's, as the VPC CNI and the
/// image pulls run as part of the node.
pub const AUTO_NODE_ROLE_POLICIES: [&str; 2] = [
    "AmazonEKSWorkerNodeMinimalPolicy",
    "AmazonEC2ContainerRegistryPullOnly",
];

/// The EKS access policy of an Auto Mode node role's EC2 access entry.
pub const AUTO_NODE_ACCESS_POLICY: &str = "AmazonEKSAutoNodePolicy";

/// The built-in node pools the platform enables. `system` (tainted
/// `CriticalAddonsOnly`) runs the cluster's own pods; `general-purpose`
/// gives any pod that selects no pool of ours (EMR's job submitter, a
/// user's helper pod) somewhere to run instead of pending forever. Both
/// cost nothing while no pod needs them: Auto Mode starts nodes on demand.
pub const BUILT_IN_NODE_POOLS: [&str; 2] = ["system", "general-purpose"];

/// Why `emreks_nodegroup` with a batch role is refused on an Auto Mode platform.
pub const NO_BATCH_NODEGROUPS: &str = "The platform runs EKS Auto Mode (compute = \"auto_mode\"): its Spark batch nodes come from emreks_node_pool, which Auto Mode scales. Only the notebook roles (notebook_driver, notebook_executor) take an emreks_nodegroup there, because AWS documents EMR on EKS interactive endpoints on managed nodegroups only. Use emreks_node_pool for this role, or set the platform's compute = \"managed_nodegroups\".";

/// Why a notebook `emreks_nodegroup` is refused on an Auto Mode platform
/// without a Studio: nothing there lets managed nodes run or scale.
pub const NOTEBOOKS_NEED_STUDIO: &str = "The platform runs EKS Auto Mode (compute = \"auto_mode\") without a studio block, so it installs nothing managed nodes need (the VPC CNI, kube-proxy, CoreDNS and Pod Identity agent add-ons, Cluster Autoscaler, AWS Load Balancer Controller). Add a studio block to the platform, or remove this nodegroup.";

/// Whether an `emreks_nodegroup` of `role` may run on an Auto Mode
/// platform: only the notebook roles, and only when the platform has a
/// Studio (`None`: not yet known, as at plan time when the Studio is added
/// in the same apply). The error says why not.
pub fn nodegroup_on_auto_mode(role: &str, studio: Option<bool>) -> Result<(), &'static str> {
    if !matches!(role, "notebook_driver" | "notebook_executor") {
        return Err(NO_BATCH_NODEGROUPS);
    }
    match studio {
        Some(false) => Err(NOTEBOOKS_NEED_STUDIO),
        _ => Ok(()),
    }
}

/// The plan's warning on an Auto Mode platform with a Studio.
pub const AUTO_MODE_NOTEBOOKS: &str = "AWS documents EMR on EKS interactive endpoints (what the Studio's notebooks run on) on managed nodegroups only, behind AWS Load Balancer Controller. On this Auto Mode platform the notebooks therefore run on emreks_nodegroup resources with role = \"notebook_driver\" and \"notebook_executor\", not on emreks_node_pool. For them the platform installs the VPC CNI, kube-proxy, CoreDNS and Pod Identity agent add-ons, Cluster Autoscaler and AWS Load Balancer Controller (both on Auto Mode's system node pool).";

/// The plan's warning when an Auto Mode platform loses its Studio.
pub const AUTO_MODE_NOTEBOOKS_GO: &str = "Without the studio block this Auto Mode platform removes the VPC CNI, kube-proxy, CoreDNS and Pod Identity agent add-ons, Cluster Autoscaler and AWS Load Balancer Controller, which its notebook nodegroups and endpoints need. Remove the platform's notebook emreks_nodegroup and emreks_notebook_user resources in the same apply.";

/// The plan's warning when a running platform turns Auto Mode on.
pub const TO_AUTO_MODE: &str = "Switching compute to \"auto_mode\" enables EKS Auto Mode on the running cluster (compute, block storage and load balancing together), then removes the tooling nodegroup and what Auto Mode replaces: without a studio, Cluster Autoscaler, AWS Load Balancer Controller and the EKS add-ons (Auto Mode nodes bring their own networking, DNS, storage driver and Pod Identity agent), with their IAM roles; with a studio, only the EBS CSI driver, as the notebook nodegroups still need the rest (the controllers move to Auto Mode's system node pool). Pods move to Auto Mode nodes as the tooling nodes drain. Replace this platform's batch emreks_nodegroup resources by emreks_node_pool ones in the same apply; notebook nodegroups stay.";

/// The plan's warning when a running platform turns Auto Mode off, which
/// AWS allows but documents as destructive.
pub const FROM_AUTO_MODE: &str = "Switching compute from \"auto_mode\" to \"managed_nodegroups\" disables EKS Auto Mode on the running cluster: EKS terminates every node Auto Mode runs (running Spark jobs and notebooks fail) and deletes the load balancers it made; the EBS volumes it provisioned stay. The apply then installs the tooling nodegroup and the add-ons, moves Cluster Autoscaler and AWS Load Balancer Controller to it (or installs them), and deletes the Auto Mode node role. Remove the platform's emreks_node_pool resources (they have no effect without Auto Mode) and add emreks_nodegroup ones for the Spark jobs.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_two_values_and_defaults_to_nodegroups() {
        assert_eq!(Compute::parse(None), Ok(Compute::ManagedNodegroups));
        for value in ["managed_nodegroups", "auto_mode"] {
            assert_eq!(Compute::parse(Some(value)).map(Compute::as_str), Ok(value));
        }
        let refused = Compute::parse(Some("karpenter")).unwrap_err();
        assert!(refused.contains("\"karpenter\""), "{refused}");
    }

    #[test]
    fn a_cluster_with_compute_on_is_auto_mode() {
        assert_eq!(Compute::of_cluster(true), Compute::AutoMode);
        assert_eq!(Compute::of_cluster(false), Compute::ManagedNodegroups);
    }

    #[test]
    fn auto_mode_runs_the_notebook_stack_only_with_a_studio() {
        assert_eq!(Compute::AutoMode.node_stack(false), NodeStack::None);
        assert_eq!(
            Compute::ManagedNodegroups.node_stack(false),
            NodeStack::Full
        );
        let notebooks = Compute::AutoMode.node_stack(true);
        assert!(!notebooks.tooling_nodegroup());
        assert!(!notebooks.addons().contains(&"aws-ebs-csi-driver"));
        for addon in notebooks.addons() {
            assert!(REQUIRED_ADDONS.contains(addon), "{addon}");
        }
        assert!(NodeStack::None.addons().is_empty());
        assert_eq!(NodeStack::None.controller_nodes(), None);
        let system = notebooks.controller_nodes();
        assert_eq!(system, Some(ControllerNodes::AutoModeSystem));
        let system = ControllerNodes::AutoModeSystem;
        assert_eq!(system.node_selector()[NODE_POOL_LABEL], "system");
        assert_eq!(system.tolerations()[0]["key"], SYSTEM_POOL_TAINT);
        assert_eq!(
            ControllerNodes::Tooling.tolerations(),
            serde_json::json!([])
        );
    }

    #[test]
    fn auto_mode_takes_notebook_nodegroups_only_with_a_studio() {
        for role in ["notebook_driver", "notebook_executor"] {
            assert_eq!(nodegroup_on_auto_mode(role, Some(true)), Ok(()));
            assert_eq!(nodegroup_on_auto_mode(role, None), Ok(()));
            assert_eq!(
                nodegroup_on_auto_mode(role, Some(false)),
                Err(NOTEBOOKS_NEED_STUDIO)
            );
        }
        for role in ["critical", "non_critical_executor", "custom"] {
            let refused = nodegroup_on_auto_mode(role, Some(true)).unwrap_err();
            assert!(refused.contains("emreks_node_pool"), "{refused}");
        }
    }

    #[test]
    fn auto_mode_roles_take_what_aws_documents() {
        assert!(!AUTO_MODE_CLUSTER_POLICIES.contains(&"AmazonEKSClusterPolicy"));
        assert_eq!(BUILT_IN_NODE_POOLS[0], "system");
        assert!(!AUTO_NODE_ROLE_POLICIES.contains(&"AmazonEKSWorkerNodePolicy"));
    }
}
