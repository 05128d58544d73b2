//! The Studio step: an EMR Studio for the platform's notebooks with its
//! service role (and user role in SSO mode), the EMR tag on the network,
//! the Workspace and engine security groups, an encrypted Workspace
//! bucket, and the Studio itself, each recorded as it comes to exist;
//! renamed in place, remade when its sign-in changes, retagged, and
//! deleted in dependency order.

use std::collections::BTreeMap;
use std::time::Duration;

use super::super::private::StudioIds;
use super::super::schema::StudioSpec;
use super::Context;
use crate::aws::ec2::security_group::{self, everything_anywhere, https_anywhere, port_from_group};
use crate::aws::ec2::tags as ec2_tags;
use crate::aws::emr::studio::{self as emr_studio, StudioRequest};
use crate::aws::iam::role::{self, RoleSpec};
use crate::aws::s3::bucket;
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::iam_documents;
use crate::platform::naming::{
    self, BucketPurpose, Owner, PlatformRole, StudioGroup, EMR_MANAGED_TAG,
};
use crate::platform::studio::{self, check_studio, security_group_tags, AuthMode, GATEWAY_PORT};

/// How long a security group may stay in use by network interfaces EMR
/// releases after the Studio is gone.
const SG_RELEASE_TIMEOUT: Duration = Duration::from_secs(600);

/// The Studio as configured: made when missing, renamed in place, replaced
/// when its sign-in changes or it was deleted outside Terraform, deleted
/// when the block goes. A replacement remakes the Studio alone: the
/// Workspace bucket (the users' notebooks), the roles and the security
/// groups (which users' endpoints open their gateways to) stay.
pub async fn ensure_studio(
    ctx: &Context<'_>,
    vpc_id: &str,
    subnet_ids: &[String],
    recorded: &mut Option<StudioIds>,
) -> Result<()> {
    let aws = ctx.aws;
    let Some(config) = ctx.spec.studio.as_ref() else {
        if let Some(ids) = recorded.as_mut() {
            delete(aws, ids).await?;
            *recorded = None;
        }
        return Ok(());
    };
    let ids = recorded.get_or_insert_with(Default::default);
    if let Some(id) = ids.studio_id.clone() {
        match emr_studio::find_studio(aws, &id).await? {
            Some(running) if auth_mode_of(&running) == config.auth_mode => {
                if running.name().unwrap_or_default() != config.name {
                    emr_studio::rename_studio(aws, &id, &config.name).await?;
                }
                // Workspace buckets made before versioning was on get it here.
                if let (Some(name), true) = (&ids.workspace_bucket, ids.bucket_created) {
                    bucket::enable_versioning(aws, name).await?;
                }
                return Ok(());
            }
            // EMR cannot change a Studio's sign-in in place.
            Some(_) => emr_studio::delete_studio(aws, &id).await?,
            // Deleted outside Terraform: made again below.
            None => {}
        }
        ids.studio_id = None;
        ids.url = None;
    }
    if config.auth_mode != AuthMode::Sso {
        // Only SSO Studios have users assume a role.
        if let Some(name) = ids.user_role.clone() {
            role::delete_role(aws, &name).await?;
            ids.user_role = None;
        }
    }
    create(ctx, config, vpc_id, subnet_ids, ids).await
}

/// How a running Studio signs users in.
pub fn auth_mode_of(studio: &aws_sdk_emr::types::Studio) -> AuthMode {
    match studio.auth_mode() {
        Some(aws_sdk_emr::types::AuthMode::Sso) => AuthMode::Sso,
        _ => AuthMode::Iam,
    }
}

fn auth_mode_to_sdk(mode: AuthMode) -> aws_sdk_emr::types::AuthMode {
    match mode {
        AuthMode::Iam => aws_sdk_emr::types::AuthMode::Iam,
        AuthMode::Sso => aws_sdk_emr::types::AuthMode::Sso,
    }
}

