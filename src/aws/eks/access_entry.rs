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
    ensure_entry(
        aws,
        cluster,
        principal,
        None,
        &cluster_admin_policy_arn(&aws.partition),
    )
    .await
    .map(drop)
}

/// Makes the principal's access entry of that type (EKS's default,
/// STANDARD, when `None`) unless it exists, and associates the access
/// policy with it, cluster-wide. Returns whether it made the entry.
async fn ensure_entry(
    aws: &Aws,
    cluster: &str,
    principal: &str,
    kind: Option<&str>,
    policy_arn: &str,
) -> Result<bool> {
    let resource = entry_resource(cluster, principal);
    let created = aws
        .eks
        .create_access_entry()
        .cluster_name(cluster)
        .principal_arn(principal)
        .set_type(kind.map(str::to_string))
        .send()
        .await
        .map(drop)
        .context("eks:CreateAccessEntry", &resource);
    let made = match created {
        Err(e) if e.is_already_exists() => false,
        other => other.map(|()| true)?,
    };
    aws.eks
        .associate_access_policy()
        .cluster_name(cluster)
        .principal_arn(principal)
        .policy_arn(policy_arn)
        .access_scope(
            AccessScope::builder()
                .r#type(AccessScopeType::Cluster)
                .build(),
        )
        .send()
        .await
        .context("eks:AssociateAccessPolicy", &resource)?;
    Ok(made)
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
    let policy_arn = format!(
        "arn:{}:eks::aws:cluster-access-policy/{policy}",
        aws.partition
    );
    ensure_entry(aws, cluster, role_arn, Some("EC2"), &policy_arn).await
}
