//! EKS managed nodegroups: create, find, list, wait until active, update
//! sizes, labels and taints in place, delete and wait until gone.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_eks::types::{
    AmiTypes, CapacityTypes, LaunchTemplateSpecification, Nodegroup, NodegroupScalingConfig,
    NodegroupStatus, NodegroupUpdateConfig, Taint, UpdateLabelsPayload, UpdateTaintsPayload,
};

use super::{cluster_resource, update};
use crate::aws::reads::within;
use crate::aws::tags::hash_map;
use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::Aws;
use crate::error::{AwsContext, NotFound, Result};

fn nodegroup_resource(cluster: &str, name: &str) -> String {
    format!("nodegroup \"{name}\" of EKS cluster \"{cluster}\"")
}

/// Node counts; EKS takes each of them as optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scaling {
    pub min_size: Option<i32>,
    pub max_size: Option<i32>,
    pub desired_size: Option<i32>,
}

impl Scaling {
    fn to_sdk(self) -> NodegroupScalingConfig {
        NodegroupScalingConfig::builder()
            .set_min_size(self.min_size)
            .set_max_size(self.max_size)
            .set_desired_size(self.desired_size)
            .build()
    }

    /// Whether the running group has these counts.
    pub fn matches(&self, group: &Nodegroup) -> bool {
        group.scaling_config().is_some_and(|s| {
            s.min_size() == self.min_size
                && s.max_size() == self.max_size
                && s.desired_size() == self.desired_size
        })
    }
}

pub struct NodegroupRequest<'a> {
    pub cluster: &'a str,
    pub name: &'a str,
    pub node_role_arn: &'a str,
    pub subnet_ids: Vec<String>,
    pub instance_types: Vec<String>,
    pub ami_type: &'a str,
    pub capacity_type: &'a str,
    pub scaling: Scaling,
    /// Nodes replaced at once during updates; `None` leaves EKS's default.
    pub max_unavailable: Option<i32>,
    /// The launch template's id, used at its latest version.
    pub launch_template: Option<&'a str>,
    pub labels: BTreeMap<String, String>,
    /// `None` sends no taints at all.
    pub taints: Option<Vec<Taint>>,
    pub tags: &'a BTreeMap<String, String>,
    pub client_token: &'a str,
}

/// Sends CreateNodegroup. A group of that name that exists already is an
/// error here: whether it is the caller's is for the caller to tell.
pub async fn create_nodegroup(aws: &Aws, request: &NodegroupRequest<'_>) -> Result<()> {
    aws.eks
        .create_nodegroup()
        .cluster_name(request.cluster)
        .nodegroup_name(request.name)
        .node_role(request.node_role_arn)
        .set_subnets(Some(request.subnet_ids.clone()))
        .set_instance_types(Some(request.instance_types.clone()))
        .ami_type(AmiTypes::from(request.ami_type))
        .capacity_type(CapacityTypes::from(request.capacity_type))
        .scaling_config(request.scaling.to_sdk())
        .set_update_config(request.max_unavailable.map(|max| {
            NodegroupUpdateConfig::builder()
                .max_unavailable(max)
                .build()
        }))
        .set_launch_template(request.launch_template.map(|id| {
            LaunchTemplateSpecification::builder()
                .id(id)
                .version("$Latest")
                .build()
        }))
        .set_labels(Some(hash_map(&request.labels)))
        .set_taints(request.taints.clone())
        .set_tags(Some(hash_map(request.tags)))
        .client_request_token(request.client_token)
        .send()
        .await
        .map(drop)
        .context(
            "eks:CreateNodegroup",
            nodegroup_resource(request.cluster, request.name),
        )
}

/// The nodegroup as EKS describes it; `None` when it is gone.
/// The nodegroup as this process first read it, for plans and refreshes
/// (see `aws::reads`).
pub async fn find_nodegroup_shared(
    aws: &Aws,
    cluster: &str,
    name: &str,
) -> Result<Option<Nodegroup>> {
    aws.reads
        .read(&within(cluster, name), "nodegroup", || {
            find_nodegroup(aws, cluster, name)
        })
        .await
}

pub async fn find_nodegroup(aws: &Aws, cluster: &str, name: &str) -> Result<Option<Nodegroup>> {
    let out = aws
        .eks
        .describe_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
        .context("eks:DescribeNodegroup", nodegroup_resource(cluster, name))
        .found()?;
    Ok(out.and_then(|o| o.nodegroup))
}

/// The names of the cluster's nodegroups.
pub async fn list_nodegroups(aws: &Aws, cluster: &str) -> Result<Vec<String>> {
    aws.eks
        .list_nodegroups()
        .cluster_name(cluster)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("eks:ListNodegroups", cluster_resource(cluster))
}