/// Creates the Studio and what it needs, recording each id in `ids` as soon
/// as it exists, so a failure leaves a record for [`delete`]. What `ids`
/// records already (a create cut short, a Studio being replaced) is
/// reused: the roles are brought to the spec, the security groups keep
/// their ids, and the Workspace bucket keeps its objects.
async fn create(
    ctx: &Context<'_>,
    config: &StudioSpec,
    vpc_id: &str,
    subnet_ids: &[String],
    ids: &mut StudioIds,
) -> Result<()> {
    let (aws, platform, suffix, tags) = (ctx.aws, ctx.cluster(), ctx.suffix, &ctx.spec.tags);
    let sso = config.auth_mode == AuthMode::Sso;
    check_studio(
        &config.name,
        config.auth_mode,
        config.idc_instance_arn.as_deref(),
        subnet_ids.len(),
        true,
    )
    .map_err(|why| {
        Error::aws_message(
            "emr:CreateStudio",
            format!("EMR Studio \"{}\"", config.name),
            why,
        )
    })?;
    let account = aws.account_id().await?.to_string();
    let bucket_name = naming::bucket(BucketPurpose::Studio, platform, suffix);
    // Roles first: IAM propagates while the rest is made.
    let service_role = ensure_studio_role(
        aws,
        &PlatformRole::StudioService.name(platform, suffix),
        &studio::studio_service_role_trust(&aws.partition, &aws.region, &account),
        (
            naming::STUDIO_SERVICE_POLICY,
            &studio::studio_service_policy(&aws.partition, &bucket_name),
        ),
        tags,
        ctx.owner,
        &mut ids.service_role,
    )
    .await?;
    let user_role = if sso {
        Some(
            ensure_studio_role(
                aws,
                &PlatformRole::StudioUser.name(platform, suffix),
                &studio::studio_user_role_trust(&aws.partition, &aws.region, &account),
                (naming::STUDIO_USER_POLICY, &studio::studio_user_policy()),
                tags,
                ctx.owner,
                &mut ids.user_role,
            )
            .await?,
        )
    } else {
        None
    };
    // The service role's policy lets EMR place network interfaces only in a
    // VPC and subnets carrying the EMR tag. The tag stays on delete: other
    // Studios may share the subnets, and it grants nothing by itself.
    let mut network: Vec<String> = vec![vpc_id.to_string()];
    network.extend(subnet_ids.iter().cloned());
    let emr_tag = BTreeMap::from([(EMR_MANAGED_TAG.to_string(), "true".to_string())]);
    ec2_tags::add_tags(aws, network, &emr_tag, vpc_id).await?;
    let (workspace_sg, engine_sg) = security_groups(ctx, vpc_id, ids).await?;
    ids.workspace_bucket = Some(bucket_name.clone());
    if ids.bucket_created && bucket::bucket_exists(aws, &bucket_name).await? {
        bucket::enable_versioning(aws, &bucket_name).await?;
    } else {
        let policy = iam_documents::tls_only_bucket_policy(&aws.partition, &bucket_name);
        // Versioned: a notebook overwritten or deleted by mistake can be
        // brought back, and no Studio change ever takes the bucket with it.
        bucket::create_private(
            aws,
            &bucket_name,
            tags,
            &policy,
            bucket::Versioning::On,
            &mut ids.bucket_created,
        )
        .await?;
    }
    let description = format!("Notebooks of emreks platform {platform}");
    let location = naming::studio_workspaces_location(&bucket_name);
    let (studio_id, url) = emr_studio::create_studio(
        aws,
        &StudioRequest {
            name: &config.name,
            description: &description,
            auth_mode: auth_mode_to_sdk(config.auth_mode),
            idc_instance_arn: config.idc_instance_arn.as_deref(),
            vpc_id,
            subnet_ids,
            service_role_arn: &service_role,
            user_role_arn: user_role.as_deref(),
            workspace_security_group: &workspace_sg,
            engine_security_group: &engine_sg,
            default_s3_location: &location,
            tags,
        },
    )
    .await?;
    ids.studio_id = Some(studio_id);
    ids.url = Some(url);
    Ok(())
}

