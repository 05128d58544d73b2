//! EKS add-ons at the default version EKS reports for the cluster's
//! Kubernetes version, never from a table of ours.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_eks::types::{AddonStatus, ResolveConflicts};

use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::{Aws, Error};
use crate::error::{AwsContext, NotFound};
use crate::platform::addons::{AddonCatalogue, AddonVersion, Compatibility, REQUIRED_ADDONS};

fn addon_resource(cluster: &str, addon: &str) -> String {
    format!("add-on \"{addon}\" of EKS cluster \"{cluster}\"")
}

/// The versions EKS offers for `kubernetes_version`, for the add-ons the platform installs.
pub async fn catalogue(aws: &Aws, kubernetes_version: &str) -> Result<AddonCatalogue, Error> {
    let mut catalogue = AddonCatalogue::default();
    let mut pages = aws
        .eks
        .describe_addon_versions()
        .kubernetes_version(kubernetes_version)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context(
            "eks:DescribeAddonVersions",
            format!("Kubernetes {kubernetes_version}"),
        )?;
        for addon in page.addons() {
            let Some(name) = addon.addon_name() else {
                continue;
            };
            if !REQUIRED_ADDONS.contains(&name) {
                continue;
            }
            let versions = catalogue.addons.entry(name.to_string()).or_default();
            for version in addon.addon_versions() {
                versions.push(AddonVersion {
                    version: version.addon_version().unwrap_or_default().to_string(),
                    compatibilities: version
                        .compatibilities()
                        .iter()
                        .map(|c| Compatibility {
                            cluster_version: c.cluster_version().unwrap_or_default().to_string(),
                            default_version: c.default_version(),
                        })
                        .collect(),
                });
            }
        }
    }
    Ok(catalogue)
}

/// Installs an add-on unless it is there; returns whether this call made it.
pub async fn ensure(
    aws: &Aws,
    cluster: &str,
    addon: &str,
    version: &str,
    tags: &BTreeMap<String, String>,
) -> Result<bool, Error> {
    let resource = addon_resource(cluster, addon);
    if describe_version(aws, cluster, addon).await?.is_some() {
        return Ok(false);
    }
    aws.eks
        .create_addon()
        .cluster_name(cluster)
        .addon_name(addon)
        .addon_version(version)
        .resolve_conflicts(ResolveConflicts::Overwrite)
        .set_tags(Some(tags.clone().into_iter().collect()))
        .send()
        .await
        .context("eks:CreateAddon", &resource)?;
    Ok(true)
}

pub async fn describe_version(
    aws: &Aws,
    cluster: &str,
    addon: &str,
) -> Result<Option<String>, Error> {
    let out = aws
        .eks
        .describe_addon()
        .cluster_name(cluster)
        .addon_name(addon)
        .send()
        .await
        .context("eks:DescribeAddon", addon_resource(cluster, addon))
        .found()?;
    Ok(out.and_then(|o| o.addon).and_then(|a| a.addon_version))
}

/// Waits until the add-on is ACTIVE. CoreDNS and the EBS CSI driver only get
/// there once nodes run, so wait after the tooling nodegroup is up.
pub async fn wait_active(
    aws: &Aws,
    cluster: &str,
    addon: &str,
    timeout: Duration,
) -> Result<(), Error> {
    let resource = addon_resource(cluster, addon);
    wait::until(
        "eks:DescribeAddon",
        &resource,
        timeout,
        Backoff::FAST,
        || async {
            let out = aws
                .eks
                .describe_addon()
                .cluster_name(cluster)
                .addon_name(addon)
                .send()
                .await
                .context("eks:DescribeAddon", &resource)
                .found()?;
            let Some(described) = out.and_then(|o| o.addon) else {
                return Ok(Poll::Failed("the add-on disappeared".into()));
            };
            Ok(match described.status() {
                Some(AddonStatus::Active) => Poll::Ready(()),
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

pub async fn delete(aws: &Aws, cluster: &str, addon: &str) -> Result<(), Error> {
    aws.eks
        .delete_addon()
        .cluster_name(cluster)
        .addon_name(addon)
        .send()
        .await
        .map(|_| ())
        .context("eks:DeleteAddon", addon_resource(cluster, addon))
        .ignore_not_found()
}
