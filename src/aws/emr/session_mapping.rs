//! Studio session mappings: an IAM Identity Center user or group allowed
//! into the Studio under a session policy: create, find, update, delete.

use aws_sdk_emr::types::IdentityType;

use crate::aws::Aws;
use crate::error::{AwsContext, Error, NotFound, Result};

/// EMR answers a mapping (or Studio) it does not know with an invalid request.
fn mapping_gone(err: &Error) -> bool {
    err.is_not_found()
        || (err.has_code("InvalidRequestException")
            && (err.mentions("does not exist") || err.mentions("not found")))
}

/// The session policy ARN of the identity's mapping; `None` when the
/// identity has no mapping in the Studio (or the Studio is gone).
pub async fn find_session_mapping(
    aws: &Aws,
    studio_id: &str,
    identity_name: &str,
    identity_type: &str,
    resource: &str,
) -> Result<Option<String>> {
    let got = aws
        .emr
        .get_studio_session_mapping()
        .studio_id(studio_id)
        .identity_name(identity_name)
        .identity_type(IdentityType::from(identity_type))
        .send()
        .await
        .context("elasticmapreduce:GetStudioSessionMapping", resource);
    match got {
        Ok(out) => Ok(Some(
            out.session_mapping
                .and_then(|m| m.session_policy_arn)
                .unwrap_or_default(),
        )),
        Err(err) if mapping_gone(&err) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The Studio's session mappings: (identity name, identity type, session
/// policy ARN) each; none when the Studio is gone.
pub async fn list_session_mappings(
    aws: &Aws,
    studio_id: &str,
    resource: &str,
) -> Result<Vec<(String, String, String)>> {
    let listed = aws
        .emr
        .list_studio_session_mappings()
        .studio_id(studio_id)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .context("elasticmapreduce:ListStudioSessionMappings", resource);
    let mappings = match listed {
        Ok(mappings) => mappings,
        Err(err) if mapping_gone(&err) => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    Ok(mappings
        .into_iter()
        .filter_map(|m| {
            Some((
                m.identity_name()?.to_string(),
                m.identity_type()?.as_str().to_string(),
                m.session_policy_arn().unwrap_or_default().to_string(),
            ))
        })
        .collect())
}

/// Points the identity's mapping at another session policy.
pub async fn update_session_mapping(
    aws: &Aws,
    studio_id: &str,
    identity_name: &str,
    identity_type: &str,
    session_policy_arn: &str,
    resource: &str,
) -> Result<()> {
    aws.emr
        .update_studio_session_mapping()
        .studio_id(studio_id)
        .identity_name(identity_name)
        .identity_type(IdentityType::from(identity_type))
        .session_policy_arn(session_policy_arn)
        .send()
        .await
        .context("elasticmapreduce:UpdateStudioSessionMapping", resource)
        .map(drop)
}

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
