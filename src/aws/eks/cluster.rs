//! The EKS cluster: create, find, wait until active, change its endpoint
//! access and Kubernetes version in place, delete and wait until gone; and
//! the request parts every platform's cluster gets (private endpoint,
//! control-plane logs, access entries).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_eks::types::{
    AuthenticationMode, BlockStorage, Cluster, ClusterStatus, ComputeConfigRequest,
    CreateAccessConfigRequest, ElasticLoadBalancing, KubernetesNetworkConfigRequest, LogSetup,
    LogType, Logging, StorageConfigRequest, VpcConfigRequest,
};

use super::{cluster_resource, update};
use crate::aws::tags::hash_map;
use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::{retry, Aws};
use crate::error::{AwsContext, NotFound, Result};

/// CreateCluster is sent this many times while EKS cannot use a new role yet.
const CREATE_TRIES: u32 = 9;

pub struct ClusterRequest<'a> {
    pub name: &'a str,
    /// `None` takes EKS's default version.
    pub kubernetes_version: Option<&'a str>,
    pub role_arn: &'a str,
    pub subnet_ids: &'a [String],
    pub public_access_cidrs: &'a [String],
    pub tags: &'a BTreeMap<String, String>,
    /// Makes retries of one apply create one cluster.
    pub client_token: &'a str,
    /// EKS Auto Mode on, with the built-in pools, whose nodes take this role.
    pub auto_mode: Option<AutoMode<'a>>,
}

/// EKS Auto Mode's compute capability as the platform enables it.
#[derive(Clone, Copy, Debug)]
pub struct AutoMode<'a> {
    pub node_role_arn: &'a str,
    pub node_pools: &'a [&'a str],
}

/// Sends CreateCluster, again while IAM propagates a role made seconds ago.
pub async fn create_cluster(aws: &Aws, request: &ClusterRequest<'_>) -> Result<()> {
    let resource = cluster_resource(request.name);
    retry::while_role_propagates(CREATE_TRIES, "InvalidParameterException", || async {
        aws.eks
            .create_cluster()
            .name(request.name)
            .set_version(request.kubernetes_version.map(str::to_string))
            .role_arn(request.role_arn)
            .resources_vpc_config(vpc_config(request.subnet_ids, request.public_access_cidrs))
            .logging(control_plane_logging())
            .access_config(access_config())
            .set_compute_config(request.auto_mode.map(|auto| compute_config(Some(auto))))
            .set_storage_config(request.auto_mode.map(|_| storage_config(true)))
            .set_kubernetes_network_config(request.auto_mode.map(|_| load_balancing(true)))
            .set_tags(Some(hash_map(request.tags)))
            .client_request_token(request.client_token)
            .send()
            .await
            .context("eks:CreateCluster", &resource)
            .map(drop)
    })
    .await
}

/// The cluster as EKS describes it; `None` when there is none of that name.
pub async fn find_cluster(aws: &Aws, name: &str) -> Result<Option<Cluster>> {
    let described = aws
        .eks
        .describe_cluster()
        .name(name)
        .send()
        .await
        .context("eks:DescribeCluster", cluster_resource(name))
        .found()?;
    Ok(described.and_then(|out| out.cluster))
}

/// The names of every EKS cluster in the region, all pages.
pub async fn list_clusters(aws: &Aws) -> Result<Vec<String>> {
    aws.eks
        .list_clusters()
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .context("eks:ListClusters", "clusters")
}

/// The cluster as this process first read it, for plans and refreshes:
/// one DescribeCluster however many resources ask (see `aws::reads`).
pub async fn find_cluster_shared(aws: &Aws, name: &str) -> Result<Option<Cluster>> {
    aws.reads
        .read(name, "cluster", || find_cluster(aws, name))
        .await
}

