//! The steps that need no cluster, run while EKS creates it: the nodes'
//! IAM role, the EMR on EKS service-linked role, the assets bucket with the
//! pod templates, and the jobs' log groups; and their removal once the
//! cluster and its nodes are gone.

use super::super::private::PlatformPrivate;
use super::super::schema::PlatformSpec;
use super::{Built, Context};
use crate::aws::iam::role::{self, RoleSpec};
use crate::aws::iam::service_linked_role;
use crate::aws::logs::log_group;
use crate::aws::s3::{bucket, object};
use crate::aws::Aws;
use crate::error::Result;
use crate::platform::naming::{self, BucketPurpose, Owner, PlatformRole};
use crate::platform::{iam_documents, jobs};

pub async fn ensure_assets(
    ctx: &Context<'_>,
    private: &mut PlatformPrivate,
    built: &mut Built,
) -> Result<()> {
    let (aws, spec) = (ctx.aws, ctx.spec);
    let node_role = PlatformRole::Node.name(ctx.cluster(), ctx.suffix);
    let mut node_policies = iam_documents::NODE_ROLE_POLICIES.to_vec();
    if spec.node_ssm_access {
        node_policies.push(iam_documents::NODE_SSM_POLICY);
    }
    let arn = role::ensure_role(
        aws,
        &RoleSpec {
            name: &node_role,
            path: Some(&naming::iam_path(ctx.cluster())),
            description: "EKS nodes of an emreks platform",
            trust: &iam_documents::node_role_trust(),
            tags: &spec.tags,
            owner: ctx.owner,
            managed_policies: &node_policies,
            inline_policies: &[],
        },
        &mut private.node_role_name,
    )
    .await?;
    if !spec.node_ssm_access {
        // Earlier releases attached it to every node role.
        role::detach_managed_policy(aws, &node_role, iam_documents::NODE_SSM_POLICY).await?;
    }
    built.node_role_arn = Some(arn);
    // EMR on EKS acts through this account-wide role; other platforms and
    // tools share it, so the platform makes it but never deletes it.
    service_linked_role::ensure_service_linked_role(
        aws,
        "emr-containers.amazonaws.com",
        "EMR on EKS service-linked role",
    )
    .await?;

    let name = ensure_bucket(
        aws,
        ctx.cluster(),
        ctx.suffix,
        &spec.tags,
        &mut private.assets_bucket,
    )
    .await?;
    let prefix = naming::pod_template_prefix(ctx.cluster());
    for (key, body) in jobs::pod_template_objects(&prefix, ctx.spec.compute) {
        object::put_object(aws, &name, &key, body.as_bytes(), "application/yaml").await?;
    }
    built.assets_bucket = Some(name.clone());
    built.pod_template_uris = Some(jobs::pod_template_uris(&name, &prefix));

    let account = aws.account_id().await?.to_string();
    let groups = jobs::log_group_names(ctx.cluster());
    for group in groups.values() {
        let arn = naming::log_group_arn(&aws.partition, &aws.region, &account, group);
        let recorded = private.log_groups.contains(group);
        let ours = log_group::ensure_log_group(
            aws,
            group,
            &arn,
            spec.log_retention_days,
            &spec.tags,
            ctx.owner,
            recorded,
        )
        .await?;
        // A group of that name without the marker is someone else's: the
        // jobs may log there, but destroy leaves it.
        if ours && !recorded {
            private.log_groups.push(group.clone());
        }
    }
    built.log_group_names = Some(groups);
    Ok(())
}

/// The control-plane log group, with the platform's retention and tags:
/// made before the cluster, since EKS would otherwise make it itself, keep
/// its events forever and leave it behind on delete.
/// A group of that name without the marker (left by an earlier cluster of
/// the name, or someone's) is not adopted: EKS writes to it, destroy leaves it.
pub async fn ensure_cluster_log_group(
    aws: &Aws,
    spec: &PlatformSpec,
    owner: &Owner,
    log_groups: &mut Vec<String>,
) -> Result<()> {
    let name = naming::cluster_log_group(&spec.name);
    let account = aws.account_id().await?.to_string();
    let arn = naming::log_group_arn(&aws.partition, &aws.region, &account, &name);
    let recorded = log_groups.contains(&name);
    let ours = log_group::ensure_log_group(
        aws,
        &name,
        &arn,
        spec.log_retention_days,
        &spec.tags,
        owner,
        recorded,
    )
    .await?;
    if ours && !recorded {
        log_groups.push(name);
    }
    Ok(())
}

/// The platform's assets bucket, made private and TLS-only when missing,
/// retagged when there; `recorded` holds its name once it exists.
pub async fn ensure_bucket(
    aws: &Aws,
    cluster: &str,
    suffix: &str,
    tags: &std::collections::BTreeMap<String, String>,
    recorded: &mut Option<String>,
) -> Result<String> {
    let name = recorded
        .clone()
        .unwrap_or_else(|| naming::bucket(BucketPurpose::Assets, cluster, suffix));
    if bucket::bucket_exists(aws, &name).await? {
        bucket::retag_bucket(aws, &name, tags).await?;
    } else {
        let mut created = false;
        let policy = iam_documents::tls_only_bucket_policy(&aws.partition, &name);
        let result = bucket::create_private(
            aws,
            &name,
            tags,
            &policy,
            bucket::Versioning::Off,
            &mut created,
        )
        .await;
        if created {
            *recorded = Some(name.clone());
        }
        result?;
    }
    *recorded = Some(name.clone());
    Ok(name)
}

/// Removes what `ensure_assets` made; after the cluster and its nodes are gone.
pub async fn teardown_assets(aws: &Aws, private: &mut PlatformPrivate) -> Result<()> {
    if let Some(role) = private.node_role_name.clone() {
        role::delete_role(aws, &role).await?;
        private.node_role_name = None;
    }
    // Auto Mode's nodes went with the cluster.
    if let Some(role) = private.auto_node_role_name.clone() {
        role::delete_role(aws, &role).await?;
        private.auto_node_role_name = None;
    }
    for name in private.log_groups.clone() {
        log_group::delete_log_group(aws, &name).await?;
        private.log_groups.retain(|n| *n != name);
    }
    if let Some(name) = private.assets_bucket.clone() {
        bucket::delete_bucket(aws, &name).await?;
        private.assets_bucket = None;
    }
    Ok(())
}
