//! Tags of EKS objects (clusters, nodegroups), by ARN.

use std::collections::BTreeMap;

use crate::aws::tags::{hash_map, removed_keys};
use crate::aws::Aws;
use crate::error::{AwsContext, Result};

/// Moves the object from the `old` tags to the `new` ones.
pub async fn retag(
    aws: &Aws,
    arn: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<()> {
    let removed = removed_keys(old, new);
    if !removed.is_empty() {
        aws.eks
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .context("eks:UntagResource", arn)?;
    }
    aws.eks
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(hash_map(new)))
        .send()
        .await
        .context("eks:TagResource", arn)?;
    Ok(())
}