pub async fn wait_nodegroup_active(
    aws: &Aws,
    cluster: &str,
    name: &str,
    timeout: Duration,
) -> Result<Nodegroup> {
    wait::until(
        "eks:DescribeNodegroup",
        &nodegroup_resource(cluster, name),
        timeout,
        Backoff::SLOW,
        || async {
            Ok(match find_nodegroup(aws, cluster, name).await? {
                None => Poll::Failed("the nodegroup disappeared while being created".into()),
                Some(group) => match group.status() {
                    Some(NodegroupStatus::Active) => Poll::Ready(group),
                    Some(NodegroupStatus::CreateFailed | NodegroupStatus::Degraded) => {
                        Poll::Failed(format!(
                            "the nodegroup is {}: {:?}",
                            group.status().map(|s| s.as_str()).unwrap_or_default(),
                            group.health().map(|h| h.issues())
                        ))
                    }
                    status => {
                        Poll::Pending(status.map(|s| s.as_str().to_string()).unwrap_or_default())
                    }
                },
            })
        },
    )
    .await
}

/// What an in-place update changes; `None` leaves a part as it is.
#[derive(Default)]
pub struct NodegroupUpdate {
    pub scaling: Option<Scaling>,
    pub labels: Option<UpdateLabelsPayload>,
    pub taints: Option<UpdateTaintsPayload>,
    pub max_unavailable: Option<Option<i32>>,
}

impl NodegroupUpdate {
    fn is_empty(&self) -> bool {
        self.scaling.is_none()
            && self.labels.is_none()
            && self.taints.is_none()
            && self.max_unavailable.is_none()
    }
}

/// Sends UpdateNodegroupConfig when anything changes, and waits for EKS.
pub async fn update_nodegroup(
    aws: &Aws,
    cluster: &str,
    name: &str,
    changes: NodegroupUpdate,
    timeout: Duration,
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let out = aws
        .eks
        .update_nodegroup_config()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .set_scaling_config(changes.scaling.map(Scaling::to_sdk))
        .set_labels(changes.labels)
        .set_taints(changes.taints)
        .set_update_config(changes.max_unavailable.map(|max| {
            NodegroupUpdateConfig::builder()
                .set_max_unavailable(max)
                .build()
        }))
        .send()
        .await
        .context(
            "eks:UpdateNodegroupConfig",
            nodegroup_resource(cluster, name),
        )?;
    update::wait_started(aws, cluster, Some(name), out.update(), timeout).await
}

/// Upgrades the nodegroup's Kubernetes version (its AMI to the latest
/// release of that version) and waits until the update succeeds.
pub async fn update_nodegroup_version(
    aws: &Aws,
    cluster: &str,
    name: &str,
    version: &str,
    timeout: Duration,
) -> Result<()> {
    let out = aws
        .eks
        .update_nodegroup_version()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .version(version)
        .send()
        .await
        .context(
            "eks:UpdateNodegroupVersion",
            nodegroup_resource(cluster, name),
        )?;
    update::wait_started(aws, cluster, Some(name), out.update(), timeout).await
}

/// Starts deleting the nodegroup; one already gone is deleted.
pub async fn delete_nodegroup(aws: &Aws, cluster: &str, name: &str) -> Result<()> {
    aws.eks
        .delete_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
        .context("eks:DeleteNodegroup", nodegroup_resource(cluster, name))
        .ignore_not_found()
}

pub async fn wait_nodegroup_deleted(
    aws: &Aws,
    cluster: &str,
    name: &str,
    timeout: Duration,
) -> Result<()> {
    wait::until(
        "eks:DescribeNodegroup",
        &nodegroup_resource(cluster, name),
        timeout,
        Backoff::SLOW,
        || async {
            Ok(match find_nodegroup(aws, cluster, name).await? {
                None => Poll::Ready(()),
                Some(group) => match group.status() {
                    Some(NodegroupStatus::DeleteFailed) => Poll::Failed(format!(
                        "the nodegroup could not be deleted: {:?}",
                        group.health().map(|h| h.issues())
                    )),
                    status => {
                        Poll::Pending(status.map(|s| s.as_str().to_string()).unwrap_or_default())
                    }
                },
            })
        },
    )
    .await
}

/// The Auto Scaling groups EKS made for the nodegroup.
pub fn asg_names(group: &Nodegroup) -> Vec<String> {
    group
        .resources()
        .map(|r| {
            r.auto_scaling_groups()
                .iter()
                .filter_map(|g| g.name().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
