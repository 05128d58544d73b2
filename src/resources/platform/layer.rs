//! The EMR-on-EKS layer of the platform, brought to what the configuration
//! asks for. Every step checks what exists and makes only what is missing or
//! different, so one `reconcile` serves create, update and drift repair, and
//! `teardown` removes every piece in dependency order.

use crate::error::AwsContext;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::plugin::{AttributePath, Value};
use aws_sdk_eks::types::Cluster;

use super::desired;
use super::state::PlatformPrivate;
use super::state::PlatformState;
use super::{addons, autoscaler, emr, identity, nodes};
use crate::aws::{bucket, log_groups, studio, Aws, Error};
use crate::kubernetes::{self, Kube};
use crate::platform::iam_documents;
use crate::platform::jobs;
use crate::platform::naming::{self, BucketPurpose, PlatformRole};
use crate::resources::values::{known, strings, to_map};

/// What every step needs to know about the platform.
pub struct Context<'a> {
    pub aws: &'a Aws,
    pub cluster: &'a str,
    pub suffix: &'a str,
    pub tags: &'a BTreeMap<String, String>,
    pub client_token: &'a str,
    pub timeout: Duration,
}

/// Steps that need no cluster, run while EKS creates it: the node role, the
/// EMR service-linked role, the assets bucket with the pod templates, and
/// the log groups.
pub async fn ensure_assets(
    ctx: &Context<'_>,
    state: &mut PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    let aws = ctx.aws;
    let node_role = PlatformRole::Node.name(ctx.cluster, ctx.suffix);
    let arn = nodes::ensure_node_role(
        aws,
        ctx.cluster,
        &node_role,
        ctx.tags,
        &mut private.node_role_name,
    )
    .await?;
    state.node_role_arn = Value::Value(arn);
    emr::ensure_service_linked_role(aws).await?;

    let bucket = private
        .assets_bucket
        .clone()
        .unwrap_or_else(|| naming::bucket(BucketPurpose::Assets, ctx.cluster, ctx.suffix));
    if bucket::exists(aws, &bucket).await? {
        bucket::retag(aws, &bucket, ctx.tags).await?;
    } else {
        let mut created = false;
        let result = bucket::create_private(aws, &bucket, ctx.tags, &mut created).await;
        if created {
            private.assets_bucket = Some(bucket.clone());
        }
        result?;
    }
    private.assets_bucket = Some(bucket.clone());
    let prefix = naming::pod_template_prefix(ctx.cluster);
    for (key, body) in jobs::pod_template_objects(&prefix) {
        bucket::put_object(aws, &bucket, &key, body.as_bytes(), "application/yaml").await?;
    }
    state.assets_bucket = Value::Value(bucket.clone());
    state.pod_template_uris = to_map(&jobs::pod_template_uris(&bucket, &prefix));

    let retention = state
        .log_retention_days
        .as_ref_option()
        .copied()
        .unwrap_or(crate::platform::defaults::LOG_RETENTION_DAYS);
    let retention = crate::platform::validate::check_retention(retention)
        .map_err(|why| Error::config(AttributePath::new("log_retention_days"), why))?;
    let groups = jobs::log_group_names(ctx.cluster);
    for name in groups.values() {
        log_groups::ensure(aws, name, retention, ctx.tags).await?;
        if !private.log_groups.contains(name) {
            private.log_groups.push(name.clone());
        }
    }
    state.log_group_names = to_map(&groups);
    Ok(())
}

