//! IAM roles: the one `ensure_role` every role of the provider goes
//! through (trust, tags, managed and inline policies made to be exactly
//! what is asked), finders, tags, and a delete that first detaches and
//! removes the policies IAM insists on.

use std::collections::BTreeMap;

use aws_sdk_iam::types::{Role, Tag};
use serde_json::Value as Json;

use super::role_resource;
use crate::aws::tags::{iam_tags, removed_keys};
use crate::aws::Aws;
use crate::error::{AwsContext, Error, NotFound, Result};
use crate::platform::naming::{Owner, OWNER_TAG, PLATFORM_TAG};

/// A role as the provider wants it.
pub struct RoleSpec<'a> {
    pub name: &'a str,
    /// IAM path; `None` is IAM's root path.
    pub path: Option<&'a str>,
    pub description: &'a str,
    pub trust: &'a Json,
    pub tags: &'a BTreeMap<String, String>,
    /// The platform the role is made for: it carries its marker, and a
    /// role of that name without it is left alone.
    pub owner: &'a Owner,
    /// AWS-managed policies to attach, by name.
    pub managed_policies: &'a [&'a str],
    /// Inline policies by name: `Some` is put, `None` is removed.
    pub inline_policies: &'a [(&'a str, Option<&'a Json>)],
}

/// Creates the role, or brings an existing one of the platform to the
/// spec; returns its ARN. A role of that name that is not the platform's
/// is refused ([`Error::NotOurs`]), never adopted. `recorded` holds the
/// name as soon as the role exists, so a failure of a later step still
/// leaves a record to delete.
pub async fn ensure_role(
    aws: &Aws,
    spec: &RoleSpec<'_>,
    recorded: &mut Option<String>,
) -> Result<String> {
    let resource = role_resource(spec.name);
    let trust = spec.trust.to_string();
    let tags = spec.owner.tag(spec.tags);
    let arn = match find_role(aws, spec.name).await? {
        Some(role) => {
            let current = role_tags(aws, spec.name).await?.unwrap_or_default();
            if !owned_by(&current, spec.owner, spec.name) {
                return Err(not_ours(&resource, spec.owner, &current));
            }
            aws.iam
                .update_assume_role_policy()
                .role_name(spec.name)
                .policy_document(&trust)
                .send()
                .await
                .context("iam:UpdateAssumeRolePolicy", &resource)?;
            // Tags may have changed since (default_tags, the platform's tags).
            aws.iam
                .tag_role()
                .role_name(spec.name)
                .set_tags(Some(iam_tags(&tags)))
                .send()
                .await
                .context("iam:TagRole", &resource)?;
            role.arn
        }
        None => {
            let out = aws
                .iam
                .create_role()
                .role_name(spec.name)
                .set_path(spec.path.map(str::to_string))
                .assume_role_policy_document(&trust)
                .description(spec.description)
                .set_tags(Some(iam_tags(&tags)))
                .send()
                .await
                .context("iam:CreateRole", &resource)?;
            out.role.map(|r| r.arn).ok_or_else(|| {
                Error::aws_message("iam:CreateRole", &resource, "no role in the response")
            })?
        }
    };
    *recorded = Some(spec.name.to_string());
    for policy in spec.managed_policies {
        aws.iam
            .attach_role_policy()
            .role_name(spec.name)
            .policy_arn(aws.managed_policy_arn(policy))
            .send()
            .await
            .context("iam:AttachRolePolicy", &resource)?;
    }
    for (policy, document) in spec.inline_policies {
        match document {
            Some(document) => put_role_policy(aws, spec.name, policy, document).await?,
            None => delete_role_policy(aws, spec.name, policy).await?,
        }
    }
    Ok(arn)
}

/// Whether a role with these tags is `owner`'s.
pub fn owned_by(tags: &[Tag], owner: &Owner, name: &str) -> bool {
    owner.owns(
        |key| tags.iter().find(|t| t.key() == key).map(|t| t.value()),
        Some(name),
    )
}

/// The refusal to touch a role that is not `owner`'s.
pub fn not_ours(resource: &str, owner: &Owner, tags: &[Tag]) -> Error {
    let tag = |key: &str| {
        tags.iter()
            .find(|t| t.key() == key)
            .map(|t| t.value().to_string())
    };
    Error::NotOurs {
        resource: resource.to_string(),
        platform: owner.marker(),
        owner: tag(OWNER_TAG).or_else(|| tag(PLATFORM_TAG)),
    }
}

/// The role if it is `owner`'s; `None` when it is gone or someone else's.
pub async fn owned_role_tags(aws: &Aws, name: &str, owner: &Owner) -> Result<Option<Vec<Tag>>> {
    Ok(role_tags(aws, name)
        .await?
        .filter(|tags| owned_by(tags, owner, name)))
}

/// The role; `None` when there is none of that name.
pub async fn find_role(aws: &Aws, name: &str) -> Result<Option<Role>> {
    let out = aws
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .context("iam:GetRole", role_resource(name))
        .found()?;
    Ok(out.and_then(|o| o.role))
}

