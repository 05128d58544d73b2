//! The EMR Studio itself: create (again while IAM propagates its new
//! roles), find, list, rename, retag and delete. The roles, security groups
//! and bucket it needs are made by their own modules, in the caller's order.

use std::collections::BTreeMap;

use aws_sdk_emr::types::{AuthMode, Studio, StudioSummary};

use crate::aws::tags::{emr_tags, removed_keys};
use crate::aws::{retry, Aws};
use crate::error::{AwsContext, Error, Result};

/// CreateStudio is sent this many times while IAM propagates new roles.
const CREATE_TRIES: u32 = 8;

fn studio_resource(name: &str) -> String {
    format!("EMR Studio \"{name}\"")
}

pub struct StudioRequest<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub auth_mode: AuthMode,
    pub idc_instance_arn: Option<&'a str>,
    pub vpc_id: &'a str,
    pub subnet_ids: &'a [String],
    pub service_role_arn: &'a str,
    /// The role users assume, in IAM Identity Center mode.
    pub user_role_arn: Option<&'a str>,
    pub workspace_security_group: &'a str,
    pub engine_security_group: &'a str,
    pub default_s3_location: &'a str,
    pub tags: &'a BTreeMap<String, String>,
}

/// Sends CreateStudio, again while EMR cannot use the new roles yet;
/// returns the Studio's id and URL.
pub async fn create_studio(aws: &Aws, request: &StudioRequest<'_>) -> Result<(String, String)> {
    let resource = studio_resource(request.name);
    let out = retry::while_role_propagates(CREATE_TRIES, "InvalidRequestException", || async {
        aws.emr
            .create_studio()
            .name(request.name)
            .description(request.description)
            .auth_mode(request.auth_mode.clone())
            .vpc_id(request.vpc_id)
            .set_subnet_ids(Some(request.subnet_ids.to_vec()))
            .service_role(request.service_role_arn)
            .set_user_role(request.user_role_arn.map(str::to_string))
            .workspace_security_group_id(request.workspace_security_group)
            .engine_security_group_id(request.engine_security_group)
            .default_s3_location(request.default_s3_location)
            .set_idc_instance_arn(request.idc_instance_arn.map(str::to_string))
            .set_tags(Some(emr_tags(request.tags)))
            .send()
            .await
            .context("emr:CreateStudio", &resource)
    })
    .await?;
    let id = out.studio_id().unwrap_or_default().to_string();
    if id.is_empty() {
        return Err(Error::aws_message(
            "emr:CreateStudio",
            &resource,
            "no Studio id in the response",
        ));
    }
    Ok((id, out.url().unwrap_or_default().to_string()))
}

/// EMR answers a Studio id it does not know with an invalid request.
fn studio_gone(err: &Error) -> bool {
    err.is_not_found()
        || (err.has_code("InvalidRequestException")
            && (err.mentions("does not exist") || err.mentions("not found")))
}

/// The Studio as EMR describes it; `None` when it is gone.
pub async fn find_studio(aws: &Aws, studio_id: &str) -> Result<Option<Studio>> {
    let described = aws
        .emr
        .describe_studio()
        .studio_id(studio_id)
        .send()
        .await
        .context("emr:DescribeStudio", studio_resource(studio_id));
    match described {
        Ok(out) => Ok(out.studio),
        Err(err) if studio_gone(&err) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Every Studio of the account and region.
pub async fn list_studios(aws: &Aws, what: &str) -> Result<Vec<StudioSummary>> {
    aws.emr
        .list_studios()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("elasticmapreduce:ListStudios", what)
}

/// Renames the Studio in place (UpdateStudio; the URL stays).
pub async fn rename_studio(aws: &Aws, studio_id: &str, name: &str) -> Result<()> {
    aws.emr
        .update_studio()
        .studio_id(studio_id)
        .name(name)
        .send()
        .await
        .context("emr:UpdateStudio", studio_resource(studio_id))
        .map(drop)
}

/// Moves the Studio from the `old` tags to the `new` ones.
pub async fn retag_studio(
    aws: &Aws,
    studio_id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<()> {
    let resource = studio_resource(studio_id);
    let removed = removed_keys(old, new);
    if !removed.is_empty() {
        aws.emr
            .remove_tags()
            .resource_id(studio_id)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .context("emr:RemoveTags", &resource)?;
    }
    aws.emr
        .add_tags()
        .resource_id(studio_id)
        .set_tags(Some(emr_tags(new)))
        .send()
        .await
        .context("emr:AddTags", &resource)
        .map(drop)
}

/// Deletes the Studio; one already gone is deleted.
pub async fn delete_studio(aws: &Aws, studio_id: &str) -> Result<()> {
    let deleted = aws
        .emr
        .delete_studio()
        .studio_id(studio_id)
        .send()
        .await
        .context("emr:DeleteStudio", studio_resource(studio_id));
    match deleted {
        Err(err) if !studio_gone(&err) => Err(err),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: &str, message: &str) -> Error {
        Error::aws_coded("emr:CreateStudio", "s", code, message)
    }

    #[test]
    fn a_role_refusal_is_retried_and_a_missing_studio_is_gone() {
        let refused = error(
            "InvalidRequestException",
            "Unable to assume the service role",
        );
        assert!(refused.has_code("InvalidRequestException") && refused.mentions("role"));
        assert!(!error("InvalidRequestException", "bad subnet").mentions("role"));
        assert!(studio_gone(&error(
            "InvalidRequestException",
            "Studio es-1 does not exist."
        )));
        assert!(!studio_gone(&error("InvalidRequestException", "bad id")));
    }
}
