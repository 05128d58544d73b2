//! An EMR Studio for the platform's notebooks: its service role (and user
//! role in SSO mode), the Workspace and engine security groups, an encrypted
//! Workspace bucket, and the Studio itself. IAM documents come in from the
//! caller, so the pure document module stays their single source.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{IpPermission, IpRange, ResourceType, UserIdGroupPair};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::bucket;
use super::iam::{delete_role, retag_role};
use super::tags::{ec2_tag_spec, ec2_tags, iam_tags, removed_keys};
use super::wait::{self, Backoff};
use super::{Aws, Error};
use crate::error::{AwsContext, NotFound};
use crate::platform::naming::{self, BucketPurpose, PlatformRole, StudioGroup, EMR_MANAGED_TAG};
use crate::platform::studio::{check_studio, security_group_tags, AuthMode, GATEWAY_PORT};

/// CreateStudio tries this many times while IAM propagates new roles.
const CREATE_ATTEMPTS: u32 = 8;
/// How long a security group may stay in use by network interfaces EMR
/// releases after the Studio is gone.
const SG_RELEASE_TIMEOUT: Duration = Duration::from_secs(600);

/// What the Studio is made of. `service_policy` must grant the Workspace
/// bucket `naming::bucket(BucketPurpose::Studio, ..)` names.
pub struct StudioSpec<'a> {
    pub platform: &'a str,
    pub suffix: &'a str,
    pub name: &'a str,
    pub auth_mode: AuthMode,
    pub idc_instance_arn: Option<&'a str>,
    pub vpc_id: &'a str,
    pub subnet_ids: &'a [String],
    pub tags: &'a BTreeMap<String, String>,
    pub service_trust: Value,
    pub service_policy: Value,
    /// SSO mode only: the role users assume, its trust and inline policy.
    pub user_trust: Option<Value>,
    pub user_policy: Option<Value>,
}

/// Everything created for the Studio, filled in as each piece exists (the
/// caller keeps it in Terraform's private state).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
pub struct StudioIds {
    pub service_role: Option<String>,
    pub user_role: Option<String>,
    pub workspace_security_group: Option<String>,
    pub engine_security_group: Option<String>,
    pub workspace_bucket: Option<String>,
    /// Whether this provider created `workspace_bucket` (only then is it deleted).
    pub bucket_created: bool,
    pub studio_id: Option<String>,
    pub url: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StudioDescription {
    pub name: String,
    pub url: String,
    pub auth_mode: AuthMode,
}

fn studio_resource(name: &str) -> String {
    format!("EMR Studio \"{name}\"")
}

fn role_resource(name: &str) -> String {
    format!("IAM role \"{name}\"")
}

fn auth_mode_to_sdk(mode: AuthMode) -> aws_sdk_emr::types::AuthMode {
    match mode {
        AuthMode::Iam => aws_sdk_emr::types::AuthMode::Iam,
        AuthMode::Sso => aws_sdk_emr::types::AuthMode::Sso,
    }
}

/// TCP 18888 to or from another security group.
fn gateway_rule(group_id: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(GATEWAY_PORT)
        .to_port(GATEWAY_PORT)
        .user_id_group_pairs(UserIdGroupPair::builder().group_id(group_id).build())
        .build()
}

/// HTTPS anywhere: Workspaces reach Git repositories and AWS APIs.
fn https_out() -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build()
}

/// The allow-all egress rule EC2 gives every new group.
fn all_out() -> IpPermission {
    IpPermission::builder()
        .ip_protocol("-1")
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build()
}

/// IAM is eventually consistent: EMR may not be able to assume a role made
/// seconds ago, and says so as an invalid request about the role.
fn role_not_ready(err: &Error) -> bool {
    err.has_code("InvalidRequestException") && err.mentions("role")
}

/// EMR answers a Studio id it does not know with an invalid request.
fn studio_gone(err: &Error) -> bool {
    err.is_not_found()
        || (err.has_code("InvalidRequestException")
            && (err.mentions("does not exist") || err.mentions("not found")))
}