/// Steps on the running cluster.
pub async fn reconcile(
    ctx: &Context<'_>,
    cluster: &Cluster,
    state: &mut PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    let aws = ctx.aws;
    let issuer = cluster
        .identity()
        .and_then(|i| i.oidc())
        .and_then(|o| o.issuer())
        .ok_or_else(|| {
            Error::aws_message(
                "eks:DescribeCluster",
                ctx.cluster,
                "the cluster has no OIDC issuer",
            )
        })?;
    let (oidc_arn, _) = identity::ensure_oidc_provider(aws, issuer, ctx.tags).await?;
    private.oidc_provider_arn = Some(oidc_arn.clone());
    state.oidc_provider_arn = Value::Value(oidc_arn.clone());

    ensure_tooling(ctx, state, private).await?;
    ensure_addons(ctx, cluster, state, private).await?;

    let kube = kubernetes::connect(aws, cluster).await?;
    ensure_virtual_clusters(ctx, &kube, state, private).await?;
    ensure_execution_roles(ctx, issuer, &oidc_arn, state, private).await?;
    let version = cluster
        .version()
        .and_then(|v| crate::platform::validate::kubernetes_version(v).ok())
        .unwrap_or((1, 31));
    let autoscaler_role = PlatformRole::Autoscaler.name(ctx.cluster, ctx.suffix);
    autoscaler::install(
        aws,
        &kube,
        ctx.cluster,
        version,
        &autoscaler_role,
        ctx.tags,
        &mut private.autoscaler,
    )
    .await?;

    state.virtual_cluster_ids = to_map(&private.virtual_clusters);
    state.job_run_requests = to_map(&job_requests(state, private));
    ensure_studio(ctx, state, private).await
}

/// The Studio as configured: made when missing, renamed in place, remade
/// when its sign-in changes, deleted when the block goes.
async fn ensure_studio(
    ctx: &Context<'_>,
    state: &mut PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    let aws = ctx.aws;
    let wanted = state.studio.as_ref_option().cloned();
    let existing = match private
        .studio
        .as_ref()
        .and_then(|ids| ids.studio_id.clone())
    {
        Some(id) => studio::describe(aws, &id).await?,
        None => None,
    };
    if let (Some(config), Some(running)) = (&wanted, &existing) {
        let mode =
            known(&config.auth_mode).and_then(|m| crate::platform::studio::AuthMode::parse(m).ok());
        if mode == Some(running.auth_mode) {
            let name = known(&config.name).unwrap_or_default();
            if running.name != name {
                let id = private
                    .studio
                    .as_ref()
                    .and_then(|i| i.studio_id.clone())
                    .unwrap_or_default();
                studio::rename(aws, &id, name).await?;
            }
            set_studio_state(state, private.studio.as_ref());
            return Ok(());
        }
    }
    if let Some(ids) = private.studio.as_mut() {
        studio::delete(aws, ids).await?;
        private.studio = None;
    }
    let Some(config) = wanted else {
        set_studio_state(state, None);
        return Ok(());
    };
    let account = aws.account_id().await?.to_string();
    let auth_mode =
        crate::platform::studio::AuthMode::parse(known(&config.auth_mode).unwrap_or_default())
            .map_err(|why| {
                Error::config(
                    AttributePath::new("studio").index(0).attribute("auth_mode"),
                    why,
                )
            })?;
    let bucket = naming::bucket(BucketPurpose::Studio, ctx.cluster, ctx.suffix);
    let sso = auth_mode == crate::platform::studio::AuthMode::Sso;
    let subnets: Vec<String> = crate::resources::values::string_map(&state.subnet_ids_by_az)
        .into_values()
        .take(5)
        .collect();
    let spec = studio::StudioSpec {
        platform: ctx.cluster,
        suffix: ctx.suffix,
        name: known(&config.name).unwrap_or_default(),
        auth_mode,
        idc_instance_arn: known(&config.idc_instance_arn),
        vpc_id: known(&state.vpc_id).unwrap_or_default(),
        subnet_ids: &subnets,
        tags: ctx.tags,
        service_trust: crate::platform::studio::studio_service_role_trust(
            &aws.partition,
            &aws.region,
            &account,
        ),
        service_policy: crate::platform::studio::studio_service_policy(&aws.partition, &bucket),
        user_trust: sso.then(|| {
            crate::platform::studio::studio_user_role_trust(&aws.partition, &aws.region, &account)
        }),
        user_policy: sso.then(crate::platform::studio::studio_user_policy),
    };
    let ids = private.studio.get_or_insert_with(Default::default);
    studio::create(aws, &spec, ids).await?;
    set_studio_state(state, private.studio.as_ref());
    Ok(())
}

fn set_studio_state(state: &mut PlatformState, ids: Option<&studio::StudioIds>) {
    let text = |v: Option<&String>| v.cloned().map_or(Value::Null, Value::Value);
    state.studio_id = text(ids.and_then(|i| i.studio_id.as_ref()));
    state.studio_url = text(ids.and_then(|i| i.url.as_ref()));
    state.studio_engine_security_group_id =
        text(ids.and_then(|i| i.engine_security_group.as_ref()));
    state.studio_workspace_security_group_id =
        text(ids.and_then(|i| i.workspace_security_group.as_ref()));
}

