//! IAM roles: what every part of the provider that makes roles needs to
//! tidy them up.

use std::collections::BTreeMap;

use super::errors::ignore_not_found;
use super::tags::{iam_tags, removed_keys};
use super::{Aws, AwsError};

/// Detaches every managed policy, deletes inline ones, then the role.
pub async fn delete_role(aws: &Aws, role_name: &str) -> Result<(), AwsError> {
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
        .map_err(|e| AwsError::sdk("iam:ListAttachedRolePolicies", &resource, e));
    let attached = match attached {
        Ok(attached) => attached,
        Err(e) => return ignore_not_found(Err(e)),
    };
    for policy in attached.iter().filter_map(|p| p.policy_arn()) {
        ignore_not_found(
            aws.iam
                .detach_role_policy()
                .role_name(role_name)
                .policy_arn(policy)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::sdk("iam:DetachRolePolicy", &resource, e)),
        )?;
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
        .map_err(|e| AwsError::sdk("iam:ListRolePolicies", &resource, e));
    let inline = match inline {
        Ok(inline) => inline,
        Err(e) => return ignore_not_found(Err(e)),
    };
    for policy in &inline {
        ignore_not_found(
            aws.iam
                .delete_role_policy()
                .role_name(role_name)
                .policy_name(policy)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsError::sdk("iam:DeleteRolePolicy", &resource, e)),
        )?;
    }
    ignore_not_found(
        aws.iam
            .delete_role()
            .role_name(role_name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsError::sdk("iam:DeleteRole", &resource, e)),
    )
}

pub async fn retag_role(
    aws: &Aws,
    role_name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let resource = format!("IAM role \"{role_name}\"");
    let removed = removed_keys(old, new);
    if !removed.is_empty() {
        aws.iam
            .untag_role()
            .role_name(role_name)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| AwsError::sdk("iam:UntagRole", &resource, e))?;
    }
    aws.iam
        .tag_role()
        .role_name(role_name)
        .set_tags(Some(iam_tags(new)))
        .send()
        .await
        .map_err(|e| AwsError::sdk("iam:TagRole", &resource, e))?;
    Ok(())
}