/// Creates the Studio and what it needs, recording each id in `ids` as soon
/// as it exists, so a failure leaves a record for [`delete`]. Start from
/// empty `ids`; after a failure, delete then create again.
pub async fn create(aws: &Aws, spec: &StudioSpec<'_>, ids: &mut StudioIds) -> Result<(), Error> {
    let has_user_role = spec.user_trust.is_some() && spec.user_policy.is_some();
    check_studio(
        spec.name,
        spec.auth_mode,
        spec.idc_instance_arn,
        spec.subnet_ids.len(),
        has_user_role,
    )
    .map_err(|why| Error::aws_message("emr:CreateStudio", studio_resource(spec.name), why))?;
    // Roles first: IAM propagates while the rest is made.
    let service_role = create_role(
        aws,
        &PlatformRole::StudioService.name(spec.platform, spec.suffix),
        (&spec.service_trust, &spec.service_policy),
        naming::STUDIO_SERVICE_POLICY,
        spec.tags,
        &mut ids.service_role,
    )
    .await?;
    let user_role = match (spec.auth_mode, &spec.user_trust, &spec.user_policy) {
        (AuthMode::Sso, Some(trust), Some(policy)) => Some(
            create_role(
                aws,
                &PlatformRole::StudioUser.name(spec.platform, spec.suffix),
                (trust, policy),
                naming::STUDIO_USER_POLICY,
                spec.tags,
                &mut ids.user_role,
            )
            .await?,
        ),
        _ => None,
    };
    tag_network_for_emr(aws, spec).await?;
    let (workspace_sg, engine_sg) = create_security_groups(aws, spec, ids).await?;
    let bucket = naming::bucket(BucketPurpose::Studio, spec.platform, spec.suffix);
    ids.workspace_bucket = Some(bucket.clone());
    bucket::create_private(aws, &bucket, spec.tags, &mut ids.bucket_created).await?;
    let request = StudioRequest {
        service_role: &service_role,
        user_role: user_role.as_deref(),
        workspace_sg: &workspace_sg,
        engine_sg: &engine_sg,
        bucket: &bucket,
    };
    let (studio_id, url) = create_studio(aws, spec, &request).await?;
    ids.studio_id = Some(studio_id);
    ids.url = Some(url);
    Ok(())
}

/// Creates a role with its trust and one inline policy; returns its ARN.
/// `created` holds the name as soon as the role exists.
async fn create_role(
    aws: &Aws,
    name: &str,
    (trust, policy): (&Value, &Value),
    policy_name: &str,
    tags: &BTreeMap<String, String>,
    created: &mut Option<String>,
) -> Result<String, Error> {
    let resource = role_resource(name);
    let role = aws
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust.to_string())
        .description("EMR Studio role of an emreks platform")
        .set_tags(Some(iam_tags(tags)))
        .send()
        .await
        .context("iam:CreateRole", &resource)?;
    *created = Some(name.to_string());
    aws.iam
        .put_role_policy()
        .role_name(name)
        .policy_name(policy_name)
        .policy_document(policy.to_string())
        .send()
        .await
        .context("iam:PutRolePolicy", &resource)?;
    role.role()
        .map(|r| r.arn().to_string())
        .ok_or_else(|| Error::aws_message("iam:CreateRole", &resource, "no role in the response"))
}

/// The service role's policy lets EMR place network interfaces only in a VPC
/// and subnets carrying the EMR tag. The tag stays on delete: other Studios
/// may share the subnets, and it grants nothing by itself.
async fn tag_network_for_emr(aws: &Aws, spec: &StudioSpec<'_>) -> Result<(), Error> {
    let tag = aws_sdk_ec2::types::Tag::builder()
        .key(EMR_MANAGED_TAG)
        .value("true")
        .build();
    let mut resources = vec![spec.vpc_id.to_string()];
    resources.extend(spec.subnet_ids.iter().cloned());
    aws.ec2
        .create_tags()
        .set_resources(Some(resources))
        .tags(tag)
        .send()
        .await
        .context("ec2:CreateTags", spec.vpc_id)?;
    Ok(())
}

