//! The IAM OIDC provider of a cluster's issuer, for IAM roles for service
//! accounts. Its ARN follows from the issuer; the caller makes it.

use std::collections::BTreeMap;

use crate::aws::tags::iam_tags;
use crate::aws::Aws;
use crate::error::{AwsContext, NotFound, Result};

fn provider_resource(issuer_url: &str) -> String {
    format!("IAM OIDC provider {issuer_url}")
}

/// Whether the provider of that ARN exists.
pub async fn oidc_provider_exists(aws: &Aws, arn: &str, issuer_url: &str) -> Result<bool> {
    let found = aws
        .iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(arn)
        .send()
        .await
        .context(
            "iam:GetOpenIDConnectProvider",
            provider_resource(issuer_url),
        )
        .found()?;
    Ok(found.is_some())
}

/// Makes the issuer's provider unless `arn` exists; returns its ARN.
pub async fn ensure_oidc_provider(
    aws: &Aws,
    arn: &str,
    issuer_url: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String> {
    if oidc_provider_exists(aws, arn, issuer_url).await? {
        return Ok(arn.to_string());
    }
    // IAM verifies EKS issuers through its own trusted CAs: no thumbprint needed.
    let created = aws
        .iam
        .create_open_id_connect_provider()
        .url(issuer_url)
        .client_id_list("sts.amazonaws.com")
        .set_tags(Some(iam_tags(tags)))
        .send()
        .await
        .context(
            "iam:CreateOpenIDConnectProvider",
            provider_resource(issuer_url),
        )?;
    Ok(created
        .open_id_connect_provider_arn
        .unwrap_or_else(|| arn.to_string()))
}

/// Deletes the provider; one already gone is deleted.
pub async fn delete_oidc_provider(aws: &Aws, arn: &str) -> Result<()> {
    aws.iam
        .delete_open_id_connect_provider()
        .open_id_connect_provider_arn(arn)
        .send()
        .await
        .context("iam:DeleteOpenIDConnectProvider", arn)
        .ignore_not_found()
}
