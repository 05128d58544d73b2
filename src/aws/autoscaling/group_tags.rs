//! Tags on Auto Scaling groups, which Cluster Autoscaler reads to scale a
//! group from zero: set the wanted ones, remove those of a prefix that are
//! no longer wanted.

use std::collections::BTreeMap;

use aws_sdk_autoscaling::types::{Filter, Tag};

use crate::aws::Aws;
use crate::error::{AwsContext, Result};

/// Brings each group's tags to `wanted`: wanted tags are set, tags under
/// `managed_prefix` that are not wanted are removed, others left alone.
pub async fn sync_group_tags(
    aws: &Aws,
    groups: &[String],
    wanted: &BTreeMap<String, String>,
    managed_prefix: &str,
) -> Result<()> {
    for group in groups {
        let resource = format!("Auto Scaling group \"{group}\"");
        let current = aws
            .autoscaling
            .describe_tags()
            .filters(
                Filter::builder()
                    .name("auto-scaling-group")
                    .values(group)
                    .build(),
            )
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .context("autoscaling:DescribeTags", &resource)?;
        let stale: Vec<String> = current
            .iter()
            .filter_map(|t| t.key())
            .filter(|k| k.starts_with(managed_prefix) && !wanted.contains_key(*k))
            .map(str::to_string)
            .collect();
        let tag = |key: &str, value: Option<&str>| {
            Tag::builder()
                .resource_id(group)
                .resource_type("auto-scaling-group")
                .key(key)
                .set_value(value.map(str::to_string))
                .propagate_at_launch(false)
                .build()
        };
        if !stale.is_empty() {
            aws.autoscaling
                .delete_tags()
                .set_tags(Some(stale.iter().map(|k| tag(k, None)).collect()))
                .send()
                .await
                .context("autoscaling:DeleteTags", &resource)?;
        }
        aws.autoscaling
            .create_or_update_tags()
            .set_tags(Some(wanted.iter().map(|(k, v)| tag(k, Some(v))).collect()))
            .send()
            .await
            .context("autoscaling:CreateOrUpdateTags", &resource)?;
    }
    Ok(())
}
