//! Studio session mappings: an IAM Identity Center user or group allowed
//! into the Studio under a session policy.

use aws_sdk_emr::types::IdentityType;

use crate::aws::Aws;
use crate::error::{AwsContext, NotFound, Result};

pub async fn create_session_mapping(
    aws: &Aws,
    studio_id: &str,
    identity_name: &str,
    identity_type: &str,
    session_policy_arn: &str,
    resource: &str,
) -> Result<()> {
    aws.emr
        .create_studio_session_mapping()
        .studio_id(studio_id)
        .identity_name(identity_name)
        .identity_type(IdentityType::from(identity_type))
        .session_policy_arn(session_policy_arn)
        .send()
        .await
        .context("elasticmapreduce:CreateStudioSessionMapping", resource)
        .map(drop)
}

/// Removes the mapping; one already gone, or a Studio that is, is removed.
pub async fn delete_session_mapping(
    aws: &Aws,
    studio_id: &str,
    identity_name: &str,
    identity_type: &str,
    resource: &str,
) -> Result<()> {
    let unmapped = aws
        .emr
        .delete_studio_session_mapping()
        .studio_id(studio_id)
        .identity_name(identity_name)
        .identity_type(IdentityType::from(identity_type))
        .send()
        .await
        .map(drop)
        .context("elasticmapreduce:DeleteStudioSessionMapping", resource);
    match unmapped {
        Err(e) if e.has_code("InvalidRequestException") => Ok(()),
        other => other.ignore_not_found(),
    }
}
