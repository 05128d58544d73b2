//! The cluster step: the control plane's IAM role, the EKS cluster, the
//! admin's access entry, in-place changes (endpoint access, version, tags)
//! and the cluster's delete.

use std::collections::BTreeMap;

use aws_sdk_eks::types::Cluster;

use super::super::private::PlatformPrivate;
use super::super::schema::PlatformSpec;
use crate::aws::eks::cluster::{self, AutoMode, ClusterRequest};
use crate::aws::eks::{access_entry, tags};
use crate::aws::iam::role::{self, RoleSpec};
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::compute::{self, Compute};
use crate::platform::naming::Owner;
use crate::platform::naming::PlatformRole;
use crate::platform::{iam_documents, naming, validate};
use crate::plugin::AttributePath;

/// The cluster role's AWS-managed policies: EKS Auto Mode's capabilities
/// act as this role, so they need theirs on top of the control plane's.
pub fn cluster_role_policies(compute: Compute) -> Vec<&'static str> {
    let mut policies = iam_documents::CLUSTER_ROLE_POLICIES.to_vec();
    if compute == Compute::AutoMode {
        policies.extend(compute::AUTO_MODE_CLUSTER_POLICIES);
    }
    policies
}

/// The control plane's role; its name is recorded in `recorded` as soon as
/// it exists. Returns its ARN.
pub async fn ensure_cluster_role(
    aws: &Aws,
    spec: &PlatformSpec,
    role_name: &str,
    owner: &Owner,
    recorded: &mut Option<String>,
) -> Result<String> {
    role::ensure_role(
        aws,
        &RoleSpec {
            name: role_name,
            path: Some(&naming::iam_path(&spec.name)),
            description: "EKS control plane role of an emreks platform",
            trust: &iam_documents::cluster_role_trust(),
            tags: &spec.tags,
            owner,
            managed_policies: &cluster_role_policies(spec.compute),
            inline_policies: &[],
        },
        recorded,
    )
    .await
}

/// The role of the nodes EKS Auto Mode runs, recorded once it exists;
/// returns its ARN.
pub async fn ensure_auto_node_role(
    aws: &Aws,
    spec: &PlatformSpec,
    owner: &Owner,
    recorded: &mut Option<String>,
) -> Result<String> {
    let name = recorded
        .clone()
        .unwrap_or_else(|| PlatformRole::AutoNode.name(&spec.name, &owner.suffix));
    role::ensure_role(
        aws,
        &RoleSpec {
            name: &name,
            path: Some(&naming::iam_path(&spec.name)),
            description: "EKS Auto Mode nodes of an emreks platform",
            trust: &iam_documents::node_role_trust(),
            tags: &spec.tags,
            owner,
            managed_policies: &compute::AUTO_NODE_ROLE_POLICIES,
            inline_policies: &[],
        },
        recorded,
    )
    .await
}

/// Once Auto Mode is off: the node role, its access entry, and Auto Mode's
/// policies on the cluster role go.
pub async fn remove_auto_mode_roles(
    aws: &Aws,
    running: &Cluster,
    private: &mut PlatformPrivate,
) -> Result<()> {
    let Some(name) = private.auto_node_role_name.clone() else {
        return Ok(());
    };
    let cluster_name = running.name().unwrap_or_default();
    if let Some(arn) = role::role_arn(aws, &name).await? {
        access_entry::delete_access_entry(aws, cluster_name, &arn).await?;
    }
    if let Some(cluster_role) = running.role_arn().map(naming::role_name_of_arn) {
        for policy in compute::AUTO_MODE_CLUSTER_POLICIES {
            role::detach_managed_policy(aws, cluster_role, policy).await?;
        }
    }
    role::delete_role(aws, &name).await?;
    private.auto_node_role_name = None;
    Ok(())
}

/// Auto Mode as the platform enables it: the built-in pools on its node role.
pub fn auto_mode(node_role_arn: &str) -> AutoMode<'_> {
    AutoMode {
        node_role_arn,
        node_pools: &compute::BUILT_IN_NODE_POOLS,
    }
}

/// Whether the cluster is `owner`'s: it carries the marker, or (made by an
/// earlier release) the platform tag and a role named with our suffix.
pub fn owns_cluster(owner: &Owner, cluster: &Cluster) -> bool {
    owner.owns(
        |key| cluster.tags()?.get(key).map(String::as_str),
        cluster.role_arn().map(naming::role_name_of_arn),
    )
}

/// The refusal to touch a cluster that is not `owner`'s.
pub fn not_ours(owner: &Owner, cluster: &Cluster) -> Error {
    let tag = |key: &str| cluster.tags()?.get(key).cloned();
    Error::NotOurs {
        resource: format!("EKS cluster \"{}\"", owner.platform),
        platform: owner.marker(),
        owner: tag(naming::OWNER_TAG).or_else(|| tag(naming::PLATFORM_TAG)),
    }
}

/// The cluster of that name when it is `owner`'s; an error when someone
/// else's has the name; `None` when there is none.
pub async fn find_owned_cluster(aws: &Aws, owner: &Owner) -> Result<Option<Cluster>> {
    match cluster::find_cluster(aws, &owner.platform).await? {
        Some(found) if owns_cluster(owner, &found) => Ok(Some(found)),
        Some(found) => Err(not_ours(owner, &found)),
        None => Ok(None),
    }
}

