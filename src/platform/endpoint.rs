//! Who reaches the cluster's Kubernetes API. The provider writes Kubernetes
//! objects (namespaces, RBAC, the Cluster Autoscaler), so the machine running
//! Terraform must reach the API endpoint: through the public endpoint when it
//! runs outside the VPC, through the private one (always on, for the nodes)
//! when it runs inside. This module holds the default and the words that
//! explain a failure; nothing here performs I/O.

use ipnet::Ipv4Net;

/// The public endpoint's CIDRs when the configuration leaves them out and
/// Terraform runs outside the VPC: every address, as EKS itself defaults,
/// since the provider cannot know a laptop's or CI runner's egress address.
/// Requests still need IAM credentials that an access entry maps.
pub const ANYWHERE: &str = "0.0.0.0/0";

/// The public endpoint's CIDRs when the configuration leaves them out:
/// none (private only) when the user says Terraform runs inside the VPC,
/// else every address.
pub fn default_public_cidrs(terraform_in_vpc: bool) -> Vec<String> {
    if terraform_in_vpc {
        Vec::new()
    } else {
        vec![ANYWHERE.to_string()]
    }
}

/// Whether the CIDRs open the public endpoint to every IPv4 address.
pub fn open_to_anywhere(cidrs: &[String]) -> bool {
    cidrs.iter().any(|cidr| {
        cidr.trim()
            .parse::<Ipv4Net>()
            .is_ok_and(|net| net.prefix_len() == 0)
    })
}

/// Why a plan warns about a public endpoint open to every address.
pub const OPEN_TO_ANYWHERE: &str = "The cluster's Kubernetes API endpoint will be public to every IPv4 address (0.0.0.0/0). Requests still need AWS credentials that an EKS access entry maps, but the API can be probed from anywhere: list only the addresses Terraform and your users connect from in endpoint_public_access_cidrs (e.g. [\"203.0.113.7/32\"] for a CI runner's egress address), or run Terraform inside the VPC and set terraform_in_vpc = true for a private-only endpoint.";

/// Why a plan refuses a private-only endpoint Terraform has not said it reaches.
pub const PRIVATE_ONLY: &str = "An empty endpoint_public_access_cidrs makes the cluster's Kubernetes API reachable from inside its VPC only, and the provider writes Kubernetes objects during apply: from a laptop or CI runner outside the VPC the apply would fail after the cluster is made. List the CIDRs Terraform connects from (e.g. [\"203.0.113.7/32\"]), or, if Terraform runs inside the VPC (or a network routed to it, such as a VPN or peered VPC), set terraform_in_vpc = true.";

/// What an apply that cannot reach the Kubernetes API should check.
pub const UNREACHABLE_HINT: &str = "Terraform must reach the cluster's Kubernetes API endpoint to write the platform's Kubernetes objects: add the address this machine connects from to emreks_platform's endpoint_public_access_cidrs (e.g. \"203.0.113.7/32\"), or run Terraform inside the cluster's VPC (or a network routed to it) with terraform_in_vpc = true. A platform whose create failed this way is tainted: `terraform untaint` it before applying the fix, since replacing it would need the API to remove its objects.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_depends_on_where_terraform_runs() {
        assert_eq!(default_public_cidrs(false), vec!["0.0.0.0/0".to_string()]);
        assert!(default_public_cidrs(true).is_empty());
    }

    #[test]
    fn anywhere_is_any_zero_prefix() {
        assert!(open_to_anywhere(&["0.0.0.0/0".into()]));
        assert!(open_to_anywhere(&["10.0.0.0/8".into(), "1.2.3.4/0".into()]));
        assert!(!open_to_anywhere(&["203.0.113.0/24".into()]));
        assert!(!open_to_anywhere(&[]));
        assert!(!open_to_anywhere(&["not a cidr".into()]));
    }
}