/// Ready-made requests from the state and the ids the platform holds.
pub fn job_requests(state: &PlatformState, private: &PlatformPrivate) -> BTreeMap<String, String> {
    let role_arns = crate::resources::values::string_map(&state.execution_role_arns);
    desired::job_run_requests(
        state,
        &jobs::Built {
            bucket: private.assets_bucket.as_deref().unwrap_or_default(),
            prefix: &naming::pod_template_prefix(known(&state.name).unwrap_or_default()),
            virtual_cluster_ids: &private.virtual_clusters,
            execution_role_arns: &role_arns,
        },
    )
}

async fn ensure_tooling(
    ctx: &Context<'_>,
    state: &mut PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    let aws = ctx.aws;
    let wanted = desired::tooling(state);
    let existing = match &private.tooling_nodegroup {
        Some(name) => nodes::describe(aws, ctx.cluster, name).await?,
        None => None,
    };
    if let Some(group) = &existing {
        if nodes::same_shape(group, &wanted) {
            let name = group.nodegroup_name().unwrap_or_default();
            if !nodes::same_size(group, &wanted) {
                nodes::resize(aws, ctx.cluster, name, &wanted, ctx.timeout).await?;
            }
            state.tooling_nodegroup_name = Value::Value(name.to_string());
            return Ok(());
        }
    }
    // Missing, or its instance types or AMI changed: a new group replaces it
    // (a fresh name, since the old one drains while the new one starts).
    let name = naming::tooling_nodegroup(&crate::resources::platform::random_token(6));
    let node_role_arn = known(&state.node_role_arn).unwrap_or_default().to_string();
    let subnets: Vec<String> = crate::resources::values::string_map(&state.subnet_ids_by_az)
        .into_values()
        .collect();
    nodes::create_tooling(
        aws,
        &nodes::NodegroupRequest {
            cluster: ctx.cluster,
            name: &name,
            node_role_arn: &node_role_arn,
            subnet_ids: subnets,
            tooling: &wanted,
            tags: ctx.tags,
            client_token: &format!("{}-{name}", ctx.client_token),
        },
    )
    .await?;
    let old = private.tooling_nodegroup.replace(name.clone());
    nodes::wait_active(aws, ctx.cluster, &name, ctx.timeout).await?;
    state.tooling_nodegroup_name = Value::Value(name);
    if let (Some(old), Some(_)) = (old, existing) {
        nodes::delete(aws, ctx.cluster, &old, ctx.timeout).await?;
    }
    Ok(())
}

async fn ensure_addons(
    ctx: &Context<'_>,
    cluster: &Cluster,
    state: &mut PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    let aws = ctx.aws;
    let version = cluster.version().unwrap_or_default();
    let catalogue = addons::catalogue(aws, version).await?;
    let chosen = crate::platform::addons::choose(&catalogue, version)
        .map_err(|why| Error::aws_message("eks:DescribeAddonVersions", ctx.cluster, why))?;
    let mut installed = BTreeMap::new();
    for (addon, addon_version) in &chosen {
        addons::ensure(aws, ctx.cluster, addon, addon_version, ctx.tags).await?;
        if !private.addons.contains(addon) {
            private.addons.push(addon.clone());
        }
    }
    for addon in chosen.keys() {
        addons::wait_active(aws, ctx.cluster, addon, ctx.timeout).await?;
        if let Some(v) = addons::describe_version(aws, ctx.cluster, addon).await? {
            installed.insert(addon.clone(), v);
        }
    }
    state.addon_versions = to_map(&installed);
    Ok(())
}

fn wanted_virtual_clusters(state: &PlatformState) -> BTreeMap<String, String> {
    state
        .virtual_clusters
        .iter()
        .flatten()
        .filter_map(|(key, vc)| {
            Some((
                key.clone(),
                known(&vc.as_ref_option()?.namespace)?.to_string(),
            ))
        })
        .collect()
}

