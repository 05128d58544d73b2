//! The ids of the platform's pieces, found from AWS when the private state
//! lacks them: Terraform hands destroy a fresh private state when it
//! replaces the platform, and import starts from nothing. Everything is
//! found from the public state, the platform's IAM path and tags, and the
//! names `platform::naming` builds.

use aws_sdk_eks::types::Cluster;
use aws_sdk_iam::types::Tag;

use super::super::private::{PlatformPrivate, StudioIds};
use super::super::schema::Recorded;
use super::controllers;
use super::studio::named_pieces;
use crate::aws::ec2::launch_template;
use crate::aws::eks::cluster::oidc_issuer;
use crate::aws::eks::{addon, nodegroup};
use crate::aws::emrcontainers::virtual_cluster;
use crate::aws::iam::{oidc_provider, role};
use crate::aws::logs::log_group;
use crate::aws::Aws;
use crate::error::Result;
use crate::platform::addons::{ADDON_IDENTITIES, REQUIRED_ADDONS};
use crate::platform::cluster_autoscaler::{self, DEFAULT_NAMESPACE, DEFAULT_SERVICE_ACCOUNT};
use crate::platform::compute::ControllerNodes;
use crate::platform::naming::{self, Owner, PlatformRole};
use crate::platform::{jobs, manifests};

use super::cluster::kubernetes_version;

/// The platform's owner marker: its name and suffix, the suffix of the
/// cluster role the state records, else the private state's (and written
/// there). The state comes first: when Terraform replaces the platform, it
/// hands destroy the private state planned for the new one, whose suffix
/// is not the old one's. `None` when neither knows it: then nothing can be
/// proven ours.
pub fn owner(recorded: &Recorded, private: &mut PlatformPrivate) -> Option<Owner> {
    // Physical names end with the suffix: take it from the cluster role's.
    if let Some(suffix) = recorded
        .cluster_role_arn
        .as_deref()
        .and_then(naming::suffix_of_cluster_role_arn)
    {
        private.suffix = Some(suffix.to_string());
    }
    let suffix = private.suffix.as_deref()?;
    (!recorded.name.is_empty()).then(|| Owner::new(&recorded.name, suffix))
}

/// What the caller found under the platform's cluster name.
pub enum Found<'a> {
    /// The platform's own cluster.
    Ours(&'a Cluster),
    /// No cluster of that name.
    Gone,
    /// Someone else's cluster: nothing named after it is ours.
    NotOurs,
}

