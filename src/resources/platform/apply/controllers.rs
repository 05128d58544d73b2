//! What EMR on EKS needs running on the cluster besides Cluster Autoscaler:
//! the add-ons' own roles through EKS Pod Identity (the VPC CNI's and the
//! EBS CSI driver's, instead of the nodes' role), and AWS Load Balancer
//! Controller, which turns managed endpoints' Ingresses into load balancers.
//! Each piece is recorded as it comes to exist and forgotten once removed.

use super::super::private::AutoscalerIds;
use super::Context;
use crate::aws::eks::pod_identity;
use crate::aws::iam::role::{self, RoleSpec};
use crate::aws::kubernetes::Kube;
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::addons::{ADDON_IDENTITIES, ADDON_NAMESPACE};
use crate::platform::compute::ControllerNodes;
use crate::platform::load_balancer_controller as controller;
use crate::platform::naming::{self, PlatformRole};
use crate::platform::{iam_documents, manifests};
use crate::plugin::AttributePath;

use std::collections::BTreeMap;

/// A role the cluster's pods take through EKS Pod Identity, linked to
/// `namespace/service_account`; both recorded in `ids` once they exist.
async fn ensure_pod_role(
    ctx: &Context<'_>,
    kind: PlatformRole,
    description: &str,
    managed_policies: &[&str],
    policy: Option<&serde_json::Value>,
    (namespace, service_account): (&str, &str),
    ids: &mut AutoscalerIds,
) -> Result<()> {
    let aws = ctx.aws;
    let role_name = kind.name(ctx.cluster(), ctx.suffix);
    let account = aws.account_id().await?.to_string();
    let trust = iam_documents::pod_identity_trust(
        &naming::cluster_arn(&aws.partition, &aws.region, &account, ctx.cluster()),
        &[namespace.to_string()],
        &[service_account.to_string()],
    );
    let mut recorded = None;
    let arn = role::ensure_role(
        aws,
        &RoleSpec {
            name: &role_name,
            path: Some(&naming::iam_path(ctx.cluster())),
            description,
            trust: &trust,
            tags: &ctx.spec.tags,
            owner: ctx.owner,
            managed_policies,
            inline_policies: &[(naming::BASELINE_POLICY, policy)],
        },
        &mut recorded,
    )
    .await;
    if recorded.is_some() {
        ids.role_name = recorded;
    }
    let arn = arn?;
    ids.pod_identity_association = Some(
        pod_identity::ensure_pod_identity(
            aws,
            ctx.cluster(),
            namespace,
            service_account,
            &arn,
            &ctx.spec.tags,
        )
        .await?,
    );
    Ok(())
}

/// The roles and pod identity associations of the `addons` that have one
/// (the VPC CNI, the EBS CSI driver). Made before the first nodes start, so
/// that `aws-node` has its permissions as soon as it runs.
pub async fn ensure_addon_identities(
    ctx: &Context<'_>,
    addons: &[&str],
    identities: &mut BTreeMap<String, AutoscalerIds>,
) -> Result<()> {
    // Side by side, each on its own entry taken out of the map and put
    // back whatever happened, so what was made is recorded.
    let mut taken: Vec<_> = ADDON_IDENTITIES
        .iter()
        .filter(|identity| addons.contains(&identity.addon))
        .map(|identity| {
            let ids = identities.remove(identity.addon).unwrap_or_default();
            let description = format!("EKS add-on {} of an emreks platform", identity.addon);
            (identity, description, ids)
        })
        .collect();
    let results =
        futures::future::join_all(taken.iter_mut().map(|(identity, description, ids)| {
            ensure_pod_role(
                ctx,
                identity.role,
                description,
                identity.managed_policies,
                None,
                (ADDON_NAMESPACE, identity.service_account),
                ids,
            )
        }))
        .await;
    for (identity, _, ids) in taken {
        identities.insert(identity.addon.to_string(), ids);
    }
    results.into_iter().collect()
}

/// Removes the associations (when the cluster is there: EKS deletes them
/// with it otherwise) and roles of the add-ons not in `kept`, forgetting
/// each once gone.
pub async fn remove_addon_identities(
    aws: &Aws,
    cluster: &str,
    cluster_exists: bool,
    identities: &mut BTreeMap<String, AutoscalerIds>,
    kept: &[&str],
) -> Result<()> {
    let unwanted: Vec<String> = identities
        .keys()
        .filter(|addon| !kept.contains(&addon.as_str()))
        .cloned()
        .collect();
    for addon in unwanted {
        let Some(mut ids) = identities.remove(&addon) else {
            continue;
        };
        let removed = remove_pod_role(aws, cluster, cluster_exists, &mut ids).await;
        if let Err(err) = removed {
            identities.insert(addon, ids);
            return Err(err);
        }
    }
    Ok(())
}

