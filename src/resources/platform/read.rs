//! Refreshing `emreks_platform` from AWS (what is missing drops out of the
//! computed maps, so the next plan shows it and the update makes it
//! again), and importing an existing platform by its cluster name.

use std::collections::BTreeMap;

use super::apply::{
    discover, discover_network, given_subnets, owned_cluster_role, owns_cluster, studio,
};
use super::private::PlatformPrivate;
use super::schema::{job_run_outputs, PlatformState, Recorded};
use super::{flatten, settings};
use crate::aws::eks::access_entry;
use crate::aws::eks::cluster::{find_cluster, find_cluster_shared};
use crate::aws::eks::{addon, nodegroup};
use crate::aws::emr::studio as emr_studio;
use crate::aws::emrcontainers::virtual_cluster;
use crate::aws::iam::role;
use crate::aws::logs::log_group;
use crate::aws::s3::{bucket, object};
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::naming::{self, BucketPurpose};
use crate::platform::{jobs, studio::AuthMode};
use crate::plugin::Value;
use crate::resources::values::{known, strings, to_map};

/// What a refresh found.
pub enum Refreshed {
    Found(Box<PlatformState>),
    /// The cluster is gone and nothing the platform made is left.
    Gone,
}

/// Reads the platform back: the cluster, then each piece the private state
/// knows of; what could not be read is left as it was, and said.
pub async fn refresh(
    aws: &Aws,
    mut state: PlatformState,
    private: &PlatformPrivate,
) -> (Refreshed, Vec<Error>) {
    let name = known(&state.id)
        .or(known(&state.name))
        .unwrap_or_default()
        .to_string();
    let described = match find_cluster_shared(aws, &name).await {
        Ok(described) => described,
        Err(err) => return (Refreshed::Found(Box::new(state)), vec![err]),
    };
    // A cluster of that name that another made is not this platform's:
    // read as if ours were gone, never into the state.
    let mut scratch = private.clone();
    let owner = discover::owner(&Recorded::decode(&state), &mut scratch);
    let described = described.filter(|found| owner.as_ref().is_none_or(|o| owns_cluster(o, found)));
    let Some(described) = described else {
        // The cluster is gone, but the VPC and role the platform made may
        // not be: keep the state, without an id, so the plan replaces the
        // platform and its destroy removes them.
        let owns_pieces = private.network.is_some() || private.cluster_role_name.is_some();
        if !owns_pieces {
            return (Refreshed::Gone, Vec::new());
        }
        for value in [
            &mut state.id,
            &mut state.arn,
            &mut state.cluster_arn,
            &mut state.cluster_endpoint,
        ] {
            *value = Value::Null;
        }
        return (Refreshed::Found(Box::new(state)), Vec::new());
    };
    flatten::cluster(&mut state, &described);
    if let Some(ids) = &private.network {
        state.subnet_ids_by_az = to_map(&ids.private_subnets);
    }
    let mut failures: Vec<Error> = read_layer(aws, &name, &mut state, private)
        .await
        .err()
        .into_iter()
        .collect();
    (state.job_run_requests, state.job_run_request_objects) =
        job_run_outputs(&flatten::job_runs(&state, private));
    if let Some(admin) = &private.admin_access_entry {
        match access_entry::find_access_entry(aws, &name, admin).await {
            Ok(Some(_)) => state.eks_admin_role_arn = Value::Value(admin.clone()),
            Ok(None) => state.eks_admin_role_arn = Value::Null,
            Err(err) => failures.push(err),
        }
    }
    (Refreshed::Found(Box::new(state)), failures)
}