/// Waits until the cluster is ACTIVE and returns its description.
pub async fn wait_cluster_active(aws: &Aws, name: &str, timeout: Duration) -> Result<Cluster> {
    let resource = cluster_resource(name);
    wait::until(
        "eks:DescribeCluster",
        &resource,
        timeout,
        Backoff::SLOW,
        || async {
            Ok(match find_cluster(aws, name).await? {
                None => Poll::Failed("the cluster disappeared while being created".into()),
                Some(cluster) => match cluster.status() {
                    Some(ClusterStatus::Active) => Poll::Ready(cluster),
                    Some(ClusterStatus::Failed) => Poll::Failed(format!(
                        "the cluster is FAILED{}",
                        cluster
                            .health()
                            .map(|h| format!(": {:?}", h.issues()))
                            .unwrap_or_default()
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

/// Starts deleting the cluster; one already gone is deleted.
pub async fn delete_cluster(aws: &Aws, name: &str) -> Result<()> {
    aws.eks
        .delete_cluster()
        .name(name)
        .send()
        .await
        .context("eks:DeleteCluster", cluster_resource(name))
        .ignore_not_found()
}

/// Waits until EKS no longer knows the cluster.
pub async fn wait_cluster_deleted(aws: &Aws, name: &str, timeout: Duration) -> Result<()> {
    wait::until(
        "eks:DescribeCluster",
        &cluster_resource(name),
        timeout,
        Backoff::SLOW,
        || async {
            Ok(match find_cluster(aws, name).await? {
                None => Poll::Ready(()),
                Some(cluster) => Poll::Pending(
                    cluster
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                ),
            })
        },
    )
    .await
}

/// Opens, narrows or closes the public endpoint, and waits for EKS.
pub async fn update_endpoint_access(
    aws: &Aws,
    cluster: &str,
    public_access_cidrs: &[String],
    timeout: Duration,
) -> Result<()> {
    let out = aws
        .eks
        .update_cluster_config()
        .name(cluster)
        .resources_vpc_config(endpoint_update(public_access_cidrs))
        .send()
        .await
        .context("eks:UpdateClusterConfig", cluster_resource(cluster))?;
    update::wait_started(aws, cluster, None, out.update(), timeout).await
}

/// Turns EKS Auto Mode on (with its built-in pools) or off: its compute,
/// block storage and load balancing capabilities in one request, as EKS
/// requires; waits for EKS.
pub async fn update_auto_mode(
    aws: &Aws,
    cluster: &str,
    auto_mode: Option<AutoMode<'_>>,
    timeout: Duration,
) -> Result<()> {
    let on = auto_mode.is_some();
    let out = aws
        .eks
        .update_cluster_config()
        .name(cluster)
        .compute_config(compute_config(auto_mode))
        .storage_config(storage_config(on))
        .kubernetes_network_config(load_balancing(on))
        .send()
        .await
        .context("eks:UpdateClusterConfig", cluster_resource(cluster))?;
    update::wait_started(aws, cluster, None, out.update(), timeout).await
}

/// Whether EKS Auto Mode is on for the cluster (its compute capability).
pub fn auto_mode_enabled(cluster: &Cluster) -> bool {
    cluster
        .compute_config()
        .and_then(|c| c.enabled())
        .unwrap_or(false)
}

fn compute_config(auto_mode: Option<AutoMode<'_>>) -> ComputeConfigRequest {
    match auto_mode {
        Some(auto) => ComputeConfigRequest::builder()
            .enabled(true)
            .node_role_arn(auto.node_role_arn)
            .set_node_pools(Some(
                auto.node_pools.iter().map(|p| p.to_string()).collect(),
            ))
            .build(),
        None => ComputeConfigRequest::builder().enabled(false).build(),
    }
}

fn storage_config(on: bool) -> StorageConfigRequest {
    StorageConfigRequest::builder()
        .block_storage(BlockStorage::builder().enabled(on).build())
        .build()
}

fn load_balancing(on: bool) -> KubernetesNetworkConfigRequest {
    KubernetesNetworkConfigRequest::builder()
        .elastic_load_balancing(ElasticLoadBalancing::builder().enabled(on).build())
        .build()
}

/// Upgrades one minor version at a time, as EKS requires.
pub async fn upgrade_cluster(
    aws: &Aws,
    cluster: &str,
    from: (u32, u32),
    to: (u32, u32),
    timeout: Duration,
) -> Result<()> {
    for minor in from.1 + 1..=to.1 {
        let version = format!("{}.{minor}", to.0);
        let out = aws
            .eks
            .update_cluster_version()
            .name(cluster)
            .version(&version)
            .send()
            .await
            .context("eks:UpdateClusterVersion", cluster_resource(cluster))?;
        update::wait_started(aws, cluster, None, out.update(), timeout).await?;
    }
    Ok(())
}

/// Private endpoint always; the public one only for the CIDRs the user lists.
pub fn vpc_config(subnet_ids: &[String], public_access_cidrs: &[String]) -> VpcConfigRequest {
    let public = !public_access_cidrs.is_empty();
    VpcConfigRequest::builder()
        .set_subnet_ids(Some(subnet_ids.to_vec()))
        .endpoint_private_access(true)
        .endpoint_public_access(public)
        .set_public_access_cidrs(public.then(|| public_access_cidrs.to_vec()))
        .build()
}

/// The endpoint part of an UpdateClusterConfig request (subnets cannot change there).
pub fn endpoint_update(public_access_cidrs: &[String]) -> VpcConfigRequest {
    let public = !public_access_cidrs.is_empty();
    VpcConfigRequest::builder()
        .endpoint_private_access(true)
        .endpoint_public_access(public)
        .set_public_access_cidrs(public.then(|| public_access_cidrs.to_vec()))
        .build()
}

/// All control-plane log types on: Spark platforms are audited and debugged through them.
pub fn control_plane_logging() -> Logging {
    Logging::builder()
        .cluster_logging(
            LogSetup::builder()
                .set_types(Some(vec![
                    LogType::Api,
                    LogType::Audit,
                    LogType::Authenticator,
                    LogType::ControllerManager,
                    LogType::Scheduler,
                ]))
                .enabled(true)
                .build(),
        )
        .build()
}

/// Access entries (no aws-auth ConfigMap edits), with the creator as admin so
/// the provider itself can reach the Kubernetes API.
pub fn access_config() -> CreateAccessConfigRequest {
    CreateAccessConfigRequest::builder()
        .authentication_mode(AuthenticationMode::ApiAndConfigMap)
        .bootstrap_cluster_creator_admin_permissions(true)
        .build()
}

/// The cluster's OIDC issuer URL, for IAM roles for service accounts.
pub fn oidc_issuer(cluster: &Cluster) -> Option<&str> {
    cluster
        .identity()
        .and_then(|i| i.oidc())
        .and_then(|o| o.issuer())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_is_private_unless_cidrs_are_given() {
        let private = vpc_config(&["s1".into(), "s2".into()], &[]);
        assert_eq!(private.endpoint_private_access(), Some(true));
        assert_eq!(private.endpoint_public_access(), Some(false));
        assert!(private.public_access_cidrs().is_empty());

        let public = vpc_config(&["s1".into()], &["203.0.113.0/24".into()]);
        assert_eq!(public.endpoint_public_access(), Some(true));
        assert_eq!(public.public_access_cidrs(), ["203.0.113.0/24"]);
    }

    #[test]
    fn all_log_types_are_enabled() {
        let logging = control_plane_logging();
        let setup = &logging.cluster_logging()[0];
        assert_eq!(setup.enabled(), Some(true));
        assert_eq!(setup.types().len(), 5);
    }

    #[test]
    fn auto_mode_turns_the_three_capabilities_on_and_off_together() {
        let pools = ["system"];
        let on = compute_config(Some(AutoMode {
            node_role_arn: "arn:aws:iam::111122223333:role/n",
            node_pools: &pools,
        }));
        assert_eq!(on.enabled(), Some(true));
        assert_eq!(on.node_pools(), ["system"]);
        let off = compute_config(None);
        assert_eq!((off.enabled(), off.node_role_arn()), (Some(false), None));
        assert_eq!(
            storage_config(true)
                .block_storage()
                .and_then(|b| b.enabled()),
            Some(true)
        );
        assert_eq!(
            load_balancing(false)
                .elastic_load_balancing()
                .and_then(|e| e.enabled()),
            Some(false)
        );
    }

    #[test]
    fn access_entries_are_used() {
        assert_eq!(
            access_config().authentication_mode(),
            Some(&AuthenticationMode::ApiAndConfigMap)
        );
    }
}
