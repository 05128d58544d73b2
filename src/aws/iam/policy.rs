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

/// IAM keeps at most this many versions of a managed policy and refuses a
/// new one beyond it (`LimitExceeded`).
pub const MAX_POLICY_VERSIONS: usize = 5;

/// Makes `document` the policy's default version. Nothing is written when
/// the default version already holds it (an apply that changes nothing must
/// not use up versions); at IAM's limit the oldest non-default version is
/// deleted first, so any number of updates fits.
pub async fn set_policy_document(
    aws: &Aws,
    arn: &str,
    document: &Json,
    resource: &str,
) -> Result<()> {
    let versions = aws
        .iam
        .list_policy_versions()
        .policy_arn(arn)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListPolicyVersions", resource)?;
    if let Some(id) = versions
        .iter()
        .find(|v| v.is_default_version())
        .and_then(|v| v.version_id())
    {
        let current = aws
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(id)
            .send()
            .await
            .context("iam:GetPolicyVersion", resource)?;
        let stored = current.policy_version().and_then(|v| v.document());
        if stored.and_then(parse_policy_document).as_ref() == Some(document) {
            return Ok(());
        }
    }
    if versions.len() >= MAX_POLICY_VERSIONS {
        let oldest = versions
            .iter()
            .filter(|v| !v.is_default_version())
            .filter_map(|v| {
                let id = v.version_id()?;
                let created = v.create_date().map(|d| (d.secs(), d.subsec_nanos()));
                Some((created, version_number(id), id))
            })
            .min();
        if let Some((_, _, id)) = oldest {
            aws.iam
                .delete_policy_version()
                .policy_arn(arn)
                .version_id(id)
                .send()
                .await
                .context("iam:DeletePolicyVersion", resource)
                .ignore_not_found()?;
        }
    }
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

/// A policy document as IAM returns it: URL-encoded JSON (RFC 3986).
/// `None` when it is neither JSON nor encoded JSON, which then counts as
/// different from any document the provider writes.
fn parse_policy_document(stored: &str) -> Option<Json> {
    if let Ok(json) = serde_json::from_str(stored) {
        return Some(json);
    }
    let decoded = percent_encoding::percent_decode_str(stored)
        .decode_utf8()
        .ok()?;
    serde_json::from_str(&decoded).ok()
}

/// The number of an IAM policy version id (`v3` → 3), to order versions
/// created within the same instant.
fn version_number(id: &str) -> Option<u64> {
    id.strip_prefix('v')?.parse().ok()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_documents_are_read_encoded_or_not() {
        let document = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/a b"}]});
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Ab%2Fa%20b%22%7D%5D%7D";
        assert_eq!(parse_policy_document(encoded), Some(document.clone()));
        assert_eq!(parse_policy_document(&document.to_string()), Some(document));
        assert_eq!(parse_policy_document("%7Bnot json"), None);
    }

    #[test]
    fn version_numbers() {
        assert_eq!(version_number("v12"), Some(12));
        assert_eq!(version_number("12"), None);
    }
}
