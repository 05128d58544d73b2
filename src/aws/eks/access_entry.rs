//! EKS access entries: who may use the cluster's Kubernetes API, and with
//! which of EKS's access policies.

use aws_sdk_eks::types::{AccessEntry, AccessScope, AccessScopeType};

use super::cluster_resource;
use crate::aws::Aws;
use crate::error::{AwsContext, NotFound, Result};

fn entry_resource(cluster: &str, principal: &str) -> String {
    format!(
        "access entry of {principal} on {}",
        cluster_resource(cluster)
    )
}

/// The EKS access policy that makes a principal cluster admin.
pub fn cluster_admin_policy_arn(partition: &str) -> String {
    format!("arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy")
}

/// Gives `principal` cluster-admin through an access entry (made unless it
/// exists: the cluster creator's does from the start).
pub async fn ensure_cluster_admin(aws: &Aws, cluster: &str, principal: &str) -> Result<()> {
    let resource = entry_resource(cluster, principal);
    let created = aws
        .eks
        .create_access_entry()
        .cluster_name(cluster)
        .principal_arn(principal)
        .send()
        .await
        .map(drop)
        .context("eks:CreateAccessEntry", &resource);
    match created {
        Err(e) if e.is_already_exists() => {}
        other => other?,
    }
    aws.eks
        .associate_access_policy()
        .cluster_name(cluster)
        .principal_arn(principal)
        .policy_arn(cluster_admin_policy_arn(&aws.partition))
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

/// The principal's access entry; `None` when it has none.
pub async fn find_access_entry(
    aws: &Aws,
    cluster: &str,
    principal: &str,
) -> Result<Option<AccessEntry>> {
    let out = aws
        .eks
        .describe_access_entry()
        .cluster_name(cluster)
        .principal_arn(principal)
        .send()
        .await
        .context(
            "eks:DescribeAccessEntry",
            entry_resource(cluster, principal),
        )
        .found()?;
    Ok(out.and_then(|o| o.access_entry))
}

/// Removes the principal's access entry; one already gone is removed.
pub async fn delete_access_entry(aws: &Aws, cluster: &str, principal: &str) -> Result<()> {
    aws.eks
        .delete_access_entry()
        .cluster_name(cluster)
        .principal_arn(principal)
        .send()
        .await
        .context("eks:DeleteAccessEntry", entry_resource(cluster, principal))
        .ignore_not_found()
}

/// The EC2 access entry of an Auto Mode node role, with the node access
/// policy: EKS makes it for the role of the built-in pools when it enables
/// them; this puts it back when it is missing. Returns whether it made it.
pub async fn ensure_auto_node_entry(
    aws: &Aws,
    cluster: &str,
    role_arn: &str,
    policy: &str,
) -> Result<bool> {
    if find_access_entry(aws, cluster, role_arn).await?.is_some() {
        return Ok(false);
    }
    let resource = entry_resource(cluster, role_arn);
    let created = aws
        .eks
        .create_access_entry()
        .cluster_name(cluster)
        .principal_arn(role_arn)
        .r#type("EC2")
        .send()
        .await
        .map(drop)
        .context("eks:CreateAccessEntry", &resource);
    match created {
        Err(e) if e.is_already_exists() => return Ok(false),
        other => other?,
    }
    aws.eks
        .associate_access_policy()
        .cluster_name(cluster)
        .principal_arn(role_arn)
        .policy_arn(format!(
            "arn:{}:eks::aws:cluster-access-policy/{policy}",
            aws.partition
        ))
        .access_scope(
            AccessScope::builder()
                .r#type(AccessScopeType::Cluster)
                .build(),
        )
        .send()
        .await
        .context("eks:AssociateAccessPolicy", &resource)?;
    Ok(true)
}
