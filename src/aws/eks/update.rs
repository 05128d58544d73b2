//! The updates EKS runs on a cluster or one of its nodegroups
//! (UpdateClusterConfig, UpdateClusterVersion, UpdateNodegroupConfig).

use std::time::Duration;

use aws_sdk_eks::types::UpdateStatus;

use super::cluster_resource;
use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::Aws;
use crate::error::{AwsContext, Result};

/// Waits until an update of the cluster, or of one of its nodegroups, succeeds.
pub async fn wait_update(
    aws: &Aws,
    cluster: &str,
    nodegroup: Option<&str>,
    update_id: &str,
    timeout: Duration,
) -> Result<()> {
    let resource = format!("update {update_id} of {}", cluster_resource(cluster));
    wait::until(
        "eks:DescribeUpdate",
        &resource,
        timeout,
        Backoff::SLOW,
        || async {
            let out = aws
                .eks
                .describe_update()
                .name(cluster)
                .set_nodegroup_name(nodegroup.map(str::to_string))
                .update_id(update_id)
                .send()
                .await
                .context("eks:DescribeUpdate", &resource)?;
            let update = out.update();
            Ok(match update.and_then(|u| u.status()) {
                Some(UpdateStatus::Successful) => Poll::Ready(()),
                Some(UpdateStatus::Failed | UpdateStatus::Cancelled) => Poll::Failed(format!(
                    "the update ended {:?}: {:?}",
                    update.and_then(|u| u.status()),
                    update.map(|u| u.errors())
                )),
                status => Poll::Pending(status.map(|s| s.as_str().to_string()).unwrap_or_default()),
            })
        },
    )
    .await
}

/// Waits for the update an Update* call started, if it started one.
pub async fn wait_started(
    aws: &Aws,
    cluster: &str,
    nodegroup: Option<&str>,
    update: Option<&aws_sdk_eks::types::Update>,
    timeout: Duration,
) -> Result<()> {
    match update.and_then(|u| u.id()) {
        Some(id) => wait_update(aws, cluster, nodegroup, id, timeout).await,
        None => Ok(()),
    }
}