/// A Studio role with its trust and one inline policy; returns its ARN.
async fn ensure_studio_role(
    aws: &Aws,
    name: &str,
    trust: &serde_json::Value,
    (policy_name, policy): (&str, &serde_json::Value),
    tags: &BTreeMap<String, String>,
    owner: &Owner,
    recorded: &mut Option<String>,
) -> Result<String> {
    role::ensure_role(
        aws,
        &RoleSpec {
            name,
            path: None,
            description: "EMR Studio role of an emreks platform",
            trust,
            tags,
            owner,
            managed_policies: &[],
            inline_policies: &[(policy_name, Some(policy))],
        },
        recorded,
    )
    .await
}

/// The Workspace and engine group ids: the recorded ones when both were
/// made, else new ones (after deleting a lone one a failed create left).
/// Their rules are (re)applied either way, each one idempotent.
async fn security_groups(
    ctx: &Context<'_>,
    vpc_id: &str,
    ids: &mut StudioIds,
) -> Result<(String, String)> {
    let (workspace, engine) = match (
        ids.workspace_security_group.clone(),
        ids.engine_security_group.clone(),
    ) {
        (Some(workspace), Some(engine)) => (workspace, engine),
        _ => {
            delete_security_groups(ctx.aws, ids).await?;
            create_security_groups(ctx, vpc_id, ids).await?
        }
    };
    let aws = ctx.aws;
    security_group::revoke_egress(aws, &workspace, everything_anywhere()).await?;
    // Workspaces reach the engine, Git repositories and AWS APIs.
    for rule in [port_from_group(GATEWAY_PORT, &engine), https_anywhere()] {
        security_group::authorize_egress(aws, &workspace, rule).await?;
    }
    security_group::authorize_ingress(aws, &engine, port_from_group(GATEWAY_PORT, &workspace))
        .await?;
    Ok((workspace, engine))
}

/// The Workspace group may only talk to the engine group on the gateway
/// port (and HTTPS out); the engine group only accepts the gateway port
/// from the Workspace group. Returns the Workspace and engine group ids.
async fn create_security_groups(
    ctx: &Context<'_>,
    vpc_id: &str,
    ids: &mut StudioIds,
) -> Result<(String, String)> {
    let aws = ctx.aws;
    let tags = security_group_tags(&ctx.spec.tags);
    let create = |group: StudioGroup| {
        let name = naming::studio_security_group(ctx.cluster(), group, ctx.suffix);
        let description = format!(
            "EMR Studio {} of emreks platform {}",
            group.as_str(),
            ctx.cluster()
        );
        let tags = tags.clone();
        async move {
            // A create cut short may have made it and lost the id: found by
            // its name, it is taken back only when it carries our marker.
            if let Some((id, found)) =
                security_group::find_security_group(aws, vpc_id, &name).await?
            {
                let tag = |key: &str| found.get(key).map(String::as_str);
                if ctx.owner.owns(tag, Some(&name)) {
                    return Ok(id);
                }
                return Err(Error::NotOurs {
                    resource: format!("security group \"{name}\" ({id})"),
                    platform: ctx.owner.marker(),
                    owner: tag(naming::OWNER_TAG)
                        .or_else(|| tag(naming::PLATFORM_TAG))
                        .map(str::to_string),
                });
            }
            security_group::create_security_group(aws, vpc_id, &name, &description, &tags).await
        }
    };
    let workspace = create(StudioGroup::Workspace).await?;
    ids.workspace_security_group = Some(workspace.clone());
    let engine = create(StudioGroup::Engine).await?;
    ids.engine_security_group = Some(engine.clone());
    Ok((workspace, engine))
}