/// Reads the layer back into the state.
async fn read_layer(
    aws: &Aws,
    cluster_name: &str,
    state: &mut PlatformState,
    private: &PlatformPrivate,
) -> Result<()> {
    if let Some(name) = &private.tooling_nodegroup {
        let group = nodegroup::find_nodegroup_shared(aws, cluster_name, name).await?;
        state.tooling_nodegroup_name = match &group {
            Some(_) => Value::Value(name.clone()),
            None => Value::Null,
        };
        // The block shows what runs only when the configuration has it.
        if let (Value::Value(_), Some(group)) = (&state.tooling, &group) {
            state.tooling = Value::Value(flatten::tooling(group));
        }
    }
    let mut versions = BTreeMap::new();
    for name in &private.addons {
        if let Some(version) = addon::addon_version(aws, cluster_name, name).await? {
            versions.insert(name.clone(), version);
        }
    }
    if !private.addons.is_empty() {
        state.addon_versions = to_map(&versions);
    }
    if let Some(name) = &private.assets_bucket {
        let prefix = naming::pod_template_prefix(cluster_name);
        let mut uris = BTreeMap::new();
        if bucket::bucket_exists(aws, name).await? {
            for (template, uri) in jobs::pod_template_uris(name, &prefix) {
                let key = uri.trim_start_matches(&format!("s3://{name}/")).to_string();
                if object::object_exists(aws, name, &key).await? {
                    uris.insert(template, uri);
                }
            }
            state.assets_bucket = Value::Value(name.clone());
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
        if let Some(days) = log_group::find_retention(aws, &name).await? {
            state.log_retention_days = Value::Value(days.into());
            groups.insert(profile, name);
        }
    }
    // The control-plane group shares the retention: a drift of its own shows too.
    let control_plane = naming::cluster_log_group(cluster_name);
    if private.log_groups.contains(&control_plane) {
        if let Some(days) = log_group::find_retention(aws, &control_plane).await? {
            if state.log_retention_days.as_ref_option() != Some(&i64::from(days)) {
                state.log_retention_days = Value::Value(days.into());
            }
        }
    }
    if !private.log_groups.is_empty() {
        state.log_group_names = to_map(&groups);
    }
    let mut live = BTreeMap::new();
    for (key, id) in &private.virtual_clusters {
        let found = virtual_cluster::virtual_cluster_state(aws, id).await?;
        if virtual_cluster::is_live(found.as_ref()) {
            live.insert(key.clone(), id.clone());
        }
    }
    state.virtual_cluster_ids = to_map(&live);
    let mut arns = BTreeMap::new();
    for (key, name) in &private.execution_roles {
        if let Some(arn) = role::role_arn_shared(aws, cluster_name, name).await? {
            arns.insert(key.clone(), arn);
        }
    }
    state.execution_role_arns = to_map(&arns);
    if let Some(name) = &private.node_role_name {
        state.node_role_arn = role::role_arn_shared(aws, cluster_name, name).await?.into();
    }
    if let Some(name) = &private.auto_node_role_name {
        let arn = role::role_arn_shared(aws, cluster_name, name).await?;
        state.auto_mode_node_role_name = arn.as_ref().map(|_| name.clone()).into();
        state.auto_mode_node_role_arn = arn.into();
    }
    state.oidc_provider_arn = private.oidc_provider_arn.clone().into();
    if let Some(id) = private.studio.as_ref().and_then(|i| i.studio_id.clone()) {
        match emr_studio::find_studio(aws, &id).await? {
            Some(running) => {
                flatten::studio(state, private.studio.as_ref());
                if let Value::Value(config) = &mut state.studio {
                    config.name = Value::Value(running.name().unwrap_or_default().to_string());
                    config.auth_mode =
                        Value::Value(studio::auth_mode_of(&running).as_str().to_string());
                }
            }
            None => flatten::studio(state, None),
        }
    }
    Ok(())
}

/// Rebuilds the state of an existing platform from its cluster name: the
/// arguments from the settings the platform saved, the rest from AWS.
pub async fn import(aws: &Aws, name: &str) -> Result<(PlatformState, PlatformPrivate)> {
    let cluster = format!("EKS cluster \"{name}\"");
    let described = find_cluster(aws, name).await?.ok_or_else(|| {
        Error::aws_message(
            "eks:DescribeCluster",
            &cluster,
            "no such cluster in this account and region; import takes the platform's cluster name",
        )
    })?;
    let mut computed = PlatformState::default();
    flatten::cluster(&mut computed, &described);
    let mut private = PlatformPrivate::default();
    let recorded = Recorded::decode(&computed);
    let owner = discover::owner(&recorded, &mut private).ok_or_else(|| {
        Error::import_refused(
            &cluster,
            "the cluster was not made by emreks_platform (its role has no platform suffix)",
        )
    })?;
    if !owns_cluster(&owner, &described) {
        return Err(Error::import_refused(
            &cluster,
            "the cluster carries no ownership tag of the emreks_platform its role names",
        ));
    }
    discover::discover(
        aws,
        &recorded,
        &mut private,
        discover::Found::Ours(&described),
    )
    .await?;
    let suffix = owner.suffix.clone();
    let assets = naming::bucket(BucketPurpose::Assets, name, &suffix);
    let saved = settings::load(aws, &assets, name).await?.ok_or_else(|| {
        Error::import_refused(
            &cluster,
            format!(
                "no platform settings in s3://{assets}/{}; only platforms made by emreks_platform can be imported",
                naming::settings_key(name)
            ),
        )
    })?;
    private.assets_bucket = Some(assets);
    let mut state = saved;
    state.id = computed.id.clone();
    state.cluster_name = computed.cluster_name;
    state.cluster_arn = computed.cluster_arn;
    state.cluster_endpoint = computed.cluster_endpoint;
    state.cluster_role_arn = computed.cluster_role_arn.clone();
    state.cluster_security_group_id = computed.cluster_security_group_id;
    state.oidc_issuer_url = computed.oidc_issuer_url;
    state.vpc_id = computed.vpc_id.clone();
    state.tags_all = computed.tags_all;
    // Settings kept before the cluster existed lack what EKS chose.
    if state.kubernetes_version.is_null() {
        state.kubernetes_version = computed.kubernetes_version.clone();
    }
    if let Some(arn) = known(&computed.cluster_role_arn) {
        private.cluster_role_name = owned_cluster_role(aws, arn, &owner).await?;
    }
    if state.vpc_cidr.is_value() {
        if let Some(vpc_id) = known(&computed.vpc_id) {
            private.network = discover_network(aws, vpc_id, &owner).await?;
        }
    }
    if let Some(ids) = &private.network {
        state.subnet_ids_by_az = to_map(&ids.private_subnets);
    } else if !state.subnet_ids.is_null() {
        let (_, by_zone) = given_subnets(aws, &strings(&state.subnet_ids)).await?;
        state.subnet_ids_by_az = to_map(&by_zone);
    }
    private.admin_access_entry = known(&state.eks_admin_role_arn).map(str::to_string);
    if let Some(config) = state.studio.as_ref_option() {
        private.studio = studio::find_studio_ids(
            aws,
            name,
            &suffix,
            known(&config.name).unwrap_or_default(),
            known(&config.auth_mode).and_then(|m| AuthMode::parse(m).ok()),
            known(&computed.vpc_id),
        )
        .await?;
    }
    Ok((state, private))
}