/// The Workspace group may only talk to the engine group on 18888 (and
/// HTTPS out); the engine group only accepts 18888 from the Workspace group.
/// Returns the Workspace and engine group ids.
async fn create_security_groups(
    aws: &Aws,
    spec: &StudioSpec<'_>,
    ids: &mut StudioIds,
) -> Result<(String, String), Error> {
    let workspace = create_security_group(aws, spec, StudioGroup::Workspace).await?;
    ids.workspace_security_group = Some(workspace.clone());
    let engine = create_security_group(aws, spec, StudioGroup::Engine).await?;
    ids.engine_security_group = Some(engine.clone());
    aws.ec2
        .revoke_security_group_egress()
        .group_id(&workspace)
        .ip_permissions(all_out())
        .send()
        .await
        .context("ec2:RevokeSecurityGroupEgress", &workspace)?;
    aws.ec2
        .authorize_security_group_egress()
        .group_id(&workspace)
        .ip_permissions(gateway_rule(&engine))
        .ip_permissions(https_out())
        .send()
        .await
        .context("ec2:AuthorizeSecurityGroupEgress", &workspace)?;
    aws.ec2
        .authorize_security_group_ingress()
        .group_id(&engine)
        .ip_permissions(gateway_rule(&workspace))
        .send()
        .await
        .context("ec2:AuthorizeSecurityGroupIngress", &engine)?;
    Ok((workspace, engine))
}

async fn create_security_group(
    aws: &Aws,
    spec: &StudioSpec<'_>,
    group: StudioGroup,
) -> Result<String, Error> {
    let name = naming::studio_security_group(spec.platform, group, spec.suffix);
    let kind = group.as_str();
    let tags = security_group_tags(spec.tags);
    let group = aws
        .ec2
        .create_security_group()
        .group_name(&name)
        .description(format!(
            "EMR Studio {kind} of emreks platform {}",
            spec.platform
        ))
        .vpc_id(spec.vpc_id)
        .tag_specifications(ec2_tag_spec(ResourceType::SecurityGroup, &tags, &name))
        .send()
        .await
        .context("ec2:CreateSecurityGroup", &name)?;
    group.group_id().map(str::to_string).ok_or_else(|| {
        Error::aws_message(
            "ec2:CreateSecurityGroup",
            &name,
            "no group id in the response",
        )
    })
}

struct StudioRequest<'a> {
    service_role: &'a str,
    user_role: Option<&'a str>,
    workspace_sg: &'a str,
    engine_sg: &'a str,
    bucket: &'a str,
}

/// Sends CreateStudio, retrying while EMR cannot use the new roles yet;
/// returns the Studio's id and URL.
async fn create_studio(
    aws: &Aws,
    spec: &StudioSpec<'_>,
    request: &StudioRequest<'_>,
) -> Result<(String, String), Error> {
    let resource = studio_resource(spec.name);
    let tags: Vec<_> = spec
        .tags
        .iter()
        .map(|(k, v)| aws_sdk_emr::types::Tag::builder().key(k).value(v).build())
        .collect();
    let mut attempt = 0;
    loop {
        let sent = aws
            .emr
            .create_studio()
            .name(spec.name)
            .description(format!("Notebooks of emreks platform {}", spec.platform))
            .auth_mode(auth_mode_to_sdk(spec.auth_mode))
            .vpc_id(spec.vpc_id)
            .set_subnet_ids(Some(spec.subnet_ids.to_vec()))
            .service_role(request.service_role)
            .set_user_role(request.user_role.map(str::to_string))
            .workspace_security_group_id(request.workspace_sg)
            .engine_security_group_id(request.engine_sg)
            .default_s3_location(naming::studio_workspaces_location(request.bucket))
            .set_idc_instance_arn(spec.idc_instance_arn.map(str::to_string))
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .context("emr:CreateStudio", &resource);
        match sent {
            Ok(out) => {
                let id = out.studio_id().unwrap_or_default().to_string();
                let url = out.url().unwrap_or_default().to_string();
                if id.is_empty() {
                    return Err(Error::aws_message(
                        "emr:CreateStudio",
                        &resource,
                        "no Studio id in the response",
                    ));
                }
                return Ok((id, url));
            }
            Err(err) if role_not_ready(&err) && attempt + 1 < CREATE_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(Backoff::FAST.delay(attempt)).await;
            }
            Err(err) => return Err(err),
        }
    }
}

