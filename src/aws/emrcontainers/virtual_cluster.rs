//! EMR virtual clusters on an EKS namespace: create, find, list a
//! cluster's, delete and wait until terminated. EMR sets up its own access
//! entry and namespace RBAC on a cluster that uses access entries.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_emrcontainers::types::{
    ContainerInfo, ContainerProvider, ContainerProviderType, EksInfo, VirtualCluster,
    VirtualClusterState,
};

use crate::aws::tags::hash_map;
use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::Aws;
use crate::error::{AwsContext, Error, Result};

pub async fn create_virtual_cluster(
    aws: &Aws,
    name: &str,
    eks_cluster: &str,
    namespace: &str,
    tags: &BTreeMap<String, String>,
    client_token: &str,
) -> Result<String> {
    let resource = format!("virtual cluster \"{name}\" (namespace \"{namespace}\")");
    let provider = ContainerProvider::builder()
        .r#type(ContainerProviderType::Eks)
        .id(eks_cluster)
        .info(ContainerInfo::EksInfo(
            EksInfo::builder().namespace(namespace).build(),
        ))
        .build()
        .map_err(|e| {
            Error::aws_message(
                "emr-containers:CreateVirtualCluster",
                &resource,
                e.to_string(),
            )
        })?;
    let out = aws
        .emrcontainers
        .create_virtual_cluster()
        .name(name)
        .container_provider(provider)
        .client_token(client_token)
        .set_tags(Some(hash_map(tags)))
        .send()
        .await
        .context("emr-containers:CreateVirtualCluster", &resource)?;
    out.id.ok_or_else(|| {
        Error::aws_message(
            "emr-containers:CreateVirtualCluster",
            &resource,
            "no id in the response",
        )
    })
}

/// The state of a virtual cluster; `None` when EMR no longer knows it.
pub async fn virtual_cluster_state(aws: &Aws, id: &str) -> Result<Option<VirtualClusterState>> {
    let described = aws
        .emrcontainers
        .describe_virtual_cluster()
        .id(id)
        .send()
        .await
        .context(
            "emr-containers:DescribeVirtualCluster",
            format!("virtual cluster {id}"),
        );
    match described {
        Ok(out) => Ok(out.virtual_cluster.and_then(|c| c.state)),
        // EMR answers an unknown id with a ValidationException.
        Err(err) if err.is_not_found() || err.has_code("ValidationException") => Ok(None),
        Err(err) => Err(err),
    }
}

/// Whether a virtual cluster is usable (not terminated or being terminated).
pub fn is_live(state: Option<&VirtualClusterState>) -> bool {
    matches!(
        state,
        Some(VirtualClusterState::Running | VirtualClusterState::Arrested)
    )
}

/// The virtual clusters on the EKS cluster, in the given states (all when none).
pub async fn list_virtual_clusters(
    aws: &Aws,
    eks_cluster: &str,
    states: Option<Vec<VirtualClusterState>>,
) -> Result<Vec<VirtualCluster>> {
    aws.emrcontainers
        .list_virtual_clusters()
        .container_provider_id(eks_cluster)
        .container_provider_type(ContainerProviderType::Eks)
        .set_states(states)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context(
            "emr-containers:ListVirtualClusters",
            format!("EKS cluster \"{eks_cluster}\""),
        )
}

/// The namespace a virtual cluster runs its jobs in.
pub fn namespace_of(cluster: &VirtualCluster) -> Option<&str> {
    cluster
        .container_provider()
        .and_then(|p| p.info())
        .and_then(|info| info.as_eks_info().ok())
        .and_then(|eks| eks.namespace())
}

/// Deletes the virtual cluster and waits until EMR reports it terminated;
/// one already gone is deleted.
pub async fn delete_virtual_cluster(aws: &Aws, id: &str, timeout: Duration) -> Result<()> {
    let resource = format!("virtual cluster {id}");
    if !is_live(virtual_cluster_state(aws, id).await?.as_ref()) {
        return Ok(());
    }
    aws.emrcontainers
        .delete_virtual_cluster()
        .id(id)
        .send()
        .await
        .context("emr-containers:DeleteVirtualCluster", &resource)?;
    wait::until(
        "emr-containers:DescribeVirtualCluster",
        &resource,
        timeout,
        Backoff::FAST,
        || async {
            Ok(match virtual_cluster_state(aws, id).await? {
                None | Some(VirtualClusterState::Terminated) => Poll::Ready(()),
                Some(other) => Poll::Pending(other.as_str().to_string()),
            })
        },
    )
    .await
}
