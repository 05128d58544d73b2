//! IAM roles: what every part of the provider that makes roles needs to
//! tidy them up.

use std::collections::BTreeMap;

use super::tags::{iam_tags, removed_keys};
use super::{Aws, Error};
use crate::error::{AwsContext, NotFound};

/// Detaches every managed policy, deletes inline ones, then the role.
pub async fn delete_role(aws: &Aws, role_name: &str) -> Result<(), Error> {
    let resource = format!("IAM role \"{role_name}\"");
    let attached = aws
        .iam
        .list_attached_role_policies()
        .role_name(role_name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListAttachedRolePolicies", &resource);
    let attached = match attached {
        Ok(attached) => attached,
        Err(e) => return Err::<(), _>(e).ignore_not_found(),
    };
    for policy in attached.iter().filter_map(|p| p.policy_arn()) {
        aws.iam
            .detach_role_policy()
            .role_name(role_name)
            .policy_arn(policy)
            .send()
            .await
            .map(|_| ())
            .context("iam:DetachRolePolicy", &resource)
            .ignore_not_found()?;
    }
    let inline = aws
        .iam
        .list_role_policies()
        .role_name(role_name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListRolePolicies", &resource);
    let inline = match inline {
        Ok(inline) => inline,
        Err(e) => return Err::<(), _>(e).ignore_not_found(),
    };
    for policy in &inline {
        aws.iam
            .delete_role_policy()
            .role_name(role_name)
            .policy_name(policy)
            .send()
            .await
            .map(|_| ())
            .context("iam:DeleteRolePolicy", &resource)
            .ignore_not_found()?;
    }

    aws.iam
        .delete_role()
        .role_name(role_name)
        .send()
        .await
        .map(|_| ())
        .context("iam:DeleteRole", &resource)
        .ignore_not_found()
}

pub async fn retag_role(
    aws: &Aws,
    role_name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let resource = format!("IAM role \"{role_name}\"");
    let removed = removed_keys(old, new);
    if !removed.is_empty() {
        aws.iam
            .untag_role()
            .role_name(role_name)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .context("iam:UntagRole", &resource)?;
    }
    aws.iam
        .tag_role()
        .role_name(role_name)
        .set_tags(Some(iam_tags(new)))
        .send()
        .await
        .context("iam:TagRole", &resource)?;
    Ok(())
}