/// Fills what `private` lacks. What lives on the cluster is read only
/// when the caller found it and proved it ours.
/// Roles are this platform's only with its marker (or, made by an earlier
/// release, its platform tag and a name ending in its suffix): the IAM path
/// holds the name alone, which platforms in other regions may share.
pub async fn discover(
    aws: &Aws,
    recorded: &Recorded,
    private: &mut PlatformPrivate,
    found: Found<'_>,
) -> Result<()> {
    let cluster_name = recorded.name.as_str();
    let owner = owner(recorded, private);
    if private.assets_bucket.is_none() {
        private.assets_bucket = recorded.assets_bucket.clone();
    }
    if private.oidc_provider_arn.is_none() {
        private.oidc_provider_arn = recorded.oidc_provider_arn.clone();
    }
    // The log groups are named after the platform alone, which platforms in
    // other states or someone's own groups may share: ours by the marker.
    // Groups made before it carry the platform tag only: ours when the
    // cluster is. The control-plane group is looked up on its own (platforms
    // made before the provider made it record only the jobs' groups); EKS
    // makes it untagged for a cluster when it is missing, so an untagged one
    // is the cluster's when the cluster is ours.
    if !matches!(found, Found::NotOurs) {
        let account = aws.account_id().await?.to_string();
        let mut names: Vec<String> = Vec::new();
        if private.log_groups.is_empty() {
            names.extend(jobs::log_group_names(cluster_name).into_values());
        }
        let control_plane = naming::cluster_log_group(cluster_name);
        if !private.log_groups.contains(&control_plane) {
            names.push(control_plane.clone());
        }
        for name in names {
            let arn = naming::log_group_arn(&aws.partition, &aws.region, &account, &name);
            let Some(tags) = log_group::log_group_tags(aws, &name, &arn).await? else {
                continue;
            };
            let cluster_ours = matches!(found, Found::Ours(_));
            let ours = match (&owner, tags.get(naming::OWNER_TAG)) {
                (Some(owner), Some(_)) => owner.owns_tagged(&tags, None),
                (_, None) => {
                    cluster_ours
                        && (tags.get(naming::PLATFORM_TAG).map(String::as_str)
                            == Some(cluster_name)
                            || (name == control_plane && tags.is_empty()))
                }
                (None, Some(_)) => false,
            };
            if ours {
                private.log_groups.push(name);
            }
        }
    }
    if let (true, Some(owner)) = (
        private.execution_roles.is_empty() && private.node_role_name.is_none(),
        &owner,
    ) {
        for PlatformRoleFound { name, tags, .. } in platform_roles(aws, owner).await? {
            let key = tags
                .iter()
                .find(|t| t.key() == naming::EXECUTION_ROLE_TAG)
                .map(|t| t.value().to_string());
            match (key, PlatformRole::of(&name).map(|(kind, _)| kind)) {
                (Some(key), _) => {
                    private.execution_roles.insert(key, name);
                }
                (None, Some(PlatformRole::Node)) => private.node_role_name = Some(name),
                (None, Some(PlatformRole::AutoNode)) => private.auto_node_role_name = Some(name),
                (None, Some(PlatformRole::Autoscaler)) => private.autoscaler.role_name = Some(name),
                (None, Some(PlatformRole::LoadBalancerController)) => {
                    private.load_balancer_controller.role_name = Some(name)
                }
                (None, Some(kind)) => {
                    if let Some(identity) = ADDON_IDENTITIES.iter().find(|i| i.role == kind) {
                        private
                            .addon_identities
                            .entry(identity.addon.to_string())
                            .or_default()
                            .role_name = Some(name);
                    }
                }
                _ => {}
            }
        }
    }
    if private.studio.is_none() {
        if let (Some(studio), Some(suffix)) = (&recorded.studio, private.suffix.as_deref()) {
            private.studio = Some(StudioIds {
                workspace_security_group: studio.workspace_security_group.clone(),
                engine_security_group: studio.engine_security_group.clone(),
                studio_id: studio.id.clone(),
                url: studio.url.clone(),
                ..named_pieces(aws, cluster_name, suffix, studio.sso).await?
            });
        }
    }
    // The tooling nodegroup's launch template outlives a cluster deleted
    // outside Terraform: found by its name (platform, tooling group, suffix).
    if private.tooling_launch_template.is_none() && !matches!(found, Found::NotOurs) {
        if let Some(suffix) = private.suffix.clone() {
            let pattern = naming::tooling_launch_templates(cluster_name, &suffix);
            let named_like = launch_template::launch_templates_named_like(aws, &pattern).await?;
            private.tooling_launch_template = named_like
                .into_iter()
                .filter(|t| {
                    t.launch_template_name()
                        .and_then(|name| naming::parse_launch_template(name, cluster_name))
                        .is_some_and(|(group, found_suffix)| {
                            found_suffix == suffix
                                && naming::parse_tooling_nodegroup(group).is_some()
                        })
                })
                .find_map(|t| t.launch_template_id);
        }
    }
    let Found::Ours(cluster) = found else {
        return Ok(());
    };
    if private.oidc_provider_arn.is_none() {
        if let Some(issuer) = oidc_issuer(cluster) {
            let account = aws.account_id().await?;
            let arn = naming::oidc_provider_arn(&aws.partition, account, issuer);
            if oidc_provider::oidc_provider_exists(aws, &arn, issuer).await? {
                private.oidc_provider_arn = Some(arn);
            }
        }
    }
    if private.virtual_clusters.is_empty() {
        for vc in virtual_cluster::list_virtual_clusters(aws, cluster_name, None).await? {
            if !virtual_cluster::is_live(vc.state()) {
                continue;
            }
            let (Some(name), Some(id)) = (vc.name(), vc.id()) else {
                continue;
            };
            private
                .virtual_clusters
                .insert(name.to_string(), id.to_string());
            if let Some(namespace) = virtual_cluster::namespace_of(&vc) {
                private
                    .virtual_cluster_namespaces
                    .insert(name.to_string(), namespace.to_string());
                if !private.namespaces.iter().any(|n| n == namespace) {
                    private.namespaces.push(namespace.to_string());
                }
            }
        }
    }
    if private.tooling_nodegroup.is_none() {
        private.tooling_nodegroup = nodegroup::list_nodegroups(aws, cluster_name)
            .await?
            .into_iter()
            .find(|n| naming::parse_tooling_nodegroup(n).is_some());
    }
    if private.addons.is_empty() {
        for name in REQUIRED_ADDONS {
            if addon::addon_version(aws, cluster_name, name)
                .await?
                .is_some()
            {
                private.addons.push(name.to_string());
            }
        }
    }
    if private.autoscaler.objects.is_empty() && private.autoscaler.role_name.is_some() {
        let image = cluster_autoscaler::image_for(kubernetes_version(cluster));
        private.autoscaler.objects = cluster_autoscaler::manifests(
            cluster_name,
            &aws.region,
            &image,
            DEFAULT_NAMESPACE,
            DEFAULT_SERVICE_ACCOUNT,
            ControllerNodes::Tooling,
        )
        .iter()
        .map(manifests::object_ref)
        .collect();
    }
    let controller = &mut private.load_balancer_controller;
    if controller.objects.is_empty() && controller.role_name.is_some() {
        controller.objects = controllers::applied_objects(cluster_name, &aws.region);
    }
    Ok(())
}