/// The role's ARN, or `None` when it is gone.
pub async fn role_arn(aws: &Aws, name: &str) -> Result<Option<String>> {
    Ok(find_role(aws, name).await?.map(|r| r.arn))
}

/// [`role_arn`] as this process first read it, for plans and refreshes;
/// `scope` is the platform the role belongs to (see `aws::reads`).
pub async fn role_arn_shared(aws: &Aws, scope: &str, name: &str) -> Result<Option<String>> {
    aws.reads
        .read(scope, &format!("role {name}"), || role_arn(aws, name))
        .await
}

/// The roles under an IAM path, name and ARN (ListRoles gives both, not
/// the tags).
pub async fn list_roles_under(aws: &Aws, path: &str, what: &str) -> Result<Vec<(String, String)>> {
    let roles = aws
        .iam
        .list_roles()
        .path_prefix(path)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListRoles", what)?;
    Ok(roles.into_iter().map(|r| (r.role_name, r.arn)).collect())
}

/// The names of the roles under an IAM path.
pub async fn list_role_names(aws: &Aws, path: &str, what: &str) -> Result<Vec<String>> {
    let roles = list_roles_under(aws, path, what).await?;
    Ok(roles.into_iter().map(|(name, _)| name).collect())
}

/// The role's tags; `None` when the role is gone.
pub async fn role_tags(aws: &Aws, name: &str) -> Result<Option<Vec<Tag>>> {
    aws.iam
        .list_role_tags()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListRoleTags", role_resource(name))
        .found()
}

/// Puts one inline policy on the role.
pub async fn put_role_policy(aws: &Aws, role: &str, name: &str, document: &Json) -> Result<()> {
    aws.iam
        .put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(document.to_string())
        .send()
        .await
        .context("iam:PutRolePolicy", role_resource(role))
        .map(drop)
}

/// The document of one inline policy of the role, as IAM gives it
/// (URL-encoded); `None` when the role or the policy is not there.
pub async fn role_policy_document(aws: &Aws, role: &str, name: &str) -> Result<Option<String>> {
    let got = aws
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .context("iam:GetRolePolicy", role_resource(role))
        .found()?;
    Ok(got.map(|out| out.policy_document))
}

/// The names of the role's inline policies; `None` when the role is gone.
pub async fn role_policy_names(aws: &Aws, role: &str) -> Result<Option<Vec<String>>> {
    aws.iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        // IAM's largest page: one call for any role.
        .page_size(1000)
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListRolePolicies", role_resource(role))
        .found()
}

/// Removes one inline policy from the role; one already gone is removed.
pub async fn delete_role_policy(aws: &Aws, role: &str, name: &str) -> Result<()> {
    aws.iam
        .delete_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .context("iam:DeleteRolePolicy", role_resource(role))
        .ignore_not_found()
}

/// Moves the role from the `old` tags to the `new` ones.
pub async fn retag_role(
    aws: &Aws,
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<()> {
    let resource = role_resource(name);
    let removed = removed_keys(old, new);
    if !removed.is_empty() {
        aws.iam
            .untag_role()
            .role_name(name)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .context("iam:UntagRole", &resource)?;
    }
    aws.iam
        .tag_role()
        .role_name(name)
        .set_tags(Some(iam_tags(new)))
        .send()
        .await
        .context("iam:TagRole", &resource)?;
    Ok(())
}

/// Detaches an AWS-managed policy (by name) from the role; one not attached
/// is detached.
pub async fn detach_managed_policy(aws: &Aws, name: &str, policy: &str) -> Result<()> {
    aws.iam
        .detach_role_policy()
        .role_name(name)
        .policy_arn(aws.managed_policy_arn(policy))
        .send()
        .await
        .context("iam:DetachRolePolicy", role_resource(name))
        .ignore_not_found()
}

/// Detaches every managed policy, deletes the inline ones, then the role.
/// A role already gone is deleted.
pub async fn delete_role(aws: &Aws, name: &str) -> Result<()> {
    let resource = role_resource(name);
    let attached = aws
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListAttachedRolePolicies", &resource)
        .found()?;
    let Some(attached) = attached else {
        return Ok(());
    };
    for policy in attached.iter().filter_map(|p| p.policy_arn()) {
        aws.iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(policy)
            .send()
            .await
            .context("iam:DetachRolePolicy", &resource)
            .ignore_not_found()?;
    }
    let inline = aws
        .iam
        .list_role_policies()
        .role_name(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListRolePolicies", &resource)
        .found()?;
    let Some(inline) = inline else {
        return Ok(());
    };
    for policy in &inline {
        delete_role_policy(aws, name, policy).await?;
    }
    aws.iam
        .delete_role()
        .role_name(name)
        .send()
        .await
        .context("iam:DeleteRole", &resource)
        .ignore_not_found()
}