/// The Studio as EMR describes it; `None` when it is gone.
pub async fn describe(aws: &Aws, studio_id: &str) -> Result<Option<StudioDescription>, Error> {
    let sent = aws
        .emr
        .describe_studio()
        .studio_id(studio_id)
        .send()
        .await
        .context("emr:DescribeStudio", studio_resource(studio_id));
    let out = match sent {
        Ok(out) => out,
        Err(err) if studio_gone(&err) => return Ok(None),
        Err(err) => return Err(err),
    };
    let Some(studio) = out.studio() else {
        return Ok(None);
    };
    let auth_mode = match studio.auth_mode() {
        Some(aws_sdk_emr::types::AuthMode::Sso) => AuthMode::Sso,
        _ => AuthMode::Iam,
    };
    Ok(Some(StudioDescription {
        name: studio.name().unwrap_or_default().to_string(),
        url: studio.url().unwrap_or_default().to_string(),
        auth_mode,
    }))
}

/// Renames the Studio in place (UpdateStudio; the URL stays).
pub async fn rename(aws: &Aws, studio_id: &str, name: &str) -> Result<(), Error> {
    aws.emr
        .update_studio()
        .studio_id(studio_id)
        .name(name)
        .send()
        .await
        .context("emr:UpdateStudio", studio_resource(studio_id))?;
    Ok(())
}

/// Moves every tagged piece from the `old` tags to the `new` ones.
pub async fn retag(
    aws: &Aws,
    ids: &StudioIds,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), Error> {
    if let Some(studio_id) = &ids.studio_id {
        retag_studio(aws, studio_id, old, new).await?;
    }
    let groups: Vec<String> = [&ids.workspace_security_group, &ids.engine_security_group]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    if !groups.is_empty() {
        retag_security_groups(aws, &groups, old, new).await?;
    }
    if let (Some(bucket), true) = (&ids.workspace_bucket, ids.bucket_created) {
        bucket::retag(aws, bucket, new).await?;
    }
    for role in [&ids.service_role, &ids.user_role].into_iter().flatten() {
        retag_role(aws, role, old, new).await?;
    }
    Ok(())
}

async fn retag_studio(
    aws: &Aws,
    studio_id: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), Error> {
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
    let tags = new
        .iter()
        .map(|(k, v)| aws_sdk_emr::types::Tag::builder().key(k).value(v).build())
        .collect();
    aws.emr
        .add_tags()
        .resource_id(studio_id)
        .set_tags(Some(tags))
        .send()
        .await
        .context("emr:AddTags", &resource)?;
    Ok(())
}

async fn retag_security_groups(
    aws: &Aws,
    groups: &[String],
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let (old, new) = (security_group_tags(old), security_group_tags(new));
    let removed: Vec<_> = removed_keys(&old, &new)
        .into_iter()
        .map(|key| aws_sdk_ec2::types::Tag::builder().key(key).build())
        .collect();
    if !removed.is_empty() {
        aws.ec2
            .delete_tags()
            .set_resources(Some(groups.to_vec()))
            .set_tags(Some(removed))
            .send()
            .await
            .context("ec2:DeleteTags", groups.join(","))?;
    }
    aws.ec2
        .create_tags()
        .set_resources(Some(groups.to_vec()))
        .set_tags(Some(ec2_tags(&new, None)))
        .send()
        .await
        .context("ec2:CreateTags", groups.join(","))?;
    Ok(())
}