async fn ensure_virtual_clusters(
    ctx: &Context<'_>,
    kube: &Kube,
    state: &PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    let aws = ctx.aws;
    let wanted = wanted_virtual_clusters(state);
    let namespaces: BTreeSet<String> = wanted.values().cloned().collect();
    // Virtual clusters no longer wanted (or on another namespace) go first.
    for (key, id) in private.virtual_clusters.clone() {
        let live = emr::is_live(&emr::state(aws, &id).await?);
        let keep = live
            && wanted.contains_key(&key)
            && private_namespace(private, &key) == wanted.get(&key);
        if !keep {
            emr::delete_virtual_cluster(aws, &id, ctx.timeout).await?;
            private.virtual_clusters.remove(&key);
            private.virtual_cluster_namespaces.remove(&key);
        }
    }
    for namespace in private.namespaces.clone() {
        if !namespaces.contains(&namespace) {
            kube.delete_namespace_and_wait(&namespace, ctx.timeout)
                .await?;
            private.namespaces.retain(|n| *n != namespace);
        }
    }
    for namespace in &namespaces {
        kube.apply(&crate::platform::manifests::namespace(namespace))
            .await?;
        if !private.namespaces.contains(namespace) {
            private.namespaces.push(namespace.clone());
        }
    }
    for (key, namespace) in &wanted {
        if private.virtual_clusters.contains_key(key) {
            continue;
        }
        let token = format!("{}-vc-{key}", ctx.client_token);
        let id =
            emr::create_virtual_cluster(aws, key, ctx.cluster, namespace, ctx.tags, &token).await?;
        private.virtual_clusters.insert(key.clone(), id);
        private
            .virtual_cluster_namespaces
            .insert(key.clone(), namespace.clone());
    }
    Ok(())
}

fn private_namespace<'a>(private: &'a PlatformPrivate, key: &str) -> Option<&'a String> {
    private.virtual_cluster_namespaces.get(key)
}

async fn ensure_execution_roles(
    ctx: &Context<'_>,
    issuer: &str,
    oidc_arn: &str,
    state: &mut PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    let aws = ctx.aws;
    let account = aws.account_id().await?.to_string();
    let bucket = private.assets_bucket.clone().unwrap_or_default();
    let log_group_arns: Vec<String> = private
        .log_groups
        .iter()
        .map(|name| naming::log_group_arn(&aws.partition, &aws.region, &account, name))
        .collect();
    let baseline = iam_documents::job_baseline_policy(
        &aws.partition,
        &bucket,
        &naming::pod_template_prefix(ctx.cluster),
        &log_group_arns,
    );
    let wanted: BTreeMap<String, super::state::ExecutionRoleState> = state
        .execution_roles
        .iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_ref_option()?.clone())))
        .collect();
    for (key, role_name) in private.execution_roles.clone() {
        if !wanted.contains_key(&key) {
            for association in private
                .pod_identity_associations
                .remove(&key)
                .unwrap_or_default()
            {
                identity::delete_pod_identity(aws, ctx.cluster, &association).await?;
            }
            super::cluster::delete_role(aws, &role_name).await?;
            private.execution_roles.remove(&key);
        }
    }
    let mut arns = BTreeMap::new();
    for (key, role) in &wanted {
        let role_name = private
            .execution_roles
            .get(key)
            .cloned()
            .unwrap_or_else(|| naming::execution_role(ctx.cluster, key, ctx.suffix));
        let namespaces = strings(&role.namespaces);
        let pod_identity = iam_documents::Trust::parse(known(&role.trust))
            == Ok(iam_documents::Trust::PodIdentity);
        let trust = if pod_identity {
            iam_documents::pod_identity_trust()
        } else {
            iam_documents::irsa_trust(oidc_arn, issuer, &account, &role_name, &namespaces).map_err(
                |why| Error::config(execution_role_path(key).attribute("namespaces"), why),
            )?
        };
        let user_policy = known(&role.policy)
            .map(crate::platform::validate::policy_document)
            .transpose()
            .map_err(|why| Error::config(execution_role_path(key).attribute("policy"), why))?;
        let mut role_tags = ctx.tags.clone();
        role_tags.insert(naming::EXECUTION_ROLE_TAG.to_string(), key.clone());
        let mut created = false;
        let arn = identity::ensure_role(
            aws,
            &identity::RoleSpec {
                platform: ctx.cluster,
                name: &role_name,
                description: "EMR on EKS job execution role of an emreks platform",
                trust: &trust,
                baseline: &baseline,
                user_policy: user_policy.as_ref(),
                tags: &role_tags,
            },
            &mut created,
        )
        .await;
        if created || arn.is_ok() {
            private
                .execution_roles
                .insert(key.clone(), role_name.clone());
        }
        let arn = arn?;
        let mut associations = Vec::new();
        if pod_identity {
            for namespace in &namespaces {
                for service_account in
                    iam_documents::pod_identity_service_accounts(&account, &role_name)
                {
                    associations.push(
                        identity::ensure_pod_identity(
                            aws,
                            ctx.cluster,
                            namespace,
                            &service_account,
                            &arn,
                            ctx.tags,
                        )
                        .await?,
                    );
                }
            }
        }
        for stale in private
            .pod_identity_associations
            .get(key)
            .cloned()
            .unwrap_or_default()
        {
            if !associations.contains(&stale) {
                identity::delete_pod_identity(aws, ctx.cluster, &stale).await?;
            }
        }
        if associations.is_empty() {
            private.pod_identity_associations.remove(key);
        } else {
            private
                .pod_identity_associations
                .insert(key.clone(), associations);
        }
        arns.insert(key.clone(), arn);
    }
    state.execution_role_arns = to_map(&arns);
    Ok(())
}