/// Moves every tagged piece from the `old` tags to the `new` ones.
pub async fn retag(
    aws: &Aws,
    ids: &StudioIds,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<()> {
    if let Some(studio_id) = &ids.studio_id {
        emr_studio::retag_studio(aws, studio_id, old, new).await?;
    }
    let groups: Vec<String> = [&ids.workspace_security_group, &ids.engine_security_group]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    if !groups.is_empty() {
        let what = groups.join(",");
        ec2_tags::retag(
            aws,
            groups,
            &security_group_tags(old),
            &security_group_tags(new),
            &what,
        )
        .await?;
    }
    if let (Some(name), true) = (&ids.workspace_bucket, ids.bucket_created) {
        bucket::retag_bucket(aws, name, new).await?;
    }
    for name in [&ids.service_role, &ids.user_role].into_iter().flatten() {
        role::retag_role(aws, name, old, new).await?;
    }
    Ok(())
}

/// Deletes everything in `ids` in dependency order (Studio, security
/// groups, bucket, roles), forgetting each id once it is gone, so a retry
/// after a failure resumes where this one stopped. What is already gone is done.
pub async fn delete(aws: &Aws, ids: &mut StudioIds) -> Result<()> {
    if let Some(studio_id) = ids.studio_id.clone() {
        emr_studio::delete_studio(aws, &studio_id).await?;
        ids.studio_id = None;
        ids.url = None;
    }
    delete_security_groups(aws, ids).await?;
    if let Some(name) = ids.workspace_bucket.clone() {
        // A bucket this provider did not create (the name was taken) is not ours to empty.
        if ids.bucket_created {
            bucket::delete_bucket(aws, &name).await?;
        }
        ids.workspace_bucket = None;
        ids.bucket_created = false;
    }
    for slot in [&mut ids.user_role, &mut ids.service_role] {
        if let Some(name) = slot.clone() {
            role::delete_role(aws, &name).await?;
            *slot = None;
        }
    }
    Ok(())
}

/// Deletes the Studio's security groups in `ids`, forgetting each once gone.
async fn delete_security_groups(aws: &Aws, ids: &mut StudioIds) -> Result<()> {
    if let (Some(workspace), Some(engine)) = (
        ids.workspace_security_group.clone(),
        ids.engine_security_group.clone(),
    ) {
        // Each group's rules name the other, and EC2 refuses deleting a
        // group another group's rules still reference: revoke those first.
        security_group::revoke_ingress(aws, &engine, port_from_group(GATEWAY_PORT, &workspace))
            .await?;
        security_group::revoke_egress(aws, &workspace, port_from_group(GATEWAY_PORT, &engine))
            .await?;
    }
    for slot in [
        &mut ids.workspace_security_group,
        &mut ids.engine_security_group,
    ] {
        if let Some(group) = slot.clone() {
            // Network interfaces EMR made for Workspaces go some time after the Studio.
            security_group::delete_security_group(aws, &group, SG_RELEASE_TIMEOUT).await?;
            *slot = None;
        }
    }
    Ok(())
}

/// The Studio of an existing platform: the one with the configured name in
/// the platform's VPC, and the names of what the platform made for it.
pub async fn find_studio_ids(
    aws: &Aws,
    platform: &str,
    suffix: &str,
    name: &str,
    auth_mode: Option<AuthMode>,
    vpc_id: Option<&str>,
) -> Result<Option<StudioIds>> {
    let listed =
        emr_studio::list_studios(aws, &format!("studios of platform \"{platform}\"")).await?;
    let Some(id) = listed
        .iter()
        .find(|s| s.name() == Some(name) && s.vpc_id() == vpc_id)
        .and_then(|s| s.studio_id())
    else {
        return Ok(None);
    };
    let described = emr_studio::find_studio(aws, id).await?;
    let text = |field: Option<&str>| field.map(str::to_string);
    let found = described.as_ref();
    Ok(Some(StudioIds {
        workspace_security_group: text(found.and_then(|s| s.workspace_security_group_id())),
        engine_security_group: text(found.and_then(|s| s.engine_security_group_id())),
        studio_id: Some(id.to_string()),
        url: text(found.and_then(|s| s.url())),
        ..named_pieces(aws, platform, suffix, auth_mode == Some(AuthMode::Sso)).await?
    }))
}

/// What the platform made for its Studio under names of its own: the
/// roles, and the Workspace bucket (and whether it is there to delete).
pub async fn named_pieces(aws: &Aws, platform: &str, suffix: &str, sso: bool) -> Result<StudioIds> {
    let workspace_bucket = naming::bucket(BucketPurpose::Studio, platform, suffix);
    Ok(StudioIds {
        service_role: Some(PlatformRole::StudioService.name(platform, suffix)),
        user_role: sso.then(|| PlatformRole::StudioUser.name(platform, suffix)),
        bucket_created: bucket::bucket_exists(aws, &workspace_bucket).await?,
        workspace_bucket: Some(workspace_bucket),
        ..Default::default()
    })
}