/// Deletes everything in `ids` in dependency order (Studio, security
/// groups, bucket, roles), forgetting each id once it is gone, so a retry
/// after a failure resumes where this one stopped. What is already gone is done.
pub async fn delete(aws: &Aws, ids: &mut StudioIds) -> Result<(), Error> {
    if let Some(studio_id) = ids.studio_id.clone() {
        delete_studio(aws, &studio_id).await?;
        ids.studio_id = None;
        ids.url = None;
    }
    if let (Some(workspace), Some(engine)) = (
        ids.workspace_security_group.clone(),
        ids.engine_security_group.clone(),
    ) {
        unlink_security_groups(aws, &workspace, &engine).await?;
    }
    for slot in [
        &mut ids.workspace_security_group,
        &mut ids.engine_security_group,
    ] {
        if let Some(group) = slot.clone() {
            delete_security_group(aws, &group).await?;
            *slot = None;
        }
    }
    if let Some(name) = ids.workspace_bucket.clone() {
        // A bucket this provider did not create (the name was taken) is not ours to empty.
        if ids.bucket_created {
            bucket::delete_all(aws, &name).await?;
        }
        ids.workspace_bucket = None;
        ids.bucket_created = false;
    }
    for slot in [&mut ids.user_role, &mut ids.service_role] {
        if let Some(role) = slot.clone() {
            delete_role(aws, &role).await?;
            *slot = None;
        }
    }
    Ok(())
}

async fn delete_studio(aws: &Aws, studio_id: &str) -> Result<(), Error> {
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

/// A rule that is already gone, or whose group is, needs no revoking.
fn ignore_missing_rule(result: Result<(), Error>) -> Result<(), Error> {
    match result {
        Err(err) if err.has_code("InvalidPermission.NotFound") => Ok(()),
        other => other.ignore_not_found(),
    }
}

/// Each group's rules name the other group, and EC2 refuses deleting a group
/// another group's rules still reference: revoke those rules first.
async fn unlink_security_groups(aws: &Aws, workspace: &str, engine: &str) -> Result<(), Error> {
    ignore_missing_rule(
        aws.ec2
            .revoke_security_group_ingress()
            .group_id(engine)
            .ip_permissions(gateway_rule(workspace))
            .send()
            .await
            .map(|_| ())
            .context("ec2:RevokeSecurityGroupIngress", engine),
    )?;
    ignore_missing_rule(
        aws.ec2
            .revoke_security_group_egress()
            .group_id(workspace)
            .ip_permissions(gateway_rule(engine))
            .send()
            .await
            .map(|_| ())
            .context("ec2:RevokeSecurityGroupEgress", workspace),
    )
}

/// Deletes the group, waiting while network interfaces EMR made for
/// Workspaces still use it (they go some time after the Studio).
async fn delete_security_group(aws: &Aws, group: &str) -> Result<(), Error> {
    let op = "ec2:DeleteSecurityGroup";
    wait::delete_when_released(op, group, SG_RELEASE_TIMEOUT, || async {
        aws.ec2
            .delete_security_group()
            .group_id(group)
            .send()
            .await
            .map(|_| ())
            .context(op, group)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_rule_names_the_other_group_on_18888_only() {
        let rule = gateway_rule("sg-1");
        assert_eq!(rule.ip_protocol(), Some("tcp"));
        assert_eq!(
            (rule.from_port(), rule.to_port()),
            (Some(18888), Some(18888))
        );
        assert_eq!(rule.user_id_group_pairs()[0].group_id(), Some("sg-1"));
        assert!(rule.ip_ranges().is_empty());
        assert_eq!(https_out().from_port(), Some(443));
    }

    fn error(code: &str, message: &str) -> Error {
        Error::aws_coded("emr:CreateStudio", "s", code, message)
    }

    #[test]
    fn a_role_refusal_is_retried_and_a_missing_studio_is_gone() {
        assert!(role_not_ready(&error(
            "InvalidRequestException",
            "Unable to assume the service role"
        )));
        assert!(!role_not_ready(&error(
            "InvalidRequestException",
            "bad subnet"
        )));
        assert!(studio_gone(&error(
            "InvalidRequestException",
            "Studio es-1 does not exist."
        )));
        assert!(!studio_gone(&error("InvalidRequestException", "bad id")));
    }

    #[test]
    fn ids_survive_private_state() {
        let ids = StudioIds {
            service_role: Some("r".into()),
            bucket_created: true,
            ..Default::default()
        };
        let text = serde_json::to_string(&ids).unwrap();
        assert_eq!(serde_json::from_str::<StudioIds>(&text).unwrap(), ids);
        assert_eq!(
            serde_json::from_str::<StudioIds>("{}").unwrap(),
            StudioIds::default()
        );
    }
}