fn execution_role_path(key: &str) -> AttributePath {
    AttributePath::new("execution_roles").key(key)
}

/// Removes the layer, most dependent first. `cluster` is `None` when the
/// cluster is gone (then its add-ons, nodegroups and namespaces went with it).
pub async fn teardown(
    aws: &Aws,
    cluster_name: &str,
    cluster: Option<&Cluster>,
    private: &mut PlatformPrivate,
    timeout: Duration,
) -> Result<(), Error> {
    if let Some(ids) = private.studio.as_mut() {
        studio::delete(aws, ids).await?;
        private.studio = None;
    }
    for (key, id) in private.virtual_clusters.clone() {
        emr::delete_virtual_cluster(aws, &id, timeout).await?;
        private.virtual_clusters.remove(&key);
        private.virtual_cluster_namespaces.remove(&key);
    }
    for (key, role) in private.execution_roles.clone() {
        if cluster.is_some() {
            for association in private
                .pod_identity_associations
                .get(&key)
                .cloned()
                .unwrap_or_default()
            {
                identity::delete_pod_identity(aws, cluster_name, &association).await?;
            }
        }
        private.pod_identity_associations.remove(&key);
        super::cluster::delete_role(aws, &role).await?;
        private.execution_roles.remove(&key);
    }
    let kube = match cluster {
        Some(cluster) => Some(kubernetes::connect(aws, cluster).await?),
        None => None,
    };
    autoscaler::uninstall(aws, kube.as_ref(), cluster_name, &mut private.autoscaler).await?;
    if let Some(kube) = &kube {
        for namespace in private.namespaces.clone() {
            kube.delete_namespace_and_wait(&namespace, timeout).await?;
            private.namespaces.retain(|n| *n != namespace);
        }
    }
    private.namespaces.clear();
    if cluster.is_some() {
        for addon in private.addons.clone() {
            addons::delete(aws, cluster_name, &addon).await?;
            private.addons.retain(|a| *a != addon);
        }
        if let Some(group) = private.tooling_nodegroup.clone() {
            nodes::delete(aws, cluster_name, &group, timeout).await?;
        }
    }
    private.addons.clear();
    private.tooling_nodegroup = None;
    if let Some(arn) = private.oidc_provider_arn.clone() {
        identity::delete_oidc_provider(aws, &arn).await?;
        private.oidc_provider_arn = None;
    }
    Ok(())
}

/// Removes what `ensure_assets` made; after the cluster and its nodes are gone.
pub async fn teardown_assets(aws: &Aws, private: &mut PlatformPrivate) -> Result<(), Error> {
    if let Some(role) = private.node_role_name.clone() {
        nodes::delete_role(aws, &role).await?;
        private.node_role_name = None;
    }
    for name in private.log_groups.clone() {
        log_groups::delete(aws, &name).await?;
        private.log_groups.retain(|n| *n != name);
    }
    if let Some(bucket) = private.assets_bucket.clone() {
        bucket::delete_all(aws, &bucket).await?;
        private.assets_bucket = None;
    }
    Ok(())
}

