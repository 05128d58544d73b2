//! Tags of EC2 objects, several at once by id.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::Tag;

use crate::aws::tags::{ec2_tags, removed_keys};
use crate::aws::Aws;
use crate::error::{AwsContext, Result};

/// Adds `tags` to every object, keeping their other tags.
pub async fn add_tags(
    aws: &Aws,
    resources: Vec<String>,
    tags: &BTreeMap<String, String>,
    what: &str,
) -> Result<()> {
    aws.ec2
        .create_tags()
        .set_resources(Some(resources))
        .set_tags(Some(ec2_tags(tags, None)))
        .send()
        .await
        .context("ec2:CreateTags", what)
        .map(drop)
}

/// Moves every object from the `old` tags to the `new` ones; `Name` tags,
/// which each object has for itself, are kept.
pub async fn retag(
    aws: &Aws,
    resources: Vec<String>,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    what: &str,
) -> Result<()> {
    if resources.is_empty() {
        return Ok(());
    }
    let removed: Vec<Tag> = removed_keys(old, new)
        .into_iter()
        .filter(|k| k != "Name")
        .map(|key| Tag::builder().key(key).build())
        .collect();
    if !removed.is_empty() {
        aws.ec2
            .delete_tags()
            .set_resources(Some(resources.clone()))
            .set_tags(Some(removed))
            .send()
            .await
            .context("ec2:DeleteTags", what)?;
    }
    add_tags(aws, resources, new, what).await
}
