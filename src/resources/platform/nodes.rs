//! The platform's node IAM role and its `tooling` managed nodegroup.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_eks::types::{Nodegroup, NodegroupScalingConfig, NodegroupStatus};

use super::cluster::{self, wait_update};
use crate::aws::tags::iam_tags;
use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::{Aws, Error};
use crate::error::{AwsContext, NotFound};
use crate::platform::defaults::Tooling;
use crate::platform::node_roles::NodeRole;
use crate::platform::{iam_documents, naming};

/// The node role: its ARN, creating it (and recording its name) if needed.
pub async fn ensure_node_role(
    aws: &Aws,
    platform: &str,
    role_name: &str,
    tags: &BTreeMap<String, String>,
    created: &mut Option<String>,
) -> Result<String, Error> {
    let resource = format!("IAM role \"{role_name}\"");
    let existing = aws
        .iam
        .get_role()
        .role_name(role_name)
        .send()
        .await
        .context("iam:GetRole", &resource)
        .found()?;
    let arn = match existing.and_then(|out| out.role) {
        Some(role) => {
            // Tags may have changed since (default_tags, the platform's tags).
            aws.iam
                .tag_role()
                .role_name(role_name)
                .set_tags(Some(iam_tags(tags)))
                .send()
                .await
                .context("iam:TagRole", &resource)?;
            role.arn
        }
        None => {
            let out = aws
                .iam
                .create_role()
                .role_name(role_name)
                .path(naming::iam_path(platform))
                .assume_role_policy_document(iam_documents::node_role_trust().to_string())
                .description("EKS nodes of an emreks platform")
                .set_tags(Some(iam_tags(tags)))
                .send()
                .await
                .context("iam:CreateRole", &resource)?;
            out.role.map(|r| r.arn).ok_or_else(|| {
                Error::aws_message("iam:CreateRole", &resource, "no role in the response")
            })?
        }
    };
    *created = Some(role_name.to_string());
    for policy in iam_documents::NODE_ROLE_POLICIES {
        aws.iam
            .attach_role_policy()
            .role_name(role_name)
            .policy_arn(aws.managed_policy_arn(policy))
            .send()
            .await
            .context("iam:AttachRolePolicy", &resource)?;
    }
    Ok(arn)
}

fn nodegroup_resource(cluster: &str, name: &str) -> String {
    format!("nodegroup \"{name}\" of EKS cluster \"{cluster}\"")
}

fn scaling(tooling: &Tooling) -> NodegroupScalingConfig {
    NodegroupScalingConfig::builder()
        .min_size(tooling.min_size)
        .max_size(tooling.max_size)
        .desired_size(tooling.desired_size)
        .build()
}

pub struct NodegroupRequest<'a> {
    pub cluster: &'a str,
    pub name: &'a str,
    pub node_role_arn: &'a str,
    pub subnet_ids: Vec<String>,
    pub tooling: &'a Tooling,
    pub tags: &'a BTreeMap<String, String>,
    pub client_token: &'a str,
}

pub async fn create_tooling(aws: &Aws, request: &NodegroupRequest<'_>) -> Result<(), Error> {
    let resource = nodegroup_resource(request.cluster, request.name);
    let sent = aws
        .eks
        .create_nodegroup()
        .cluster_name(request.cluster)
        .nodegroup_name(request.name)
        .node_role(request.node_role_arn)
        .set_subnets(Some(request.subnet_ids.clone()))
        .set_instance_types(Some(request.tooling.instance_types.clone()))
        .ami_type(aws_sdk_eks::types::AmiTypes::from(
            request.tooling.ami_type.as_str(),
        ))
        .capacity_type(aws_sdk_eks::types::CapacityTypes::OnDemand)
        .scaling_config(scaling(request.tooling))
        .set_labels(Some(
            NodeRole::Tooling
                .labels()
                .into_iter()
                .collect::<HashMap<_, _>>(),
        ))
        .set_tags(Some(
            request.tags.clone().into_iter().collect::<HashMap<_, _>>(),
        ))
        .client_request_token(request.client_token)
        .send()
        .await
        .map(|_| ())
        .context("eks:CreateNodegroup", &resource);
    match sent {
        // Created by an earlier attempt with the same token.
        Err(e) if e.is_already_exists() => Ok(()),
        other => other,
    }
}

pub async fn describe(aws: &Aws, cluster: &str, name: &str) -> Result<Option<Nodegroup>, Error> {
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

pub async fn wait_active(
    aws: &Aws,
    cluster: &str,
    name: &str,
    timeout: Duration,
) -> Result<Nodegroup, Error> {
    let resource = nodegroup_resource(cluster, name);
    wait::until(
        "eks:DescribeNodegroup",
        &resource,
        timeout,
        Backoff::SLOW,
        || async {
            Ok(match describe(aws, cluster, name).await? {
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

/// Resizes in place and waits for EKS to finish the update.
pub async fn resize(
    aws: &Aws,
    cluster: &str,
    name: &str,
    tooling: &Tooling,
    timeout: Duration,
) -> Result<(), Error> {
    let out = aws
        .eks
        .update_nodegroup_config()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .scaling_config(scaling(tooling))
        .send()
        .await
        .context(
            "eks:UpdateNodegroupConfig",
            nodegroup_resource(cluster, name),
        )?;
    match out.update().and_then(|u| u.id()) {
        Some(id) => wait_update(aws, cluster, Some(name), id, timeout).await,
        None => Ok(()),
    }
}

/// The tooling arguments as the running group has them (for drift).
pub fn flatten_tooling(group: &Nodegroup) -> super::state::ToolingState {
    use crate::plugin::Value;
    let scaling = group.scaling_config();
    let size = |v: Option<i32>| v.map(i64::from).into();
    super::state::ToolingState {
        instance_types: crate::resources::values::to_list(group.instance_types().iter().cloned()),
        ami_type: group.ami_type().map(|a| a.as_str().to_string()).into(),
        min_size: size(scaling.and_then(|s| s.min_size())),
        max_size: size(scaling.and_then(|s| s.max_size())),
        desired_size: scaling
            .and_then(|s| s.desired_size())
            .map_or(Value::Null, |n| Value::Value(i64::from(n))),
    }
}

/// Whether the running group matches the wanted sizes.
pub fn same_size(group: &Nodegroup, tooling: &Tooling) -> bool {
    group.scaling_config().is_some_and(|s| {
        s.min_size() == Some(tooling.min_size)
            && s.max_size() == Some(tooling.max_size)
            && s.desired_size() == Some(tooling.desired_size)
    })
}

/// Whether the running group can become the wanted one in place.
pub fn same_shape(group: &Nodegroup, tooling: &Tooling) -> bool {
    group.instance_types() == tooling.instance_types.as_slice()
        && group.ami_type().map(|a| a.as_str()) == Some(tooling.ami_type.as_str())
}

pub async fn delete(aws: &Aws, cluster: &str, name: &str, timeout: Duration) -> Result<(), Error> {
    let resource = nodegroup_resource(cluster, name);

    aws.eks
        .delete_nodegroup()
        .cluster_name(cluster)
        .nodegroup_name(name)
        .send()
        .await
        .map(|_| ())
        .context("eks:DeleteNodegroup", &resource)
        .ignore_not_found()?;
    wait::until(
        "eks:DescribeNodegroup",
        &resource,
        timeout,
        Backoff::SLOW,
        || async {
            Ok(match describe(aws, cluster, name).await? {
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

/// The node role is deleted like the cluster role.
pub use cluster::delete_role;