/// Reads the layer back into the state: what is missing drops out of the
/// computed maps, so the next plan shows it and the update makes it again.
pub async fn read(
    aws: &Aws,
    cluster_name: &str,
    state: &mut PlatformState,
    private: &PlatformPrivate,
) -> Result<(), Error> {
    if let Some(name) = &private.tooling_nodegroup {
        let group = nodes::describe(aws, cluster_name, name).await?;
        state.tooling_nodegroup_name = match &group {
            Some(_) => Value::Value(name.clone()),
            None => Value::Null,
        };
        // The block shows what runs only when the configuration has it.
        if let (Value::Value(_), Some(group)) = (&state.tooling, &group) {
            state.tooling = Value::Value(nodes::flatten_tooling(group));
        }
    }
    let mut versions = BTreeMap::new();
    for addon in &private.addons {
        if let Some(version) = addons::describe_version(aws, cluster_name, addon).await? {
            versions.insert(addon.clone(), version);
        }
    }
    if !private.addons.is_empty() {
        state.addon_versions = to_map(&versions);
    }
    if let Some(bucket) = &private.assets_bucket {
        let prefix = naming::pod_template_prefix(cluster_name);
        let mut uris = BTreeMap::new();
        if bucket::exists(aws, bucket).await? {
            for (name, uri) in jobs::pod_template_uris(bucket, &prefix) {
                let key = uri
                    .trim_start_matches(&format!("s3://{bucket}/"))
                    .to_string();
                if bucket::object_exists(aws, bucket, &key).await? {
                    uris.insert(name, uri);
                }
            }
            state.assets_bucket = Value::Value(bucket.clone());
        } else {
            state.assets_bucket = Value::Null;
        }
        state.pod_template_uris = to_map(&uris);
    }
    let mut groups = BTreeMap::new();
    for (profile, name) in jobs::log_group_names(cluster_name) {
        if !private.log_groups.contains(&name) {
            continue;
        }
        if let Some(days) = log_groups::retention(aws, &name).await? {
            state.log_retention_days = Value::Value(days.into());
            groups.insert(profile, name);
        }
    }
    if !private.log_groups.is_empty() {
        state.log_group_names = to_map(&groups);
    }
    let mut live = BTreeMap::new();
    for (key, id) in &private.virtual_clusters {
        if emr::is_live(&emr::state(aws, id).await?) {
            live.insert(key.clone(), id.clone());
        }
    }
    state.virtual_cluster_ids = to_map(&live);
    let mut arns = BTreeMap::new();
    for (key, role) in &private.execution_roles {
        if let Some(arn) = identity::role_arn(aws, role).await? {
            arns.insert(key.clone(), arn);
        }
    }
    state.execution_role_arns = to_map(&arns);
    if let Some(role) = &private.node_role_name {
        state.node_role_arn = identity::role_arn(aws, role).await?.into();
    }
    state.oidc_provider_arn = private.oidc_provider_arn.clone().into();
    if let Some(id) = private.studio.as_ref().and_then(|i| i.studio_id.clone()) {
        match studio::describe(aws, &id).await? {
            Some(running) => {
                set_studio_state(state, private.studio.as_ref());
                if let Value::Value(config) = &mut state.studio {
                    config.name = Value::Value(running.name);
                    config.auth_mode = Value::Value(running.auth_mode.as_str().to_string());
                }
            }
            None => set_studio_state(state, None),
        }
    }
    Ok(())
}

