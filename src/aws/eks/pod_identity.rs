//! EKS Pod Identity associations: a Kubernetes service account linked to
//! an IAM role.

use std::collections::BTreeMap;

use crate::aws::tags::hash_map;
use crate::aws::Aws;
use crate::error::{AwsContext, Error, NotFound, Result};

/// Links the service account to the role, reusing an association that
/// exists for it; returns its id.
pub async fn ensure_pod_identity(
    aws: &Aws,
    cluster: &str,
    namespace: &str,
    service_account: &str,
    role_arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String> {
    let resource =
        format!("pod identity of {namespace}/{service_account} on EKS cluster \"{cluster}\"");
    let existing = aws
        .eks
        .list_pod_identity_associations()
        .cluster_name(cluster)
        .namespace(namespace)
        .service_account(service_account)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("eks:ListPodIdentityAssociations", &resource)?;
    if let Some(id) = existing.first().and_then(|a| a.association_id()) {
        aws.eks
            .update_pod_identity_association()
            .cluster_name(cluster)
            .association_id(id)
            .role_arn(role_arn)
            .send()
            .await
            .context("eks:UpdatePodIdentityAssociation", &resource)?;
        return Ok(id.to_string());
    }
    let created = aws
        .eks
        .create_pod_identity_association()
        .cluster_name(cluster)
        .namespace(namespace)
        .service_account(service_account)
        .role_arn(role_arn)
        .set_tags(Some(hash_map(tags)))
        .send()
        .await
        .context("eks:CreatePodIdentityAssociation", &resource)?;
    created
        .association
        .and_then(|a| a.association_id)
        .ok_or_else(|| {
            Error::aws_message(
                "eks:CreatePodIdentityAssociation",
                &resource,
                "no association id in the response",
            )
        })
}

/// Removes the association; one already gone is removed.
pub async fn delete_pod_identity(aws: &Aws, cluster: &str, association_id: &str) -> Result<()> {
    aws.eks
        .delete_pod_identity_association()
        .cluster_name(cluster)
        .association_id(association_id)
        .send()
        .await
        .context(
            "eks:DeletePodIdentityAssociation",
            format!("association {association_id} on EKS cluster \"{cluster}\""),
        )
        .ignore_not_found()
}