/// Removes a Pod Identity role and its association (the association only
/// while the cluster exists: it goes with the cluster).
pub(super) async fn remove_pod_role(
    aws: &Aws,
    cluster: &str,
    cluster_exists: bool,
    ids: &mut AutoscalerIds,
) -> Result<()> {
    if let Some(association) = ids.pod_identity_association.clone() {
        if cluster_exists {
            pod_identity::delete_pod_identity(aws, cluster, &association).await?;
        }
        ids.pod_identity_association = None;
    }
    if let Some(role) = ids.role_name.clone() {
        role::delete_role(aws, &role).await?;
        ids.role_name = None;
    }
    Ok(())
}

/// AWS Load Balancer Controller on `nodes`: its role through EKS Pod
/// Identity, its webhook certificate (made once), and its objects.
/// Installed on every platform, Studio or not: notebook users (another
/// resource) may add managed endpoints to any platform later, and an
/// endpoint without the controller fails only after minutes.
pub async fn install_load_balancer_controller(
    ctx: &Context<'_>,
    kube: &Kube,
    kubernetes_version: (u32, u32),
    vpc_id: &str,
    nodes: ControllerNodes,
    ids: &mut AutoscalerIds,
) -> Result<()> {
    if let Some(why) = controller::unsupported(kubernetes_version) {
        return Err(Error::config(AttributePath::new("kubernetes_version"), why));
    }
    let policy = controller::iam_policy(&ctx.aws.partition);
    ensure_pod_role(
        ctx,
        PlatformRole::LoadBalancerController,
        "AWS Load Balancer Controller of an emreks platform",
        &[],
        Some(&policy),
        (controller::NAMESPACE, controller::SERVICE_ACCOUNT),
        ids,
    )
    .await?;
    let mut record = |manifest: &serde_json::Value| {
        let object = manifests::object_ref(manifest);
        if !ids.objects.contains(&object) {
            ids.objects.push(object);
        }
    };
    // A new certificate on every apply would restart the controller for nothing.
    let has_certificate = kube
        .exists(
            "v1",
            "Secret",
            Some(controller::NAMESPACE),
            controller::WEBHOOK_SECRET,
        )
        .await?;
    let manifests = controller::manifests(ctx.cluster(), &ctx.aws.region, vpc_id, nodes);
    let (definitions, rest) = manifests.split_at(2);
    for manifest in definitions {
        kube.apply(manifest).await?;
        record(manifest);
    }
    if !has_certificate {
        let (certificate, key) = webhook_certificate()?;
        let secret = controller::webhook_secret(&certificate, &key);
        kube.apply(&secret).await?;
        record(&secret);
    } else {
        record(&controller::webhook_secret("", ""));
    }
    for manifest in rest {
        kube.apply(manifest).await?;
        record(manifest);
    }
    Ok(())
}

/// The objects [`install_load_balancer_controller`] applies, in its order,
/// for a destroy that has to find them without a record.
pub fn applied_objects(cluster: &str, region: &str) -> Vec<manifests::ObjectRef> {
    let all = controller::manifests(cluster, region, "", ControllerNodes::Tooling);
    let (definitions, rest) = all.split_at(2);
    let secret = controller::webhook_secret("", "");
    definitions
        .iter()
        .chain(std::iter::once(&secret))
        .chain(rest)
        .map(manifests::object_ref)
        .collect()
}

/// A self-signed serving certificate for the controller's webhook server
/// (PEM certificate, PEM key). The key goes to the cluster only, never to
/// Terraform's state.
fn webhook_certificate() -> Result<(String, String)> {
    let fail = |why: rcgen::Error| {
        Error::kubernetes(
            "k8s:apply",
            format!(
                "secret {}/{}",
                controller::NAMESPACE,
                controller::WEBHOOK_SECRET
            ),
            format!("could not make the webhook certificate: {why}"),
        )
    };
    let key = rcgen::KeyPair::generate().map_err(fail)?;
    let params = rcgen::CertificateParams::new(controller::webhook_dns_names()).map_err(fail)?;
    let certificate = params.self_signed(&key).map_err(fail)?;
    Ok((certificate.pem(), key.serialize_pem()))
}