/// Fills in the ids of the layer from AWS when the private state lacks them:
/// Terraform hands destroy a fresh private state when it replaces the
/// platform, and import starts from nothing. Everything is found from the
/// public state, the platform's IAM path and tags, and deterministic names.
pub async fn discover(
    aws: &Aws,
    cluster_name: &str,
    state: &PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    if private.suffix.is_none() {
        // Physical names end with the suffix: take it from the cluster role's.
        private.suffix = known(&state.cluster_role_arn)
            .and_then(naming::suffix_of_cluster_role_arn)
            .map(str::to_string);
    }
    if private.assets_bucket.is_none() {
        private.assets_bucket = known(&state.assets_bucket).map(str::to_string);
    }
    if private.oidc_provider_arn.is_none() {
        private.oidc_provider_arn = known(&state.oidc_provider_arn).map(str::to_string);
    }
    if private.log_groups.is_empty() {
        for name in jobs::log_group_names(cluster_name).into_values() {
            if log_groups::retention(aws, &name).await?.is_some() {
                private.log_groups.push(name);
            }
        }
    }
    if private.execution_roles.is_empty() && private.node_role_name.is_none() {
        for role in super::cluster::platform_roles(aws, cluster_name).await? {
            match (
                execution_role_key(aws, &role).await?,
                PlatformRole::of(&role).map(|(kind, _)| kind),
            ) {
                (Some(key), _) => {
                    private.execution_roles.insert(key, role);
                }
                (None, Some(PlatformRole::Node)) => private.node_role_name = Some(role),
                (None, Some(PlatformRole::Autoscaler)) => private.autoscaler.role_name = Some(role),
                _ => {}
            }
        }
    }
    if private.studio.is_none() {
        if let (Some(id), Some(suffix)) = (known(&state.studio_id), private.suffix.as_deref()) {
            let sso = state
                .studio
                .as_ref_option()
                .is_some_and(|s| known(&s.auth_mode) == Some("SSO"));
            let workspace_bucket = naming::bucket(BucketPurpose::Studio, cluster_name, suffix);
            let bucket_created = bucket::exists(aws, &workspace_bucket).await?;
            private.studio = Some(studio::StudioIds {
                service_role: Some(PlatformRole::StudioService.name(cluster_name, suffix)),
                user_role: sso.then(|| PlatformRole::StudioUser.name(cluster_name, suffix)),
                workspace_security_group: known(&state.studio_workspace_security_group_id)
                    .map(str::to_string),
                engine_security_group: known(&state.studio_engine_security_group_id)
                    .map(str::to_string),
                workspace_bucket: Some(workspace_bucket),
                bucket_created,
                studio_id: Some(id.to_string()),
                url: known(&state.studio_url).map(str::to_string),
            });
        }
    }
    let Some(cluster) = super::cluster::describe_cluster(aws, cluster_name).await? else {
        return Ok(());
    };
    if private.oidc_provider_arn.is_none() {
        if let Some(issuer) = cluster
            .identity()
            .and_then(|i| i.oidc())
            .and_then(|o| o.issuer())
        {
            private.oidc_provider_arn = identity::existing_oidc_provider(aws, issuer).await?;
        }
    }
    if private.virtual_clusters.is_empty() {
        let listed = aws
            .emrcontainers
            .list_virtual_clusters()
            .container_provider_id(cluster_name)
            .container_provider_type(aws_sdk_emrcontainers::types::ContainerProviderType::Eks)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .context(
                "emr-containers:ListVirtualClusters",
                format!("EKS cluster \"{cluster_name}\""),
            )?;
        for vc in &listed {
            if !emr::is_live(&vc.state().cloned()) {
                continue;
            }
            if let (Some(name), Some(id)) = (vc.name(), vc.id()) {
                private
                    .virtual_clusters
                    .insert(name.to_string(), id.to_string());
                let namespace = vc
                    .container_provider()
                    .and_then(|p| p.info())
                    .and_then(|info| info.as_eks_info().ok())
                    .and_then(|eks| eks.namespace());
                if let Some(namespace) = namespace {
                    private
                        .virtual_cluster_namespaces
                        .insert(name.to_string(), namespace.to_string());
                    if !private.namespaces.iter().any(|n| n == namespace) {
                        private.namespaces.push(namespace.to_string());
                    }
                }
            }
        }
    }
    if private.tooling_nodegroup.is_none() {
        let groups = aws
            .eks
            .list_nodegroups()
            .cluster_name(cluster_name)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .context(
                "eks:ListNodegroups",
                format!("EKS cluster \"{cluster_name}\""),
            )?;
        private.tooling_nodegroup = groups
            .iter()
            .find(|n| naming::parse_tooling_nodegroup(n).is_some())
            .cloned();
    }
    if private.addons.is_empty() {
        for addon in crate::platform::addons::REQUIRED_ADDONS {
            if addons::describe_version(aws, cluster_name, addon)
                .await?
                .is_some()
            {
                private.addons.push(addon.to_string());
            }
        }
    }
    if private.autoscaler.objects.is_empty() && private.autoscaler.role_name.is_some() {
        let version = cluster
            .version()
            .and_then(|v| crate::platform::validate::kubernetes_version(v).ok())
            .unwrap_or((1, 31));
        let image = crate::platform::cluster_autoscaler::image_for(version);
        private.autoscaler.objects = crate::platform::cluster_autoscaler::manifests(
            cluster_name,
            &aws.region,
            &image,
            crate::platform::cluster_autoscaler::DEFAULT_NAMESPACE,
            crate::platform::cluster_autoscaler::DEFAULT_SERVICE_ACCOUNT,
        )
        .iter()
        .map(crate::platform::manifests::object_ref)
        .collect();
    }
    Ok(())
}

