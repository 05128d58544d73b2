//! How a platform gets its nodes: managed nodegroups scaled by Cluster
//! Autoscaler (the reference's way, the default), or EKS Auto Mode (AWS
//! runs Karpenter, and with it the block-storage and load-balancing
//! capabilities). What each asks of IAM and EKS, and what switching
//! between them does, as plain data.

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

/// Why `emreks_nodegroup` is refused on an Auto Mode platform.
pub const NO_NODEGROUPS: &str = "The platform runs EKS Auto Mode (compute = \"auto_mode\"), which runs no managed nodegroups of the platform's: their nodes would need the VPC CNI, kube-proxy, CoreDNS and Pod Identity agent add-ons and Cluster Autoscaler, which an Auto Mode platform does not install. Use emreks_node_pool for the Spark nodes, or set the platform's compute = \"managed_nodegroups\".";

/// The plan's warning when a running platform turns Auto Mode on.
pub const TO_AUTO_MODE: &str = "Switching compute to \"auto_mode\" enables EKS Auto Mode on the running cluster (compute, block storage and load balancing together), then removes what Auto Mode replaces: the tooling nodegroup, Cluster Autoscaler, AWS Load Balancer Controller and the EKS add-ons (Auto Mode nodes bring their own networking, DNS, storage driver and Pod Identity agent), with their IAM roles. Pods move to Auto Mode nodes as the tooling nodes drain. An Auto Mode platform runs no managed nodegroups: replace this platform's emreks_nodegroup resources by emreks_node_pool ones in the same apply.";

/// The plan's warning when a running platform turns Auto Mode off, which
/// AWS allows but documents as destructive.
pub const FROM_AUTO_MODE: &str = "Switching compute from \"auto_mode\" to \"managed_nodegroups\" disables EKS Auto Mode on the running cluster: EKS terminates every node Auto Mode runs (running Spark jobs and notebooks fail) and deletes the load balancers it made; the EBS volumes it provisioned stay. The apply then installs the tooling nodegroup, the add-ons, Cluster Autoscaler and AWS Load Balancer Controller, and deletes the Auto Mode node role. Remove the platform's emreks_node_pool resources (they have no effect without Auto Mode) and add emreks_nodegroup ones for the Spark jobs.";

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
    fn auto_mode_roles_take_what_aws_documents() {
        assert!(!AUTO_MODE_CLUSTER_POLICIES.contains(&"AmazonEKSClusterPolicy"));
        assert_eq!(BUILT_IN_NODE_POOLS[0], "system");
        assert!(!AUTO_NODE_ROLE_POLICIES.contains(&"AmazonEKSWorkerNodePolicy"));
    }
}
