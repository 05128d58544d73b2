//! CloudWatch log groups: made with tags and a retention (adopted only when
//! they carry the platform's marker), read back for drift, retagged and
//! deleted. A group is known by its name and, where the API wants it, its
//! ARN, which the caller names.

use std::collections::{BTreeMap, HashMap};

use crate::aws::tags::hash_map;
use crate::aws::Aws;
use crate::error::{AwsContext, NotFound, Result};
use crate::platform::naming::Owner;

fn resource(name: &str) -> String {
    format!("log group \"{name}\"")
}

/// Creates the log group with `tags` and sets its retention; true when the
/// group is the platform's. One that already exists (a retried apply) is
/// adopted, retagged and given the retention when `recorded` (the platform
/// made it) or it carries `owner`'s marker; else it is someone else's, left
/// untouched, and false.
pub async fn ensure_log_group(
    aws: &Aws,
    name: &str,
    arn: &str,
    retention_days: i32,
    tags: &BTreeMap<String, String>,
    owner: &Owner,
    recorded: bool,
) -> Result<bool> {
    let created = aws
        .logs
        .create_log_group()
        .log_group_name(name)
        .set_tags(Some(hash_map(tags)))
        .send()
        .await
        .context("logs:CreateLogGroup", resource(name));
    match created {
        Ok(_) => {}
        Err(err) if err.is_already_exists() => {
            let owned = recorded
                || log_group_tags(aws, name, arn)
                    .await?
                    .is_some_and(|current| owner.owns_tagged(&current, None));
            if !owned {
                return Ok(false);
            }
            retag_log_group(aws, name, arn, tags).await?
        }
        Err(err) => return Err(err),
    }
    set_retention(aws, name, retention_days).await?;
    Ok(true)
}

/// The group's tags; `None` when the group is gone.
pub async fn log_group_tags(
    aws: &Aws,
    name: &str,
    arn: &str,
) -> Result<Option<HashMap<String, String>>> {
    let listed = aws
        .logs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .context("logs:ListTagsForResource", resource(name))
        .found()?;
    Ok(listed.map(|out| out.tags.unwrap_or_default()))
}

pub async fn set_retention(aws: &Aws, name: &str, retention_days: i32) -> Result<()> {
    aws.logs
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(retention_days)
        .send()
        .await
        .context("logs:PutRetentionPolicy", resource(name))?;
    Ok(())
}

/// The group's retention in days: `None` when the group is gone, `Some(0)`
/// when it keeps events forever (someone removed the retention policy).
pub async fn find_retention(aws: &Aws, name: &str) -> Result<Option<i32>> {
    // Only a prefix filter exists: page until the exact name shows up.
    let mut groups = aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .into_paginator()
        .items()
        .send();
    while let Some(group) = groups
        .try_next()
        .await
        .context("logs:DescribeLogGroups", resource(name))?
    {
        if group.log_group_name() == Some(name) {
            return Ok(Some(group.retention_in_days().unwrap_or(0)));
        }
    }
    Ok(None)
}

/// Deletes the group and its events; a group already gone is success.
pub async fn delete_log_group(aws: &Aws, name: &str) -> Result<()> {
    aws.logs
        .delete_log_group()
        .log_group_name(name)
        .send()
        .await
        .map(|_| ())
        .context("logs:DeleteLogGroup", resource(name))
        .ignore_not_found()
}

/// Keys to remove so the group's tags become `wanted`. Keys under `aws:`
/// belong to AWS and cannot be removed.
fn stale_keys(current: &HashMap<String, String>, wanted: &BTreeMap<String, String>) -> Vec<String> {
    let mut keys: Vec<String> = current
        .keys()
        .filter(|k| !wanted.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// Makes the group's tags exactly `tags`: tags the provider no longer wants
/// are removed, the others set.
pub async fn retag_log_group(
    aws: &Aws,
    name: &str,
    arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<()> {
    let current = aws
        .logs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .context("logs:ListTagsForResource", resource(name))?;
    let stale = current
        .tags()
        .map(|current| stale_keys(current, tags))
        .unwrap_or_default();
    if !stale.is_empty() {
        aws.logs
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(stale))
            .send()
            .await
            .context("logs:UntagResource", resource(name))?;
    }
    if !tags.is_empty() {
        aws.logs
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(hash_map(tags)))
            .send()
            .await
            .context("logs:TagResource", resource(name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unwanted_user_keys_are_removed() {
        let current: HashMap<String, String> = [("a", "1"), ("b", "2"), ("aws:cfn", "x")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let wanted: BTreeMap<String, String> = [("b".to_string(), "3".to_string())].into();
        assert_eq!(stale_keys(&current, &wanted), vec!["a".to_string()]);
    }
}
