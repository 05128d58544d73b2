//! The one place that writes what AWS reports into `emreks_platform`'s
//! state: a cluster's description, and what an apply or a refresh learned
//! of the objects the platform made. Arguments AWS reports (the version,
//! the endpoint's CIDRs, the tooling nodegroup) are overwritten with its
//! values so that drift shows in the plan.

use std::collections::BTreeMap;

use aws_sdk_eks::types::{Cluster, Nodegroup};

use super::apply::Built;
use super::private::{PlatformPrivate, StudioIds};
use super::schema::{job_run_outputs, profile_specs, release_label, PlatformState, ToolingState};
use crate::aws::eks::cluster::auto_mode_enabled;
use crate::platform::compute::Compute;
use crate::platform::job_profiles::JobRunInput;
use crate::platform::{jobs, naming};
use crate::plugin::Value;
use crate::resources::values::{from_option, known, string_map, to_list, to_map};

/// Copies what DescribeCluster reports into the state. Arguments the user
/// set are overwritten with AWS's values so that drift shows in the plan.
pub fn cluster(state: &mut PlatformState, cluster: &Cluster) {
    state.cluster_name = from_option(cluster.name());
    state.id = state.cluster_name.clone();
    state.name = state.cluster_name.clone();
    state.cluster_arn = from_option(cluster.arn());
    state.arn = state.cluster_arn.clone();
    state.cluster_endpoint = from_option(cluster.endpoint());
    state.cluster_certificate_authority_data = from_option(
        cluster
            .certificate_authority()
            .and_then(|authority| authority.data()),
    );
    state.kubeconfig_command = match (cluster.arn().and_then(jobs::arn_region), cluster.name()) {
        (Some(region), Some(name)) => Value::Value(jobs::kubeconfig_command(
            region,
            name,
            known(&state.eks_admin_role_arn),
        )),
        _ => Value::Null,
    };
    state.cluster_role_arn = from_option(cluster.role_arn());
    state.kubernetes_version = from_option(cluster.version());
    state.compute = Value::Value(
        Compute::of_cluster(auto_mode_enabled(cluster))
            .as_str()
            .to_string(),
    );
    state.oidc_issuer_url = from_option(
        cluster
            .identity()
            .and_then(|i| i.oidc())
            .and_then(|o| o.issuer()),
    );
    if let Some(vpc) = cluster.resources_vpc_config() {
        state.vpc_id = from_option(vpc.vpc_id());
        state.cluster_security_group_id = from_option(vpc.cluster_security_group_id());
        // An empty list is a private-only endpoint, as the configuration says it.
        state.endpoint_public_access_cidrs = if vpc.endpoint_public_access() {
            to_list(vpc.public_access_cidrs().iter().cloned())
        } else {
            to_list(std::iter::empty::<String>())
        };
    }
    if let Some(tags) = cluster.tags() {
        // The ownership marker is the provider's own, never configured.
        let tags = tags
            .iter()
            .filter(|(k, _)| k.as_str() != naming::OWNER_TAG)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        state.tags_all = to_map(&tags);
    }
}

/// What an apply learned, over the planned state; `None`s leave it as it is.
pub fn built(state: &mut PlatformState, built: &Built, private: &PlatformPrivate) {
    if let Some((vpc_id, by_zone)) = &built.network {
        state.vpc_id = vpc_id.clone().into();
        state.subnet_ids_by_az = to_map(by_zone);
    }
    if let Some(arn) = &built.cluster_role_arn {
        state.cluster_role_arn = Value::Value(arn.clone());
    }
    if let Some(described) = &built.cluster {
        cluster(state, described);
    }
    let text = |value: &Option<String>| value.clone().map(Value::Value);
    for (slot, value) in [
        (&mut state.node_role_arn, text(&built.node_role_arn)),
        (&mut state.assets_bucket, text(&built.assets_bucket)),
        (&mut state.oidc_provider_arn, text(&built.oidc_provider_arn)),
        (
            &mut state.tooling_nodegroup_name,
            text(&built.tooling_nodegroup),
        ),
    ] {
        if let Some(value) = value {
            *slot = value;
        }
    }
    if let Some((name, arn)) = &built.auto_node_role {
        state.auto_mode_node_role_name = Value::Value(name.clone());
        state.auto_mode_node_role_arn = Value::Value(arn.clone());
    }
    for (slot, value) in [
        (&mut state.pod_template_uris, &built.pod_template_uris),
        (&mut state.log_group_names, &built.log_group_names),
        (&mut state.addon_versions, &built.addon_versions),
        (&mut state.execution_role_arns, &built.execution_role_arns),
    ] {
        if let Some(value) = value {
            *slot = to_map(value);
        }
    }
    if let Some(ids) = &built.virtual_cluster_ids {
        state.virtual_cluster_ids = to_map(ids);
        (state.job_run_requests, state.job_run_request_objects) =
            job_run_outputs(&job_runs(state, private));
    }
    if let Some(ids) = &built.studio {
        studio(state, ids.as_ref());
    }
}

/// Ready-made requests from the state and the ids of what the platform made.
pub fn job_runs(state: &PlatformState, private: &PlatformPrivate) -> BTreeMap<String, JobRunInput> {
    let role_arns = string_map(&state.execution_role_arns);
    let name = known(&state.name).unwrap_or_default();
    jobs::job_runs(
        name,
        release_label(state),
        &profile_specs(state),
        &jobs::Built {
            bucket: private.assets_bucket.as_deref().unwrap_or_default(),
            prefix: &naming::pod_template_prefix(name),
            virtual_cluster_ids: &private.virtual_clusters,
            execution_role_arns: &role_arns,
        },
    )
}

/// The Studio's computed attributes; all null without a Studio.
pub fn studio(state: &mut PlatformState, ids: Option<&StudioIds>) {
    let text = |v: Option<&String>| v.cloned().map_or(Value::Null, Value::Value);
    state.studio_id = text(ids.and_then(|i| i.studio_id.as_ref()));
    state.studio_url = text(ids.and_then(|i| i.url.as_ref()));
    state.studio_engine_security_group_id =
        text(ids.and_then(|i| i.engine_security_group.as_ref()));
    state.studio_workspace_security_group_id =
        text(ids.and_then(|i| i.workspace_security_group.as_ref()));
}

/// The tooling arguments as the running group has them.
pub fn tooling(group: &Nodegroup) -> ToolingState {
    let scaling = group.scaling_config();
    let size = |v: Option<i32>| v.map(i64::from).into();
    ToolingState {
        instance_types: to_list(group.instance_types().iter().cloned()),
        ami_type: group.ami_type().map(|a| a.as_str().to_string()).into(),
        min_size: size(scaling.and_then(|s| s.min_size())),
        max_size: size(scaling.and_then(|s| s.max_size())),
        desired_size: size(scaling.and_then(|s| s.desired_size())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::values::{known, strings};
    use aws_sdk_eks::types::Cluster;
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
        assert_eq!(state.endpoint_public_access_cidrs, Value::Value(Vec::new()));
    }
}
