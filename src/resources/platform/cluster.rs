//! EKS and IAM calls for the platform's cluster: its role, the cluster, its
//! admin access entry, in-place updates and tags.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_eks::types::{AccessScope, AccessScopeType, Cluster, ClusterStatus, UpdateStatus};

use super::expand;
pub use crate::aws::iam::{delete_role, retag_role};
use crate::aws::tags::{iam_tags, removed_keys};
use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::{Aws, Error};
use crate::error::{AwsContext, NotFound};
use crate::platform::{iam_documents, naming};

fn cluster_resource(name: &str) -> String {
    format!("EKS cluster \"{name}\"")
}

/// Names of the roles under the platform's IAM path.
pub async fn platform_roles(aws: &Aws, platform: &str) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    let mut pages = aws
        .iam
        .list_roles()
        .path_prefix(naming::iam_path(platform))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context("iam:ListRoles", format!("roles of platform \"{platform}\""))?;
        names.extend(page.roles().iter().map(|r| r.role_name().to_string()));
    }
    Ok(names)
}

/// Creates the cluster's IAM role and attaches its managed policies. The name
/// is recorded as soon as the role exists, so a later failure still has it.
pub async fn create_cluster_role(
    aws: &Aws,
    platform: &str,
    role_name: &str,
    tags: &BTreeMap<String, String>,
    created: &mut Option<String>,
) -> Result<String, Error> {
    let resource = format!("IAM role \"{role_name}\"");
    let role = aws
        .iam
        .create_role()
        .role_name(role_name)
        .path(naming::iam_path(platform))
        .assume_role_policy_document(iam_documents::cluster_role_trust().to_string())
        .description("EKS control plane role of an emreks platform")
        .set_tags(Some(iam_tags(tags)))
        .send()
        .await
        .context("iam:CreateRole", &resource)?;
    *created = Some(role_name.to_string());
    let arn = role.role().map(|r| r.arn().to_string()).ok_or_else(|| {
        Error::aws_message("iam:CreateRole", &resource, "no role in the response")
    })?;
    for policy in iam_documents::CLUSTER_ROLE_POLICIES {
        aws.iam
            .attach_role_policy()
            .role_name(role_name)
            .policy_arn(aws.managed_policy_arn(policy))
            .send()
            .await
            .context("iam:AttachRolePolicy", &resource)?;
    }
    Ok(arn)
}

/// Whether the IAM role carries this platform's tag (so destroy may delete it).
pub async fn role_belongs_to(aws: &Aws, role_name: &str, platform: &str) -> Result<bool, Error> {
    let resource = format!("IAM role \"{role_name}\"");
    let tags = aws
        .iam
        .list_role_tags()
        .role_name(role_name)
        .send()
        .await
        .context("iam:ListRoleTags", &resource)
        .found()?;
    Ok(tags.is_some_and(|out| {
        out.tags()
            .iter()
            .any(|t| t.key() == naming::PLATFORM_TAG && t.value() == platform)
    }))
}

pub struct ClusterRequest<'a> {
    pub name: &'a str,
    pub kubernetes_version: Option<&'a str>,
    pub role_arn: &'a str,
    pub subnet_ids: &'a [String],
    pub public_access_cidrs: &'a [String],
    pub tags: &'a BTreeMap<String, String>,
    pub client_token: &'a str,
}

