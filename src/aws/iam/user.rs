//! IAM users, as a search of the account sees them: their names and the
//! names of their inline policies.

use crate::aws::Aws;
use crate::error::{AwsContext, NotFound, Result};

/// IAM's largest page: one call per list for any realistic account.
const LARGEST_PAGE: i32 = 1000;

/// The names of the account's IAM users.
pub async fn list_user_names(aws: &Aws, what: &str) -> Result<Vec<String>> {
    let users = aws
        .iam
        .list_users()
        .into_paginator()
        .page_size(LARGEST_PAGE)
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListUsers", what)?;
    Ok(users.into_iter().map(|u| u.user_name).collect())
}

/// The names of the user's inline policies; `None` when the user is gone.
pub async fn user_policy_names(aws: &Aws, user: &str) -> Result<Option<Vec<String>>> {
    aws.iam
        .list_user_policies()
        .user_name(user)
        .into_paginator()
        .page_size(LARGEST_PAGE)
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("iam:ListUserPolicies", format!("IAM user \"{user}\""))
        .found()
}
