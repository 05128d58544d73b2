//! Pure translation of AWS descriptions into the platform's state.

use crate::plugin::Value;
use aws_sdk_eks::types::Cluster;

use super::state::PlatformState;
use crate::resources::values::{from_option, to_list, to_map};

/// Copies what DescribeCluster reports into the state. Arguments the user
/// set are overwritten with AWS's values so that drift shows in the plan.
pub fn cluster(state: &mut PlatformState, cluster: &Cluster) {
    state.cluster_name = from_option(cluster.name());
    state.id = state.cluster_name.clone();
    state.name = state.cluster_name.clone();
    state.cluster_arn = from_option(cluster.arn());
    state.cluster_endpoint = from_option(cluster.endpoint());
    state.cluster_role_arn = from_option(cluster.role_arn());
    state.kubernetes_version = from_option(cluster.version());
    state.oidc_issuer_url = from_option(
        cluster
            .identity()
            .and_then(|i| i.oidc())
            .and_then(|o| o.issuer()),
    );
    if let Some(vpc) = cluster.resources_vpc_config() {
        state.vpc_id = from_option(vpc.vpc_id());
        state.cluster_security_group_id = from_option(vpc.cluster_security_group_id());
        state.endpoint_public_access_cidrs = if vpc.endpoint_public_access() {
            to_list(vpc.public_access_cidrs().iter().cloned())
        } else {
            Value::Null
        };
    }
    if let Some(tags) = cluster.tags() {
        let tags = tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        state.tags_all = to_map(&tags);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::values::{known, strings};
    use aws_sdk_eks::types::{Identity, Oidc, VpcConfigResponse};

    fn described(public: bool) -> Cluster {
        Cluster::builder()
            .name("analytics")
            .arn("arn:aws:eks:eu-west-1:123456789012:cluster/analytics")
            .endpoint("https://ABC.gr7.eu-west-1.eks.amazonaws.com")
            .version("1.31")
            .role_arn("arn:aws:iam::123456789012:role/r")
            .identity(
                Identity::builder()
                    .oidc(
                        Oidc::builder()
                            .issuer("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC")
                            .build(),
                    )
                    .build(),
            )
            .resources_vpc_config(
                VpcConfigResponse::builder()
                    .vpc_id("vpc-1")
                    .cluster_security_group_id("sg-1")
                    .endpoint_public_access(public)
                    .endpoint_private_access(true)
                    .public_access_cidrs("203.0.113.0/24")
                    .build(),
            )
            .tags("emreks:platform", "analytics")
            .build()
    }

    #[test]
    fn flattens_the_cluster() {
        let mut state = PlatformState::default();
        cluster(&mut state, &described(true));
        assert_eq!(known(&state.id), Some("analytics"));
        assert_eq!(known(&state.kubernetes_version), Some("1.31"));
        assert_eq!(known(&state.vpc_id), Some("vpc-1"));
        assert_eq!(
            known(&state.oidc_issuer_url),
            Some("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC")
        );
        assert_eq!(
            strings(&state.endpoint_public_access_cidrs),
            ["203.0.113.0/24"]
        );
    }

    #[test]
    fn a_private_endpoint_has_no_public_cidrs() {
        let mut state = PlatformState::default();
        cluster(&mut state, &described(false));
        assert_eq!(state.endpoint_public_access_cidrs, Value::Null);
    }
}