/// Sends CreateCluster. A role created seconds ago may not be usable by EKS
/// yet (IAM is eventually consistent), so that one refusal is retried.
pub async fn create_cluster(aws: &Aws, request: &ClusterRequest<'_>) -> Result<(), Error> {
    let resource = cluster_resource(request.name);
    let mut attempt = 0;
    loop {
        let sent = aws
            .eks
            .create_cluster()
            .name(request.name)
            .set_version(request.kubernetes_version.map(str::to_string))
            .role_arn(request.role_arn)
            .resources_vpc_config(expand::vpc_config(
                request.subnet_ids,
                request.public_access_cidrs,
            ))
            .logging(expand::control_plane_logging())
            .access_config(expand::access_config())
            .set_tags(Some(
                request.tags.clone().into_iter().collect::<HashMap<_, _>>(),
            ))
            .client_request_token(request.client_token)
            .send()
            .await;
        match sent {
            Ok(_) => return Ok(()),
            Err(e) => {
                let err = Error::aws("eks:CreateCluster", &resource, e);
                let role_not_ready =
                    err.has_code("InvalidParameterException") && err.mentions("role");
                if role_not_ready && attempt < 8 {
                    attempt += 1;
                    tokio::time::sleep(Backoff::FAST.delay(attempt)).await;
                    continue;
                }
                return Err(err);
            }
        }
    }
}

pub async fn describe_cluster(aws: &Aws, name: &str) -> Result<Option<Cluster>, Error> {
    let described = aws
        .eks
        .describe_cluster()
        .name(name)
        .send()
        .await
        .context("eks:DescribeCluster", cluster_resource(name))
        .found()?;
    Ok(described.and_then(|out| out.cluster))
}

/// Waits until the cluster is ACTIVE and returns its description.
pub async fn wait_active(aws: &Aws, name: &str, timeout: Duration) -> Result<Cluster, Error> {
    let resource = cluster_resource(name);
    wait::until(
        "eks:DescribeCluster",
        &resource,
        timeout,
        Backoff::SLOW,
        || async {
            Ok(match describe_cluster(aws, name).await? {
                None => Poll::Failed("the cluster disappeared while being created".into()),
                Some(cluster) => match cluster.status() {
                    Some(ClusterStatus::Active) => Poll::Ready(cluster),
                    Some(ClusterStatus::Failed) => Poll::Failed(format!(
                        "the cluster is FAILED{}",
                        cluster
                            .health()
                            .map(|h| format!(": {:?}", h.issues()))
                            .unwrap_or_default()
                    )),
                    status => {
                        Poll::Pending(status.map(|s| s.as_str().to_string()).unwrap_or_default())
                    }
                },
            })
        },
    )
    .await
}

/// Deletes the cluster and waits until EKS no longer knows it.
pub async fn delete_cluster(aws: &Aws, name: &str, timeout: Duration) -> Result<(), Error> {
    let resource = cluster_resource(name);

    aws.eks
        .delete_cluster()
        .name(name)
        .send()
        .await
        .map(|_| ())
        .context("eks:DeleteCluster", &resource)
        .ignore_not_found()?;
    wait::until(
        "eks:DescribeCluster",
        &resource,
        timeout,
        Backoff::SLOW,
        || async {
            Ok(match describe_cluster(aws, name).await? {
                None => Poll::Ready(()),
                Some(cluster) => Poll::Pending(
                    cluster
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                ),
            })
        },
    )
    .await
}

/// Gives `principal` cluster-admin through an EKS access entry.
pub async fn grant_admin(aws: &Aws, cluster: &str, principal: &str) -> Result<(), Error> {
    let resource = format!(
        "access entry of {principal} on {}",
        cluster_resource(cluster)
    );
    let created = aws
        .eks
        .create_access_entry()
        .cluster_name(cluster)
        .principal_arn(principal)
        .send()
        .await
        .map(|_| ())
        .context("eks:CreateAccessEntry", &resource);
    match created {
        // The creator's own entry exists already when the admin is the creator.
        Err(e) if e.is_already_exists() => {}
        other => other?,
    }
    aws.eks
        .associate_access_policy()
        .cluster_name(cluster)
        .principal_arn(principal)
        .policy_arn(expand::cluster_admin_policy_arn(&aws.partition))
        .access_scope(
            AccessScope::builder()
                .r#type(AccessScopeType::Cluster)
                .build(),
        )
        .send()
        .await
        .context("eks:AssociateAccessPolicy", &resource)?;
    Ok(())
}

