//! The cluster step: the control plane's IAM role, the EKS cluster, the
//! admin's access entry, in-place changes (endpoint access, version, tags)
//! and the cluster's delete.

use std::collections::BTreeMap;

use aws_sdk_eks::types::Cluster;

use super::super::schema::PlatformSpec;
use crate::aws::eks::cluster::{self, ClusterRequest};
use crate::aws::eks::{access_entry, tags};
use crate::aws::iam::role::{self, RoleSpec};
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::{iam_documents, naming, validate};
use crate::plugin::AttributePath;

/// The control plane's role; its name is recorded in `recorded` as soon as
/// it exists. Returns its ARN.
pub async fn ensure_cluster_role(
    aws: &Aws,
    spec: &PlatformSpec,
    role_name: &str,
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
            managed_policies: &iam_documents::CLUSTER_ROLE_POLICIES,
            inline_policies: &[],
        },
        recorded,
    )
    .await
}

/// Before anything is made: no EKS cluster may have the platform's name
/// yet. One that carries this platform's tag was made by an apply that was
/// killed before Terraform could record it (so only an import brings it
/// back); one without is someone else's and is never touched.
pub async fn check_name_free(aws: &Aws, spec: &PlatformSpec) -> Result<()> {
    let Some(existing) = cluster::find_cluster(aws, &spec.name).await? else {
        return Ok(());
    };
    let owner = existing
        .tags()
        .and_then(|tags| tags.get(naming::PLATFORM_TAG))
        .map(String::as_str);
    let why = if owner == Some(spec.name.as_str()) {
        format!(
            "an EKS cluster named \"{name}\" already exists and carries this platform's tag ({tag} = {name}): an earlier apply made it and was stopped before Terraform could record it. Nothing new was made. Bring it under Terraform with `terraform import <address of this emreks_platform> {name}` and apply again, or delete that cluster first.",
            name = spec.name,
            tag = naming::PLATFORM_TAG,
        )
    } else {
        format!(
            "an EKS cluster named \"{}\" already exists and is not this platform's (it does not carry {} = {}); nothing was made and that cluster is left alone. Choose another `name`.",
            spec.name,
            naming::PLATFORM_TAG,
            spec.name
        )
    };
    Err(Error::config(AttributePath::new("name"), why))
}

/// Sends CreateCluster for the spec, in the given subnets.
pub async fn create_cluster(
    aws: &Aws,
    spec: &PlatformSpec,
    role_arn: &str,
    subnet_ids: &[String],
    client_token: &str,
) -> Result<()> {
    cluster::create_cluster(
        aws,
        &ClusterRequest {
            name: &spec.name,
            kubernetes_version: spec.kubernetes_version.as_deref(),
            role_arn,
            subnet_ids,
            public_access_cidrs: &spec.public_access_cidrs,
            tags: &spec.tags,
            client_token,
        },
    )
    .await
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

/// Upgrades one minor version at a time to the spec's version, when it is higher.
pub async fn upgrade(
    aws: &Aws,
    cluster: &str,
    from: Option<&str>,
    to: Option<&str>,
    timeout: std::time::Duration,
) -> Result<()> {
    let (Some(from), Some(to)) = (from, to) else {
        return Ok(());
    };
    if let (Ok(from), Ok(to)) = (
        validate::kubernetes_version(from),
        validate::kubernetes_version(to),
    ) {
        if to > from {
            cluster::upgrade_cluster(aws, cluster, from, to, timeout).await?;
        }
    }
    Ok(())
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

/// The cluster's role by its ARN, when it carries this platform's tag (so
/// destroy may delete it).
pub async fn owned_cluster_role(
    aws: &Aws,
    role_arn: &str,
    platform: &str,
) -> Result<Option<String>> {
    let name = naming::role_name_of_arn(role_arn);
    let owner = role::role_tag(aws, name, naming::PLATFORM_TAG).await?;
    Ok((owner.as_deref() == Some(platform)).then(|| name.to_string()))
}

/// The Kubernetes version of a running cluster, for what must match it.
pub fn kubernetes_version(cluster: &Cluster) -> (u32, u32) {
    cluster
        .version()
        .and_then(|v| validate::kubernetes_version(v).ok())
        .unwrap_or((1, 31))
}
