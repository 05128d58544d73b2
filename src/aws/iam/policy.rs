//! IAM policies besides a role's own: customer-managed policies (with
//! their versions), and inline policies on IAM users.

use std::collections::BTreeMap;

use aws_sdk_iam::types::Tag;
use serde_json::Value as Json;

use crate::aws::tags::iam_tags;
use crate::aws::Aws;
use crate::error::{AwsContext, Error, NotFound, Result};

/// Creates a managed policy under `path` with `tags`; returns its ARN.
pub async fn create_policy(
    aws: &Aws,
    name: &str,
    path: &str,
    document: &Json,
    tags: &BTreeMap<String, String>,
    resource: &str,
) -> Result<String> {
    let out = aws
        .iam
        .create_policy()
        .policy_name(name)
        .path(path)
        .policy_document(document.to_string())
        .set_tags(Some(iam_tags(tags)))
        .send()
        .await
        .context("iam:CreatePolicy", resource)?;
    out.policy.and_then(|p| p.arn).ok_or_else(|| {
        Error::aws_message("iam:CreatePolicy", resource, "no policy in the response")
    })
}

/// Makes `document` the policy's default version.
pub async fn set_policy_document(
    aws: &Aws,
    arn: &str,
    document: &Json,
    resource: &str,
) -> Result<()> {
    aws.iam
        .create_policy_version()
        .policy_arn(arn)
        .policy_document(document.to_string())
        .set_as_default(true)
        .send()
        .await
        .context("iam:CreatePolicyVersion", resource)
        .map(drop)
}

/// Deletes the policy's other versions, then the policy (IAM refuses it
/// while they exist). A policy already gone is deleted.
pub async fn delete_policy(aws: &Aws, arn: &str) -> Result<()> {
    let versions = aws
        .iam
        .list_policy_versions()
        .policy_arn(arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListPolicyVersions", arn)
        .found()?;
    for version in versions.unwrap_or_default() {
        if version.is_default_version() {
            continue;
        }
        if let Some(id) = version.version_id() {
            aws.iam
                .delete_policy_version()
                .policy_arn(arn)
                .version_id(id)
                .send()
                .await
                .context("iam:DeletePolicyVersion", arn)
                .ignore_not_found()?;
        }
    }
    aws.iam
        .delete_policy()
        .policy_arn(arn)
        .send()
        .await
        .context("iam:DeletePolicy", arn)
        .ignore_not_found()
}

/// Puts an inline policy on an IAM user.
pub async fn put_user_policy(
    aws: &Aws,
    user: &str,
    name: &str,
    document: &Json,
    resource: &str,
) -> Result<()> {
    aws.iam
        .put_user_policy()
        .user_name(user)
        .policy_name(name)
        .policy_document(document.to_string())
        .send()
        .await
        .context("iam:PutUserPolicy", resource)
        .map(drop)
}

/// Removes an inline policy from an IAM user; one already gone is removed.
pub async fn delete_user_policy(aws: &Aws, user: &str, name: &str, resource: &str) -> Result<()> {
    aws.iam
        .delete_user_policy()
        .user_name(user)
        .policy_name(name)
        .send()
        .await
        .context("iam:DeleteUserPolicy", resource)
        .ignore_not_found()
}

/// The managed policy's tags; `None` when there is no such policy.
pub async fn policy_tags(aws: &Aws, arn: &str) -> Result<Option<Vec<Tag>>> {
    aws.iam
        .list_policy_tags()
        .policy_arn(arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListPolicyTags", arn)
        .found()
}

/// The document of an inline policy of an IAM user, as IAM gives it
/// (URL-encoded); `None` when the user or the policy is not there.
pub async fn user_policy_document(
    aws: &Aws,
    user: &str,
    name: &str,
    resource: &str,
) -> Result<Option<String>> {
    let got = aws
        .iam
        .get_user_policy()
        .user_name(user)
        .policy_name(name)
        .send()
        .await
        .context("iam:GetUserPolicy", resource)
        .found()?;
    Ok(got.map(|out| out.policy_document))
}
