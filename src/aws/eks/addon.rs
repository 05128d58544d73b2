//! EKS add-ons: the versions EKS offers for a Kubernetes version, and each
//! add-on's install, version, wait and delete.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_eks::types::{Addon, AddonInfo, AddonStatus, ResolveConflicts};

use crate::aws::tags::hash_map;
use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::Aws;
use crate::error::{AwsContext, NotFound, Result};

fn addon_resource(cluster: &str, addon: &str) -> String {
    format!("add-on \"{addon}\" of EKS cluster \"{cluster}\"")
}

/// What EKS offers for `kubernetes_version`: every add-on and its versions.
pub async fn addon_versions(aws: &Aws, kubernetes_version: &str) -> Result<Vec<AddonInfo>> {
    aws.eks
        .describe_addon_versions()
        .kubernetes_version(kubernetes_version)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context(
            "eks:DescribeAddonVersions",
            format!("Kubernetes {kubernetes_version}"),
        )
}

/// The add-on as EKS describes it; `None` when it is not installed.
pub async fn find_addon(aws: &Aws, cluster: &str, addon: &str) -> Result<Option<Addon>> {
    let out = aws
        .eks
        .describe_addon()
        .cluster_name(cluster)
        .addon_name(addon)
        .send()
        .await
        .context("eks:DescribeAddon", addon_resource(cluster, addon))
        .found()?;
    Ok(out.and_then(|o| o.addon))
}

/// The installed version; `None` when the add-on is not installed.
pub async fn addon_version(aws: &Aws, cluster: &str, addon: &str) -> Result<Option<String>> {
    Ok(find_addon(aws, cluster, addon)
        .await?
        .and_then(|a| a.addon_version))
}

/// Installs the add-on unless it is there; true when this call made it.
pub async fn ensure_addon(
    aws: &Aws,
    cluster: &str,
    addon: &str,
    version: &str,
    tags: &BTreeMap<String, String>,
) -> Result<bool> {
    if addon_version(aws, cluster, addon).await?.is_some() {
        return Ok(false);
    }
    aws.eks
        .create_addon()
        .cluster_name(cluster)
        .addon_name(addon)
        .addon_version(version)
        .resolve_conflicts(ResolveConflicts::Overwrite)
        .set_tags(Some(hash_map(tags)))
        .send()
        .await
        .context("eks:CreateAddon", addon_resource(cluster, addon))?;
    Ok(true)
}

/// Moves the installed add-on to `version` (overwriting changed fields, as at
/// install); `wait_addon_active` follows the update.
pub async fn update_addon_version(
    aws: &Aws,
    cluster: &str,
    addon: &str,
    version: &str,
) -> Result<()> {
    aws.eks
        .update_addon()
        .cluster_name(cluster)
        .addon_name(addon)
        .addon_version(version)
        .resolve_conflicts(ResolveConflicts::Overwrite)
        .send()
        .await
        .context("eks:UpdateAddon", addon_resource(cluster, addon))?;
    Ok(())
}

/// Waits until the add-on is ACTIVE, and gives its description then.
/// CoreDNS and the EBS CSI driver only get there once nodes run.
pub async fn wait_addon_active(
    aws: &Aws,
    cluster: &str,
    addon: &str,
    timeout: Duration,
) -> Result<Addon> {
    wait::until(
        "eks:DescribeAddon",
        &addon_resource(cluster, addon),
        timeout,
        Backoff::FAST,
        || async {
            let Some(described) = find_addon(aws, cluster, addon).await? else {
                return Ok(Poll::Failed("the add-on disappeared".into()));
            };
            Ok(match described.status() {
                Some(AddonStatus::Active) => Poll::Ready(described),
                Some(AddonStatus::CreateFailed) => Poll::Failed(format!(
                    "the add-on failed: {:?}",
                    described.health().map(|h| h.issues())
                )),
                status => Poll::Pending(status.map(|s| s.as_str().to_string()).unwrap_or_default()),
            })
        },
    )
    .await
}

/// Removes the add-on; one already gone is removed.
pub async fn delete_addon(aws: &Aws, cluster: &str, addon: &str) -> Result<()> {
    aws.eks
        .delete_addon()
        .cluster_name(cluster)
        .addon_name(addon)
        .send()
        .await
        .context("eks:DeleteAddon", addon_resource(cluster, addon))
        .ignore_not_found()
}
