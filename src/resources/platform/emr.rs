//! EMR on EKS on the platform's cluster: the EMR service-linked role and the
//! virtual clusters. EMR sets up its own access entry and namespace RBAC
//! when a virtual cluster is created on a cluster that uses access entries.

use crate::error::AwsContext;
use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_emrcontainers::types::{
    ContainerInfo, ContainerProvider, ContainerProviderType, EksInfo, VirtualClusterState,
};

use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::{Aws, Error};

/// EMR on EKS acts through this account-wide role; other platforms and
/// tools share it, so the platform ensures it but never deletes it.
pub async fn ensure_service_linked_role(aws: &Aws) -> Result<(), Error> {
    let result = aws
        .iam
        .create_service_linked_role()
        .aws_service_name("emr-containers.amazonaws.com")
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = Error::aws(
                "iam:CreateServiceLinkedRole",
                "EMR on EKS service-linked role",
                e,
            );
            let exists = err.mentions("has been taken") || err.is_already_exists();
            if exists {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

fn cluster_resource(name: &str, namespace: &str) -> String {
    format!("virtual cluster \"{name}\" (namespace \"{namespace}\")")
}

pub async fn create_virtual_cluster(
    aws: &Aws,
    name: &str,
    eks_cluster: &str,
    namespace: &str,
    tags: &BTreeMap<String, String>,
    client_token: &str,
) -> Result<String, Error> {
    let resource = cluster_resource(name, namespace);
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
        .set_tags(Some(tags.clone().into_iter().collect()))
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
pub async fn state(aws: &Aws, id: &str) -> Result<Option<VirtualClusterState>, Error> {
    match aws
        .emrcontainers
        .describe_virtual_cluster()
        .id(id)
        .send()
        .await
    {
        Ok(out) => Ok(out.virtual_cluster.and_then(|c| c.state)),
        Err(e) => {
            let err = Error::aws(
                "emr-containers:DescribeVirtualCluster",
                format!("virtual cluster {id}"),
                e,
            );
            // EMR answers an unknown id with a ValidationException.
            if err.is_not_found() || err.has_code("ValidationException") {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// Whether a virtual cluster is usable (not terminated or being terminated).
pub fn is_live(state: &Option<VirtualClusterState>) -> bool {
    matches!(
        state,
        Some(VirtualClusterState::Running | VirtualClusterState::Arrested)
    )
}

/// Deletes a virtual cluster and waits until EMR reports it terminated.
pub async fn delete_virtual_cluster(aws: &Aws, id: &str, timeout: Duration) -> Result<(), Error> {
    let resource = format!("virtual cluster {id}");
    if !is_live(&state(aws, id).await?) {
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
            Ok(match state(aws, id).await? {
                None | Some(VirtualClusterState::Terminated) => Poll::Ready(()),
                Some(other) => Poll::Pending(other.as_str().to_string()),
            })
        },
    )
    .await
}