pub async fn revoke_admin(aws: &Aws, cluster: &str, principal: &str) -> Result<(), Error> {
    let resource = format!(
        "access entry of {principal} on {}",
        cluster_resource(cluster)
    );

    aws.eks
        .delete_access_entry()
        .cluster_name(cluster)
        .principal_arn(principal)
        .send()
        .await
        .map(|_| ())
        .context("eks:DeleteAccessEntry", &resource)
        .ignore_not_found()
}

pub async fn has_access_entry(aws: &Aws, cluster: &str, principal: &str) -> Result<bool, Error> {
    let resource = format!(
        "access entry of {principal} on {}",
        cluster_resource(cluster)
    );
    let described = aws
        .eks
        .describe_access_entry()
        .cluster_name(cluster)
        .principal_arn(principal)
        .send()
        .await
        .context("eks:DescribeAccessEntry", &resource)
        .found()?;
    Ok(described.is_some())
}

/// Waits for an update of the cluster, or of one of its nodegroups.
pub async fn wait_update(
    aws: &Aws,
    cluster: &str,
    nodegroup: Option<&str>,
    update_id: &str,
    timeout: Duration,
) -> Result<(), Error> {
    let resource = format!("update {update_id} of {}", cluster_resource(cluster));
    wait::until(
        "eks:DescribeUpdate",
        &resource,
        timeout,
        Backoff::SLOW,
        || async {
            let out = aws
                .eks
                .describe_update()
                .name(cluster)
                .set_nodegroup_name(nodegroup.map(str::to_string))
                .update_id(update_id)
                .send()
                .await
                .context("eks:DescribeUpdate", &resource)?;
            let update = out.update();
            Ok(match update.and_then(|u| u.status()) {
                Some(UpdateStatus::Successful) => Poll::Ready(()),
                Some(UpdateStatus::Failed | UpdateStatus::Cancelled) => Poll::Failed(format!(
                    "the update ended {:?}: {:?}",
                    update.and_then(|u| u.status()),
                    update.map(|u| u.errors())
                )),
                status => Poll::Pending(status.map(|s| s.as_str().to_string()).unwrap_or_default()),
            })
        },
    )
    .await
}

/// Opens, narrows or closes the public endpoint.
pub async fn update_endpoint(
    aws: &Aws,
    cluster: &str,
    public_access_cidrs: &[String],
    timeout: Duration,
) -> Result<(), Error> {
    let out = aws
        .eks
        .update_cluster_config()
        .name(cluster)
        .resources_vpc_config(expand::endpoint_update(public_access_cidrs))
        .send()
        .await
        .context("eks:UpdateClusterConfig", cluster_resource(cluster))?;
    match out.update().and_then(|u| u.id()) {
        Some(id) => wait_update(aws, cluster, None, id, timeout).await,
        None => Ok(()),
    }
}

/// Upgrades one minor version at a time, as EKS requires.
pub async fn upgrade(
    aws: &Aws,
    cluster: &str,
    from: (u32, u32),
    to: (u32, u32),
    timeout: Duration,
) -> Result<(), Error> {
    for minor in from.1 + 1..=to.1 {
        let version = format!("{}.{minor}", to.0);
        let out = aws
            .eks
            .update_cluster_version()
            .name(cluster)
            .version(&version)
            .send()
            .await
            .context("eks:UpdateClusterVersion", cluster_resource(cluster))?;
        if let Some(id) = out.update().and_then(|u| u.id()) {
            wait_update(aws, cluster, None, id, timeout).await?;
        }
    }
    Ok(())
}

pub async fn retag_cluster(
    aws: &Aws,
    cluster_arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let removed = removed_keys(old, new);
    if !removed.is_empty() {
        aws.eks
            .untag_resource()
            .resource_arn(cluster_arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .context("eks:UntagResource", cluster_arn)?;
    }
    aws.eks
        .tag_resource()
        .resource_arn(cluster_arn)
        .set_tags(Some(new.clone().into_iter().collect()))
        .send()
        .await
        .context("eks:TagResource", cluster_arn)?;
    Ok(())
}
