//! Who the platform's pods are: the cluster's IAM OIDC provider, the job
//! execution roles, and EKS Pod Identity associations.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::aws::tags::iam_tags;
use crate::aws::{Aws, Error};
use crate::error::{AwsContext, NotFound};
use crate::platform::naming;

/// The ARN of the issuer's IAM OIDC provider, if there is one.
pub async fn existing_oidc_provider(aws: &Aws, issuer_url: &str) -> Result<Option<String>, Error> {
    let account = aws.account_id().await?;
    let arn = naming::oidc_provider_arn(&aws.partition, account, issuer_url);
    let existing = aws
        .iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .context(
            "iam:GetOpenIDConnectProvider",
            format!("IAM OIDC provider {issuer_url}"),
        )
        .found()?;
    Ok(existing.map(|_| arn))
}

/// Creates the cluster's IAM OIDC provider (for IAM roles for service
/// accounts) unless it exists; returns its ARN and whether this call made it.
pub async fn ensure_oidc_provider(
    aws: &Aws,
    issuer_url: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(String, bool), Error> {
    if let Some(arn) = existing_oidc_provider(aws, issuer_url).await? {
        return Ok((arn, false));
    }
    let account = aws.account_id().await?;
    let arn = naming::oidc_provider_arn(&aws.partition, account, issuer_url);
    let resource = format!("IAM OIDC provider {issuer_url}");
    // IAM verifies EKS issuers through its own trusted CAs: no thumbprint needed.
    let created = aws
        .iam
        .create_open_id_connect_provider()
        .url(issuer_url)
        .client_id_list("sts.amazonaws.com")
        .set_tags(Some(iam_tags(tags)))
        .send()
        .await
        .context("iam:CreateOpenIDConnectProvider", &resource)?;
    Ok((created.open_id_connect_provider_arn.unwrap_or(arn), true))
}

pub async fn delete_oidc_provider(aws: &Aws, arn: &str) -> Result<(), Error> {
    aws.iam
        .delete_open_id_connect_provider()
        .open_id_connect_provider_arn(arn)
        .send()
        .await
        .map(|_| ())
        .context("iam:DeleteOpenIDConnectProvider", arn)
        .ignore_not_found()
}

/// A role with a trust policy, a baseline inline policy and maybe the user's.
pub struct RoleSpec<'a> {
    /// The platform, whose IAM path the role goes under.
    pub platform: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub trust: &'a Json,
    pub baseline: &'a Json,
    pub user_policy: Option<&'a Json>,
    pub tags: &'a BTreeMap<String, String>,
}

/// Creates or updates a role so that it has exactly this trust and these
/// inline policies (the baseline, and the user's when given). Returns its ARN.
pub async fn ensure_role(
    aws: &Aws,
    spec: &RoleSpec<'_>,
    created: &mut bool,
) -> Result<String, Error> {
    let RoleSpec {
        platform,
        name: role_name,
        description,
        trust,
        baseline,
        user_policy,
        tags,
    } = *spec;
    let resource = format!("IAM role \"{role_name}\"");
    let trust = trust.to_string();
    let existing = aws
        .iam
        .get_role()
        .role_name(role_name)
        .send()
        .await
        .context("iam:GetRole", &resource)
        .found()?;
    let arn = match existing.and_then(|out| out.role) {
        Some(role) => {
            aws.iam
                .update_assume_role_policy()
                .role_name(role_name)
                .policy_document(&trust)
                .send()
                .await
                .context("iam:UpdateAssumeRolePolicy", &resource)?;
            // Tags may have changed since (default_tags, the platform's tags).
            aws.iam
                .tag_role()
                .role_name(role_name)
                .set_tags(Some(iam_tags(tags)))
                .send()
                .await
                .context("iam:TagRole", &resource)?;
            role.arn
        }
        None => {
            let out = aws
                .iam
                .create_role()
                .role_name(role_name)
                .path(naming::iam_path(platform))
                .assume_role_policy_document(&trust)
                .description(description)
                .set_tags(Some(iam_tags(tags)))
                .send()
                .await
                .context("iam:CreateRole", &resource)?;
            *created = true;
            out.role.map(|r| r.arn).ok_or_else(|| {
                Error::aws_message("iam:CreateRole", &resource, "no role in the response")
            })?
        }
    };
    put_policy(aws, role_name, naming::BASELINE_POLICY, baseline).await?;
    match user_policy {
        Some(policy) => put_policy(aws, role_name, naming::USER_POLICY, policy).await?,
        None => aws
            .iam
            .delete_role_policy()
            .role_name(role_name)
            .policy_name(naming::USER_POLICY)
            .send()
            .await
            .map(|_| ())
            .context("iam:DeleteRolePolicy", &resource)
            .ignore_not_found()?,
    }
    Ok(arn)
}

async fn put_policy(aws: &Aws, role_name: &str, name: &str, document: &Json) -> Result<(), Error> {
    aws.iam
        .put_role_policy()
        .role_name(role_name)
        .policy_name(name)
        .policy_document(document.to_string())
        .send()
        .await
        .map(|_| ())
        .context("iam:PutRolePolicy", format!("IAM role \"{role_name}\""))
}

/// The role's ARN, or `None` when it is gone.
pub async fn role_arn(aws: &Aws, role_name: &str) -> Result<Option<String>, Error> {
    let out = aws
        .iam
        .get_role()
        .role_name(role_name)
        .send()
        .await
        .context("iam:GetRole", format!("IAM role \"{role_name}\""))
        .found()?;
    Ok(out.and_then(|o| o.role).map(|r| r.arn))
}

/// Links a Kubernetes service account to an IAM role through EKS Pod
/// Identity, reusing an association that exists; returns its id.
pub async fn ensure_pod_identity(
    aws: &Aws,
    cluster: &str,
    namespace: &str,
    service_account: &str,
    role_arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, Error> {
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
        .set_tags(Some(tags.clone().into_iter().collect()))
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

pub async fn delete_pod_identity(
    aws: &Aws,
    cluster: &str,
    association_id: &str,
) -> Result<(), Error> {
    aws.eks
        .delete_pod_identity_association()
        .cluster_name(cluster)
        .association_id(association_id)
        .send()
        .await
        .map(|_| ())
        .context(
            "eks:DeletePodIdentityAssociation",
            format!("association {association_id} on EKS cluster \"{cluster}\""),
        )
        .ignore_not_found()
}