/// A role of the platform's, as [`platform_roles`] finds it.
pub struct PlatformRoleFound {
    pub name: String,
    pub arn: String,
    pub tags: Vec<Tag>,
}

/// The platform's roles under its IAM path, with their ARNs and tags:
/// those whose name ends with its suffix and that it owns. The tags of
/// each are read side by side (ListRoles gives none).
pub async fn platform_roles(aws: &Aws, owner: &Owner) -> Result<Vec<PlatformRoleFound>> {
    let ending = format!("-{}", owner.suffix);
    let listed = role::list_roles_under(
        aws,
        &naming::iam_path(&owner.platform),
        &format!("roles of platform \"{}\"", owner.platform),
    )
    .await?;
    let candidates: Vec<(String, String)> = listed
        .into_iter()
        .filter(|(name, _)| name.ends_with(&ending))
        .collect();
    let tagged = futures::future::join_all(
        candidates
            .iter()
            .map(|(name, _)| role::owned_role_tags(aws, name, owner)),
    )
    .await;
    let mut owned = Vec::new();
    for ((name, arn), tags) in candidates.into_iter().zip(tagged) {
        if let Some(tags) = tags? {
            owned.push(PlatformRoleFound { name, arn, tags });
        }
    }
    Ok(owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::Value;
    use crate::resources::platform::PlatformState;

    fn recorded(role_arn: Option<&str>) -> Recorded {
        let mut state = PlatformState {
            name: Value::Value("analytics".into()),
            ..Default::default()
        };
        if let Some(arn) = role_arn {
            state.cluster_role_arn = Value::Value(arn.into());
        }
        Recorded::decode(&state)
    }

    #[test]
    fn the_suffix_of_the_recorded_cluster_role_wins_over_a_replacements() {
        // Terraform hands a replacement's destroy the new object's private state.
        let mut private = PlatformPrivate {
            suffix: Some("newnew00".into()),
            ..Default::default()
        };
        let arn = "arn:aws:iam::123456789012:role/emreks/analytics/analytics-eks-cluster-old11111";
        let owner = owner(&recorded(Some(arn)), &mut private);
        assert_eq!(owner, Some(Owner::new("analytics", "old11111")));
        assert_eq!(private.suffix.as_deref(), Some("old11111"));
    }

    #[test]
    fn without_a_recorded_role_the_private_suffix_is_used_and_nothing_else() {
        let mut private = PlatformPrivate {
            suffix: Some("ab12cd34".into()),
            ..Default::default()
        };
        assert_eq!(
            owner(&recorded(None), &mut private),
            Some(Owner::new("analytics", "ab12cd34"))
        );
        // Someone else's role names no suffix: nothing can be proven ours.
        let foreign = "arn:aws:iam::123456789012:role/their-cluster-role";
        assert_eq!(
            owner(&recorded(Some(foreign)), &mut PlatformPrivate::default()),
            None
        );
    }
}