/// The Studio of an imported platform: the one with the configured name in
/// the platform's VPC.
pub async fn find_studio(
    aws: &Aws,
    cluster_name: &str,
    suffix: &str,
    config: &super::state::StudioState,
    vpc_id: Option<&str>,
) -> Result<Option<studio::StudioIds>, Error> {
    let listed = aws
        .emr
        .list_studios()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context(
            "elasticmapreduce:ListStudios",
            format!("studios of platform \"{cluster_name}\""),
        )?;
    let wanted = known(&config.name).unwrap_or_default();
    let Some(summary) = listed
        .iter()
        .find(|s| s.name() == Some(wanted) && s.vpc_id() == vpc_id)
    else {
        return Ok(None);
    };
    let Some(id) = summary.studio_id() else {
        return Ok(None);
    };
    let described = aws
        .emr
        .describe_studio()
        .studio_id(id)
        .send()
        .await
        .context(
            "elasticmapreduce:DescribeStudio",
            format!("EMR Studio {id}"),
        )?;
    let studio_info = described.studio();
    let workspace_bucket = naming::bucket(BucketPurpose::Studio, cluster_name, suffix);
    Ok(Some(studio::StudioIds {
        service_role: Some(PlatformRole::StudioService.name(cluster_name, suffix)),
        user_role: (known(&config.auth_mode) == Some("SSO"))
            .then(|| PlatformRole::StudioUser.name(cluster_name, suffix)),
        workspace_security_group: studio_info
            .and_then(|s| s.workspace_security_group_id())
            .map(str::to_string),
        engine_security_group: studio_info
            .and_then(|s| s.engine_security_group_id())
            .map(str::to_string),
        bucket_created: bucket::exists(aws, &workspace_bucket).await?,
        workspace_bucket: Some(workspace_bucket),
        studio_id: Some(id.to_string()),
        url: studio_info.and_then(|s| s.url()).map(str::to_string),
    }))
}

/// The `execution_roles` key a role was made for, from its tag.
async fn execution_role_key(aws: &Aws, role: &str) -> Result<Option<String>, Error> {
    let tags = aws
        .iam
        .list_role_tags()
        .role_name(role)
        .send()
        .await
        .context("iam:ListRoleTags", format!("IAM role \"{role}\""))?;
    Ok(tags
        .tags()
        .iter()
        .find(|t| t.key() == naming::EXECUTION_ROLE_TAG)
        .map(|t| t.value().to_string()))
}

/// Execution role key → ARN, from the roles under the platform's IAM path.
pub async fn execution_role_arns(
    aws: &Aws,
    cluster_name: &str,
) -> Result<BTreeMap<String, String>, Error> {
    let mut arns = BTreeMap::new();
    for role in super::cluster::platform_roles(aws, cluster_name).await? {
        let key = execution_role_key(aws, &role).await?;
        if let (Some(key), Some(arn)) = (key, identity::role_arn(aws, &role).await?) {
            arns.insert(key, arn);
        }
    }
    Ok(arns)
}

/// The id of the live virtual cluster named `name` on the cluster.
pub async fn virtual_cluster_id(
    aws: &Aws,
    cluster_name: &str,
    name: &str,
) -> Result<Option<String>, Error> {
    let listed = aws
        .emrcontainers
        .list_virtual_clusters()
        .container_provider_id(cluster_name)
        .container_provider_type(aws_sdk_emrcontainers::types::ContainerProviderType::Eks)
        .states(aws_sdk_emrcontainers::types::VirtualClusterState::Running)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context(
            "emr-containers:ListVirtualClusters",
            format!("EKS cluster \"{cluster_name}\""),
        )?;
    Ok(listed
        .iter()
        .find(|vc| vc.name() == Some(name))
        .and_then(|vc| vc.id().map(str::to_string)))
}
