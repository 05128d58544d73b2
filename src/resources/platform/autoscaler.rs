//! Cluster Autoscaler on the tooling nodes: its IAM role through EKS Pod
//! Identity, and its Kubernetes objects, at the release that matches the
//! cluster's Kubernetes minor version.

use std::collections::BTreeMap;

use super::identity::{self, RoleSpec};
use super::state::AutoscalerIds;
use crate::aws::{Aws, Error};
use crate::kubernetes::Kube;
use crate::platform::cluster_autoscaler::{self, DEFAULT_NAMESPACE, DEFAULT_SERVICE_ACCOUNT};
use crate::platform::{iam_documents, manifests};

/// Installs or refreshes Cluster Autoscaler, recording each piece in `ids`.
pub async fn install(
    aws: &Aws,
    kube: &Kube,
    cluster: &str,
    kubernetes_version: (u32, u32),
    role_name: &str,
    tags: &BTreeMap<String, String>,
    ids: &mut AutoscalerIds,
) -> Result<(), Error> {
    let mut created = false;
    let role_arn = identity::ensure_role(
        aws,
        &RoleSpec {
            platform: cluster,
            name: role_name,
            description: "Cluster Autoscaler of an emreks platform",
            trust: &iam_documents::pod_identity_trust(),
            baseline: &iam_documents::cluster_autoscaler_policy(&aws.partition, cluster),
            user_policy: None,
            tags,
        },
        &mut created,
    )
    .await;
    if created || role_arn.is_ok() {
        ids.role_name = Some(role_name.to_string());
    }
    let role_arn = role_arn?;
    ids.pod_identity_association = Some(
        identity::ensure_pod_identity(
            aws,
            cluster,
            DEFAULT_NAMESPACE,
            DEFAULT_SERVICE_ACCOUNT,
            &role_arn,
            tags,
        )
        .await?,
    );
    let image = cluster_autoscaler::image_for(kubernetes_version);
    let manifests = cluster_autoscaler::manifests(
        cluster,
        &aws.region,
        &image,
        DEFAULT_NAMESPACE,
        DEFAULT_SERVICE_ACCOUNT,
    );
    for manifest in &manifests {
        kube.apply(manifest).await?;
        let object = manifests::object_ref(manifest);
        if !ids.objects.contains(&object) {
            ids.objects.push(object);
        }
    }
    Ok(())
}

/// Removes the Kubernetes objects (when the cluster is reachable), the pod
/// identity association and the role, forgetting each once gone.
pub async fn uninstall(
    aws: &Aws,
    kube: Option<&Kube>,
    cluster: &str,
    ids: &mut AutoscalerIds,
) -> Result<(), Error> {
    if let Some(kube) = kube {
        while let Some((api_version, kind, namespace, name)) = ids.objects.pop() {
            let deleted = kube
                .delete(&api_version, &kind, namespace.as_deref(), &name)
                .await;
            if let Err(err) = deleted {
                ids.objects.push((api_version, kind, namespace, name));
                return Err(err);
            }
        }
    }
    ids.objects.clear();
    if let Some(association) = ids.pod_identity_association.clone() {
        identity::delete_pod_identity(aws, cluster, &association).await?;
        ids.pod_identity_association = None;
    }
    if let Some(role) = ids.role_name.clone() {
        super::cluster::delete_role(aws, &role).await?;
        ids.role_name = None;
    }
    Ok(())
}
