//! CloudWatch log groups of a platform: created with tags and a retention,
//! read back for drift, retagged and deleted.

use std::collections::{BTreeMap, HashMap};

use super::{Aws, Error};
use crate::error::{AwsContext, NotFound};

fn resource(name: &str) -> String {
    format!("log group \"{name}\"")
}

fn hash_map(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Creates the log group with `tags` and sets its retention. A group that
/// already exists (a retried apply) is adopted: retagged and given the retention.
pub async fn ensure(
    aws: &Aws,
    name: &str,
    retention_days: i32,
    tags: &BTreeMap<String, String>,
) -> Result<(), Error> {
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
        Err(err) if err.is_already_exists() => retag(aws, name, tags).await?,
        Err(err) => return Err(err),
    }
    set_retention(aws, name, retention_days).await
}

pub async fn set_retention(aws: &Aws, name: &str, retention_days: i32) -> Result<(), Error> {
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
pub async fn retention(aws: &Aws, name: &str) -> Result<Option<i32>, Error> {
    // Only a prefix filter exists: page until the exact name shows up.
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .set_next_token(token.take())
            .send()
            .await
            .context("logs:DescribeLogGroups", resource(name))?;
        if let Some(group) = page
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
        {
            return Ok(Some(group.retention_in_days().unwrap_or(0)));
        }
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}

/// Deletes the group and its events; a group already gone is success.
pub async fn delete(aws: &Aws, name: &str) -> Result<(), Error> {
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
pub async fn retag(aws: &Aws, name: &str, tags: &BTreeMap<String, String>) -> Result<(), Error> {
    let account = aws.account_id().await?;
    let arn = crate::platform::naming::log_group_arn(&aws.partition, &aws.region, account, name);
    let current = aws
        .logs
        .list_tags_for_resource()
        .resource_arn(&arn)
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
            .resource_arn(&arn)
            .set_tag_keys(Some(stale))
            .send()
            .await
            .context("logs:UntagResource", resource(name))?;
    }
    if !tags.is_empty() {
        aws.logs
            .tag_resource()
            .resource_arn(&arn)
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