/// Before anything is made: no EKS cluster may have the platform's name
/// yet, unless it carries this very create's marker (`suffix`, a run of
/// the same plan cut short after EKS took the request). One that carries
/// this platform's name tag was made by an apply that was killed before
/// Terraform could record it (so only an import brings it back); one
/// without is someone else's and is never touched. The plan refuses both
/// already; this holds when the plan was made before the cluster appeared.
pub async fn check_name_free(aws: &Aws, spec: &PlatformSpec, suffix: Option<&str>) -> Result<()> {
    let Some(existing) = cluster::find_cluster(aws, &spec.name).await? else {
        return Ok(());
    };
    if suffix.is_some_and(|suffix| owns_cluster(&Owner::new(&spec.name, suffix), &existing)) {
        return Ok(());
    }
    Err(Error::config(
        AttributePath::new("name"),
        name_taken_detail(&spec.name, &existing),
    ))
}

/// Why a cluster of the platform's name that this platform did not make
/// stops it, and what to do. The platform tag of that name (an apply of
/// the user's cut short before Terraform recorded it) is not proof of
/// ownership, so it only shapes the advice.
pub fn name_taken_detail(name: &str, cluster: &Cluster) -> String {
    let tagged = cluster
        .tags()
        .and_then(|tags| tags.get(naming::PLATFORM_TAG))
        .is_some_and(|value| value == name);
    let whose = if tagged {
        format!(
            "It carries the tag {} = {name}: an emreks platform of this name made it, perhaps an apply of yours that was cut short before Terraform could record it.",
            naming::PLATFORM_TAG
        )
    } else {
        "It does not carry the tag of an emreks platform of this name.".to_string()
    };
    format!(
        "An EKS cluster named \"{name}\" already exists in this account and region, and this platform did not make it, so the provider will not create, change or delete it. {whose} If it is an emreks_platform of yours (made by another state, or by a run that was cut short), import it: `terraform import <this resource's address> {name}`. Otherwise choose another name."
    )
}

/// Sends CreateCluster for the spec, in the given subnets. A cluster of
/// that name that exists already is ours only with our marker (a run cut
/// short after EKS took the request); anyone else's is refused, never adopted.
pub async fn create_cluster(
    aws: &Aws,
    spec: &PlatformSpec,
    owner: &Owner,
    role_arn: &str,
    subnet_ids: &[String],
    auto_node_role_arn: Option<&str>,
    client_token: &str,
) -> Result<()> {
    let created = cluster::create_cluster(
        aws,
        &ClusterRequest {
            name: &spec.name,
            kubernetes_version: spec.kubernetes_version.as_deref(),
            role_arn,
            subnet_ids,
            public_access_cidrs: &spec.public_access_cidrs,
            tags: &spec.tags,
            client_token,
            auto_mode: auto_node_role_arn.map(auto_mode),
        },
    )
    .await;
    match created {
        Err(err) if err.has_code("ResourceInUseException") => {
            find_owned_cluster(aws, owner).await?.ok_or(err).map(drop)
        }
        other => other,
    }
}

/// Gives the admin role cluster-admin; the entry is recorded once made.
pub async fn grant_admin(
    aws: &Aws,
    cluster: &str,
    principal: &str,
    recorded: &mut Option<String>,
) -> Result<()> {
    access_entry::ensure_cluster_admin(aws, cluster, principal).await?;
    *recorded = Some(principal.to_string());
    Ok(())
}

/// Takes away the access the platform gave, and forgets it once gone.
pub async fn revoke_admin(aws: &Aws, cluster: &str, recorded: &mut Option<String>) -> Result<()> {
    if let Some(principal) = recorded.clone() {
        access_entry::delete_access_entry(aws, cluster, &principal).await?;
        *recorded = None;
    }
    Ok(())
}

/// Upgrades one minor version at a time to the spec's version, when it is
/// higher; true when it did.
pub async fn upgrade(
    aws: &Aws,
    cluster: &str,
    from: Option<&str>,
    to: Option<&str>,
    timeout: std::time::Duration,
) -> Result<bool> {
    let (Some(from), Some(to)) = (from, to) else {
        return Ok(false);
    };
    if let (Ok(from), Ok(to)) = (
        validate::kubernetes_version(from),
        validate::kubernetes_version(to),
    ) {
        if to > from {
            cluster::upgrade_cluster(aws, cluster, from, to, timeout).await?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Moves the cluster and its role from the `old` tags to the `new` ones.
pub async fn retag(
    aws: &Aws,
    cluster_arn: Option<&str>,
    role_name: Option<&str>,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<()> {
    if let Some(arn) = cluster_arn {
        tags::retag(aws, arn, old, new).await?;
    }
    if let Some(role) = role_name {
        role::retag_role(aws, role, old, new).await?;
    }
    Ok(())
}

/// Deletes the cluster and waits until EKS no longer knows it.
pub async fn delete_cluster(aws: &Aws, name: &str, timeout: std::time::Duration) -> Result<()> {
    cluster::delete_cluster(aws, name).await?;
    cluster::wait_cluster_deleted(aws, name, timeout).await
}

/// The cluster's role by its ARN, when it is this platform's (so destroy
/// may delete it).
pub async fn owned_cluster_role(
    aws: &Aws,
    role_arn: &str,
    owner: &Owner,
) -> Result<Option<String>> {
    let name = naming::role_name_of_arn(role_arn);
    let tags = role::owned_role_tags(aws, name, owner).await?;
    Ok(tags.map(|_| name.to_string()))
}

/// The Kubernetes version of a running cluster, for what must match it.
pub fn kubernetes_version(cluster: &Cluster) -> (u32, u32) {
    cluster
        .version()
        .and_then(|v| validate::kubernetes_version(v).ok())
        .unwrap_or((1, 31))
}
