//! `emreks_platform`: the EKS cluster of a Spark platform, in its own VPC or
//! in subnets the user passes in.

mod addons;
mod autoscaler;
pub(crate) mod cluster;
pub(crate) mod desired;
mod emr;
mod expand;
mod flatten;
mod identity;
pub(crate) mod layer;
pub(crate) mod network;
pub(crate) mod nodes;
pub(crate) mod settings;
pub(crate) mod state;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::plugin::resource::Resource;
use crate::plugin::schema::{nested, Constraint, Nesting, Schema};
use crate::plugin::Value;
use crate::plugin::{AttributePath, Diagnostics};
use async_trait::async_trait;
use rand::distributions::{Alphanumeric, DistString};

use crate::aws::{Aws, Error, SharedAws};
use crate::platform::jobs;
use crate::platform::naming::{self, BucketPurpose, PlatformRole};
use crate::platform::validate;
use crate::plugin::schema::NestedBlock;
use crate::plugin::schema::{
    block, computed, list_of_strings, map_of_strings, number, optional, optional_computed,
    required, string,
};
use crate::resources::values::{
    known, list_is_unknown, map_is_unknown, string_map, strings, to_map, unknown_as_null,
};
use crate::timeouts::{self, Operation, Timeouts};

pub use state::{PlatformPrivate, PlatformState};

const CREATE_TIMEOUT: Duration = Duration::from_secs(40 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(60 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(40 * 60);

/// Arguments whose change means a new platform.
const FORCES_REPLACEMENT: [&str; 4] = ["name", "vpc_cidr", "availability_zones", "subnet_ids"];

pub struct PlatformResource {
    aws: SharedAws,
}

impl PlatformResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

pub(crate) fn random_token(len: usize) -> String {
    Alphanumeric
        .sample_string(&mut rand::thread_rng(), len)
        .to_lowercase()
}

fn timeouts_of(state: &PlatformState) -> Timeouts {
    state.timeouts.as_ref_option().cloned().unwrap_or_default()
}

/// Checks that need no AWS call; unknown values are checked at apply.
pub fn validate_config(diags: &mut Diagnostics, config: &PlatformState) {
    if let Some(name) = known(&config.name) {
        if let Err(why) = validate::platform_name(name) {
            diags.error("Invalid name", why, AttributePath::new("name"));
        }
    }
    if let Some(version) = known(&config.kubernetes_version) {
        let checked = validate::kubernetes_version(version)
            .and_then(crate::platform::pod_templates::check_kubernetes_version);
        if let Err(why) = checked {
            diags.error(
                "Invalid kubernetes_version",
                why,
                AttributePath::new("kubernetes_version"),
            );
        }
    }

    if let Some(arn) = known(&config.eks_admin_role_arn) {
        if let Err(why) = validate::iam_role_arn(arn) {
            diags.error(
                "Invalid eks_admin_role_arn",
                why,
                AttributePath::new("eks_admin_role_arn"),
            );
        }
    }

    let own_vpc = !config.vpc_cidr.is_null() || !config.availability_zones.is_null();
    let given_subnets = !config.subnet_ids.is_null();
    if own_vpc && given_subnets {
        diags.error(
            "Conflicting network arguments",
            "Set either `vpc_cidr` and `availability_zones` (the platform creates its VPC) or `subnet_ids` (the platform uses your subnets), not both.",
            AttributePath::new("subnet_ids"),
        );
    } else if !own_vpc && !given_subnets {
        diags.error(
            "Missing network arguments",
            "Set `vpc_cidr` and `availability_zones` to let the platform create its VPC, or `subnet_ids` to use existing private subnets.",
            AttributePath::new("vpc_cidr"),
        );
    } else if own_vpc {
        if config.vpc_cidr.is_null() {
            diags.error(
                "Missing vpc_cidr",
                "`availability_zones` needs `vpc_cidr`, the CIDR block of the VPC to create, e.g. \"10.0.0.0/16\".",
                AttributePath::new("vpc_cidr"),
            );
        }
        if config.availability_zones.is_null() {
            diags.error(
                "Missing availability_zones",
                "`vpc_cidr` needs `availability_zones`, the zones to spread the VPC over, e.g. [\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"].",
                AttributePath::new("availability_zones"),
            );
        }
    }

    let vpc = known(&config.vpc_cidr).and_then(|cidr| match validate::vpc_cidr(cidr) {
        Ok(net) => Some(net),
        Err(why) => {
            diags.error("Invalid vpc_cidr", why, AttributePath::new("vpc_cidr"));
            None
        }
    });
    if config.availability_zones.is_value() && !list_is_unknown(&config.availability_zones) {
        let zones = strings(&config.availability_zones);
        let mut seen = std::collections::BTreeSet::new();
        for (index, zone) in zones.iter().enumerate() {
            if !seen.insert(zone) {
                diags.error(
                    "Duplicate availability zone",
                    format!("\"{zone}\" is listed twice; list each zone once."),
                    AttributePath::new("availability_zones").index(index as i64),
                );
            }
        }
        if zones.len() < 2 {
            diags.error(
                "Too few availability zones",
                "EKS needs subnets in at least two availability zones; list two or more.",
                AttributePath::new("availability_zones"),
            );
        }
        if let Some(vpc) = vpc {
            if let Err(why) = crate::platform::network::plan_subnets(vpc, &zones) {
                diags.error("vpc_cidr too small", why, AttributePath::new("vpc_cidr"));
            }
        }
    }
    if config.subnet_ids.is_value() && !list_is_unknown(&config.subnet_ids) {
        let subnets = strings(&config.subnet_ids);
        if subnets.len() < 2 {
            diags.error(
                "Too few subnets",
                "EKS needs subnets in at least two availability zones; pass one private subnet per zone.",
                AttributePath::new("subnet_ids"),
            );
        }
    }
    for (index, cidr) in strings(&config.endpoint_public_access_cidrs)
        .iter()
        .enumerate()
    {
        if let Err(why) = validate::ipv4_cidr(cidr) {
            diags.error(
                "Invalid endpoint_public_access_cidrs",
                why,
                AttributePath::new("endpoint_public_access_cidrs").index(index as i64),
            );
        }
    }
    if let Value::Value(list) = &config.endpoint_public_access_cidrs {
        if list.is_empty() {
            diags.error(
                "Empty endpoint_public_access_cidrs",
                "An empty list would open nothing; leave the argument out for a private-only endpoint, or list the CIDRs allowed to reach the public endpoint.",
                AttributePath::new("endpoint_public_access_cidrs"),
            );
        }
    }
    for key in string_map(&config.tags).keys() {
        if key.starts_with("aws:") || key == naming::PLATFORM_TAG {
            diags.error(
                "Invalid tag",
                format!("Tag key \"{key}\" is reserved (the \"aws:\" prefix and \"{}\"); choose another key.", naming::PLATFORM_TAG),
                AttributePath::new("tags").key(key.clone()),
            );
        }
    }
    if let Value::Value(t) = &config.timeouts {
        t.validate(diags);
    }
    desired::validate(diags, config);
}

impl PlatformResource {
    /// Tags every object gets, or unknown while the resource's tags are.
    fn planned_tags_all(&self, state: &PlatformState) -> Value<BTreeMap<String, Value<String>>> {
        if map_is_unknown(&state.tags) || state.name.is_unknown() {
            return Value::Unknown;
        }
        let defaults = self
            .aws
            .try_get()
            .map(|aws| aws.default_tags.clone())
            .unwrap_or_default();
        to_map(&naming::object_tags(
            &defaults,
            &string_map(&state.tags),
            known(&state.name).unwrap_or_default(),
        ))
    }

    /// At plan time, when the provider is configured: are the zones in the region?
    async fn check_zones(&self, diags: &mut Diagnostics, config: &PlatformState) {
        let (Some(aws), false) = (
            self.aws.try_get(),
            list_is_unknown(&config.availability_zones),
        ) else {
            return;
        };
        let wanted = strings(&config.availability_zones);
        if wanted.is_empty() {
            return;
        }
        match network::region_zones(&aws).await {
            Ok(zones) => {
                for (index, zone) in wanted.iter().enumerate() {
                    if !zones.contains(zone) {
                        diags.error(
                            "Unknown availability zone",
                            format!(
                                "\"{zone}\" is not an availability zone of {}; choose from: {}.",
                                aws.region,
                                zones.join(", ")
                            ),
                            AttributePath::new("availability_zones").index(index as i64),
                        );
                    }
                }
            }
            Err(err) => diags.root_warning(
                "Could not check availability_zones",
                format!("{err}; they will be checked when the VPC is created."),
            ),
        }
    }
}

/// Runs the create steps, filling `state` and `private` as objects come to exist.
async fn create_platform(
    aws: &Aws,
    state: &mut PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    let name = known(&state.name).unwrap_or_default().to_string();
    let timeout = timeouts_of(state).get(Operation::Create, CREATE_TIMEOUT);
    let all_tags = string_map(&state.tags_all);
    let suffix = private
        .suffix
        .get_or_insert_with(|| random_token(8))
        .clone();
    let token = private
        .client_token
        .get_or_insert_with(|| random_token(32))
        .clone();

    let role_name = PlatformRole::Cluster.name(&name, &suffix);
    let mut created_role = None;
    let role = cluster::create_cluster_role(aws, &name, &role_name, &all_tags, &mut created_role);

    let subnet_ids: Vec<String>;
    let role_result = if let Some(cidr) = known(&state.vpc_cidr) {
        let vpc = validate::vpc_cidr(cidr)
            .map_err(|why| Error::config(AttributePath::new("vpc_cidr"), why))?;
        let zones = strings(&state.availability_zones);
        let plan = crate::platform::network::plan_subnets(vpc, &zones)
            .map_err(|why| Error::config(AttributePath::new("vpc_cidr"), why))?;
        let mut ids = network::NetworkIds::default();
        let (network_result, role_result) = tokio::join!(
            network::create(aws, &name, vpc, &plan, &all_tags, &mut ids, timeout),
            role
        );
        private.cluster_role_name = created_role;
        state.vpc_id = ids.vpc_id.clone().into();
        state.subnet_ids_by_az = to_map(&ids.private_subnets);
        subnet_ids = ids.private_subnets.values().cloned().collect();
        private.network = Some(ids);
        network_result?;
        role_result
    } else {
        let passed = strings(&state.subnet_ids);
        let (described, role_result) = tokio::join!(network::describe_subnets(aws, &passed), role);
        private.cluster_role_name = created_role;
        let (vpc_id, by_zone) = described?;
        state.vpc_id = Value::Value(vpc_id);
        state.subnet_ids_by_az = to_map(&by_zone);
        subnet_ids = passed;
        role_result
    };
    let role_arn = role_result?;
    state.cluster_role_arn = Value::Value(role_arn.clone());

    let public_cidrs = strings(&state.endpoint_public_access_cidrs);
    cluster::create_cluster(
        aws,
        &cluster::ClusterRequest {
            name: &name,
            kubernetes_version: known(&state.kubernetes_version),
            role_arn: &role_arn,
            subnet_ids: &subnet_ids,
            public_access_cidrs: &public_cidrs,
            tags: &all_tags,
            client_token: &token,
        },
    )
    .await?;
    private.cluster_created = true;
    let ctx = layer::Context {
        aws,
        cluster: &name,
        suffix: &suffix,
        tags: &all_tags,
        client_token: &token,
        timeout,
    };
    // What needs no cluster is made while EKS creates it.
    let (described, assets) = tokio::join!(
        cluster::wait_active(aws, &name, timeout),
        layer::ensure_assets(&ctx, state, private)
    );
    let described = described?;
    assets?;
    flatten::cluster(state, &described);

    if let Some(admin) = known(&state.eks_admin_role_arn).map(str::to_string) {
        cluster::grant_admin(aws, &name, &admin).await?;
        private.admin_access_entry = Some(admin);
    }
    layer::reconcile(&ctx, &described, state, private).await?;
    save_settings(aws, &name, state, private).await
}

/// Keeps the arguments AWS cannot tell back beside the pod templates, for import.
async fn save_settings(
    aws: &Aws,
    name: &str,
    state: &PlatformState,
    private: &PlatformPrivate,
) -> Result<(), Error> {
    match &private.assets_bucket {
        Some(bucket) => settings::save(aws, bucket, name, state).await,
        None => Ok(()),
    }
}

/// Applies in-place changes from `prior` to `state`.
async fn update_platform(
    aws: &Aws,
    prior: &PlatformState,
    state: &mut PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    let name = known(&prior.id).unwrap_or_default().to_string();
    let timeout = timeouts_of(state).get(Operation::Update, UPDATE_TIMEOUT);

    if prior.eks_admin_role_arn != state.eks_admin_role_arn {
        if let Some(old) = private.admin_access_entry.take() {
            cluster::revoke_admin(aws, &name, &old).await?;
        }
        if let Some(admin) = known(&state.eks_admin_role_arn).map(str::to_string) {
            cluster::grant_admin(aws, &name, &admin).await?;
            private.admin_access_entry = Some(admin);
        }
    }
    if prior.endpoint_public_access_cidrs != state.endpoint_public_access_cidrs {
        let cidrs = strings(&state.endpoint_public_access_cidrs);
        cluster::update_endpoint(aws, &name, &cidrs, timeout).await?;
    }
    if let (Some(from), Some(to)) = (
        known(&prior.kubernetes_version),
        known(&state.kubernetes_version),
    ) {
        if let (Ok(from), Ok(to)) = (
            validate::kubernetes_version(from),
            validate::kubernetes_version(to),
        ) {
            if to > from {
                cluster::upgrade(aws, &name, from, to, timeout).await?;
            }
        }
    }
    let old_tags = string_map(&prior.tags_all);
    let new_tags = string_map(&state.tags_all);
    if old_tags != new_tags {
        if let Some(arn) = known(&prior.cluster_arn) {
            cluster::retag_cluster(aws, arn, &old_tags, &new_tags).await?;
        }
        if let Some(role) = &private.cluster_role_name {
            cluster::retag_role(aws, role, &old_tags, &new_tags).await?;
        }
        if let Some(ids) = &private.network {
            network::retag(aws, ids, &old_tags, &new_tags).await?;
        }
        if let Some(ids) = &private.studio {
            crate::aws::studio::retag(aws, ids, &old_tags, &new_tags).await?;
        }
    }
    // Then bring the EMR-on-EKS layer to the configuration: this makes
    // again whatever was deleted outside Terraform.
    layer::discover(aws, &name, prior, private).await?;
    let suffix = private
        .suffix
        .get_or_insert_with(|| random_token(8))
        .clone();
    let token = random_token(32);
    let all_tags = string_map(&state.tags_all);
    let ctx = layer::Context {
        aws,
        cluster: &name,
        suffix: &suffix,
        tags: &all_tags,
        client_token: &token,
        timeout,
    };
    layer::ensure_assets(&ctx, state, private).await?;
    if let Some(described) = cluster::describe_cluster(aws, &name).await? {
        flatten::cluster(state, &described);
        layer::reconcile(&ctx, &described, state, private).await?;
    }
    save_settings(aws, &name, state, private).await
}

/// Rebuilds the state of an existing platform from its cluster name: the
/// arguments from the settings the platform saved, the rest from AWS.
async fn import_platform(aws: &Aws, name: &str) -> Result<(PlatformState, PlatformPrivate), Error> {
    let described = cluster::describe_cluster(aws, name).await?.ok_or_else(|| {
        Error::aws_message(
            "eks:DescribeCluster",
            format!("EKS cluster \"{name}\""),
            "no such cluster in this account and region; import takes the platform's cluster name",
        )
    })?;
    let mut state = PlatformState::default();
    flatten::cluster(&mut state, &described);
    let mut private = PlatformPrivate::default();
    layer::discover(aws, name, &state, &mut private).await?;
    let suffix = private.suffix.clone().ok_or_else(|| {
        Error::import_refused(
            format!("EKS cluster \"{name}\""),
            "the cluster was not made by emreks_platform (its role has no platform suffix)",
        )
    })?;
    let bucket = naming::bucket(BucketPurpose::Assets, name, &suffix);
    let saved = settings::load(aws, &bucket, name).await?.ok_or_else(|| {
        Error::import_refused(format!("EKS cluster \"{name}\""),
            format!("no platform settings in s3://{bucket}/{}; only platforms made by emreks_platform can be imported", naming::settings_key(name)),
        )
    })?;
    private.assets_bucket = Some(bucket);
    let computed = state;
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
    if let Some(arn) = known(&computed.cluster_role_arn) {
        let role = naming::role_name_of_arn(arn);
        if cluster::role_belongs_to(aws, role, name).await? {
            private.cluster_role_name = Some(role.to_string());
        }
    }
    if state.vpc_cidr.is_value() {
        if let Some(vpc_id) = known(&computed.vpc_id) {
            private.network = network::discover(aws, vpc_id, name).await?;
        }
    }
    if let Some(ids) = &private.network {
        state.subnet_ids_by_az = to_map(&ids.private_subnets);
    } else if !state.subnet_ids.is_null() {
        let (_, by_zone) = network::describe_subnets(aws, &strings(&state.subnet_ids)).await?;
        state.subnet_ids_by_az = to_map(&by_zone);
    }
    private.admin_access_entry = known(&state.eks_admin_role_arn).map(str::to_string);
    if let Some(config) = state.studio.as_ref_option() {
        private.studio =
            layer::find_studio(aws, name, &suffix, config, known(&computed.vpc_id)).await?;
    }
    Ok((state, private))
}

/// Deletes everything the platform made, in dependency order; `private`
/// forgets each piece once it is gone, so a retry resumes.
async fn destroy_platform(
    aws: &Aws,
    state: &PlatformState,
    private: &mut PlatformPrivate,
) -> Result<(), Error> {
    let timeout = timeouts_of(state).get(Operation::Delete, DELETE_TIMEOUT);
    let name = known(&state.id)
        .or(known(&state.name))
        .unwrap_or_default()
        .to_string();
    if !name.is_empty() {
        layer::discover(aws, &name, state, private).await?;
        let described = cluster::describe_cluster(aws, &name).await?;
        layer::teardown(aws, &name, described.as_ref(), private, timeout).await?;
        if let Some(admin) = private.admin_access_entry.clone() {
            cluster::revoke_admin(aws, &name, &admin).await?;
            private.admin_access_entry = None;
        }
        cluster::delete_cluster(aws, &name, timeout).await?;
        private.cluster_created = false;
    }
    // Terraform gives destroy a fresh private state when it replaces the
    // platform: then find the pieces from the state and the platform tag.
    if private.cluster_role_name.is_none() {
        if let Some(arn) = known(&state.cluster_role_arn) {
            let role = naming::role_name_of_arn(arn);
            if cluster::role_belongs_to(aws, role, &name).await? {
                private.cluster_role_name = Some(role.to_string());
            }
        }
    }
    if private.network.is_none() {
        if let Some(vpc_id) = known(&state.vpc_id) {
            private.network = network::discover(aws, vpc_id, &name).await?;
        }
    }
    if let Some(role) = private.cluster_role_name.clone() {
        cluster::delete_role(aws, &role).await?;
        private.cluster_role_name = None;
    }
    layer::teardown_assets(aws, private).await?;
    if let Some(ids) = private.network.as_mut() {
        network::delete(aws, ids, timeout).await?;
        private.network = None;
    }
    Ok(())
}

/// Log group names follow from the platform name.
fn planned_log_groups(planned: &PlatformState) -> Value<BTreeMap<String, Value<String>>> {
    match known(&planned.name) {
        Some(name) => to_map(&jobs::log_group_names(name)),
        None => Value::Unknown,
    }
}

fn keys<T>(map: &Value<BTreeMap<String, T>>) -> Option<Vec<String>> {
    match map {
        Value::Value(map) => Some(map.keys().cloned().collect()),
        Value::Null => Some(Vec::new()),
        Value::Unknown => None,
    }
}

/// Computed attributes of the layer in an update plan: what the refresh found
/// missing, or what a changed argument changes, becomes "known after apply",
/// which makes the update put it back.
fn plan_layer(prior: &PlatformState, planned: &mut PlatformState) {
    if prior.virtual_clusters != planned.virtual_clusters
        || keys(&prior.virtual_cluster_ids) != keys(&planned.virtual_clusters)
    {
        planned.virtual_cluster_ids = Value::Unknown;
    }
    if keys(&prior.execution_role_arns) != keys(&planned.execution_roles) {
        planned.execution_role_arns = Value::Unknown;
    }
    let all = |map: &Value<BTreeMap<String, Value<String>>>, count: usize| {
        map.as_ref_option().is_some_and(|m| m.len() >= count)
    };
    if !all(
        &prior.addon_versions,
        crate::platform::addons::REQUIRED_ADDONS.len(),
    ) || prior.kubernetes_version != planned.kubernetes_version
    {
        planned.addon_versions = Value::Unknown;
    }
    if !all(&prior.pod_template_uris, 6) || prior.assets_bucket.is_null() {
        planned.pod_template_uris = Value::Unknown;
        planned.assets_bucket = Value::Unknown;
    }
    for value in [
        &mut planned.node_role_arn,
        &mut planned.oidc_provider_arn,
        &mut planned.tooling_nodegroup_name,
    ] {
        if value.is_null() {
            *value = Value::Unknown;
        }
    }
    let shape = |s: &PlatformState| {
        s.tooling
            .as_ref_option()
            .map(|t| (t.instance_types.clone(), t.ami_type.clone()))
    };
    if shape(prior) != shape(planned) {
        // New instance types or AMI: a new tooling nodegroup replaces the old.
        planned.tooling_nodegroup_name = Value::Unknown;
    }
    planned.log_group_names = planned_log_groups(planned);
    planned.job_run_requests = if planned.virtual_cluster_ids.is_unknown()
        || planned.execution_role_arns.is_unknown()
        || planned.assets_bucket.is_unknown()
        || map_is_unknown_deep(&planned.job_profiles)
    {
        Value::Unknown
    } else {
        let clusters = string_map(&planned.virtual_cluster_ids);
        let roles = string_map(&planned.execution_role_arns);
        to_map(&desired::job_run_requests(
            planned,
            &jobs::Built {
                bucket: known(&planned.assets_bucket).unwrap_or_default(),
                prefix: &naming::pod_template_prefix(known(&planned.name).unwrap_or_default()),
                virtual_cluster_ids: &clusters,
                execution_role_arns: &roles,
            },
        ))
    };
    plan_studio(planned, Some(prior));
}

fn map_is_unknown_deep<T>(map: &Value<BTreeMap<String, Value<T>>>) -> bool {
    match map {
        Value::Unknown => true,
        Value::Value(map) => map.values().any(Value::is_unknown),
        Value::Null => false,
    }
}

/// Studio attributes: null without a studio, else as before unless the
/// studio changed or went missing.
fn plan_studio(planned: &mut PlatformState, prior: Option<&PlatformState>) {
    let fields = |state: &mut PlatformState| {
        [
            &mut state.studio_id,
            &mut state.studio_url,
            &mut state.studio_engine_security_group_id,
            &mut state.studio_workspace_security_group_id,
        ]
        .into_iter()
        .for_each(|v| *v = Value::Unknown)
    };
    if planned.studio.is_null() {
        planned.studio_id = Value::Null;
        planned.studio_url = Value::Null;
        planned.studio_engine_security_group_id = Value::Null;
        planned.studio_workspace_security_group_id = Value::Null;
        return;
    }
    match prior {
        Some(prior) if prior.studio == planned.studio && prior.studio_id.is_value() => {}
        _ => fields(planned),
    }
}

/// Makes a state fit to save after a failed step: nothing may stay unknown.
fn settle(state: &mut PlatformState) {
    for value in [
        &mut state.id,
        &mut state.kubernetes_version,
        &mut state.cluster_name,
        &mut state.cluster_arn,
        &mut state.cluster_endpoint,
        &mut state.cluster_role_arn,
        &mut state.cluster_security_group_id,
        &mut state.oidc_issuer_url,
        &mut state.vpc_id,
        &mut state.node_role_arn,
        &mut state.oidc_provider_arn,
        &mut state.assets_bucket,
        &mut state.tooling_nodegroup_name,
        &mut state.studio_id,
        &mut state.studio_url,
        &mut state.studio_engine_security_group_id,
        &mut state.studio_workspace_security_group_id,
    ] {
        unknown_as_null(value);
    }
    for map in [
        &mut state.subnet_ids_by_az,
        &mut state.tags_all,
        &mut state.addon_versions,
        &mut state.pod_template_uris,
        &mut state.log_group_names,
        &mut state.virtual_cluster_ids,
        &mut state.execution_role_arns,
        &mut state.job_run_requests,
    ] {
        unknown_as_null(map);
    }
}

#[async_trait]
impl Resource for PlatformResource {
    type State = PlatformState;
    type Private = Option<PlatformPrivate>;

    fn schema(&self) -> Schema {
        Schema {
            version: 1,
            block: block(
                "A Spark data platform on Amazon EMR on EKS: an EKS cluster with access entries and control-plane logging, in its own VPC or in subnets you pass in.",
                [
                    ("id", computed(string(), "The platform's id: its EKS cluster name.")),
                    ("name", required(string(), "Platform name, also the EKS cluster name: 1–100 letters, digits, `-` or `_`. Changing it replaces the platform.")),
                    ("kubernetes_version", optional_computed(string(), "Kubernetes version of the cluster, e.g. `1.31`. Defaults to EKS's default. Raising it upgrades in place, one minor version at a time; lowering it replaces the platform.")),
                    ("eks_admin_role_arn", optional(string(), "IAM role given cluster-admin through an EKS access entry (`AmazonEKSClusterAdminPolicy`).")),
                    ("vpc_cidr", optional(string(), "CIDR block of the VPC the platform creates (with `availability_zones`), /16 to /28, e.g. `10.0.0.0/16`. Conflicts with `subnet_ids`. Changing it replaces the platform.")),
                    ("availability_zones", optional(list_of_strings(), "Availability zones of the created VPC (two or more): one private and one public subnet, and one NAT gateway, per zone. Changing them replaces the platform.")),
                    ("subnet_ids", optional(list_of_strings(), "Existing private subnets to use instead of creating a VPC: one per availability zone, two zones or more, all in one VPC. Changing them replaces the platform.")),
                    ("endpoint_public_access_cidrs", optional(list_of_strings(), "CIDR blocks allowed to reach the cluster's public API endpoint. Leave out for a private endpoint only (the default).")),
                    ("tags", optional(map_of_strings(), "Tags for every AWS object of the platform, on top of the provider's `default_tags`.")),
                    ("tags_all", computed(map_of_strings(), "All tags of the platform's objects: `default_tags`, `tags` and `emreks:platform`.")),
                    ("cluster_name", computed(string(), "Name of the EKS cluster.")),
                    ("cluster_arn", computed(string(), "ARN of the EKS cluster.")),
                    ("cluster_endpoint", computed(string(), "URL of the cluster's Kubernetes API.")),
                    ("cluster_role_arn", computed(string(), "ARN of the IAM role of the EKS control plane.")),
                    ("cluster_security_group_id", computed(string(), "Security group EKS created for the control plane and nodes.")),
                    ("oidc_issuer_url", computed(string(), "OpenID Connect issuer URL of the cluster, for IAM roles for service accounts.")),
                    ("vpc_id", computed(string(), "The VPC of the platform.")),
                    ("subnet_ids_by_az", computed(map_of_strings(), "The private subnet of each availability zone, where nodegroups go.")),
                    ("virtual_clusters", nested(Nesting::Map, Constraint::Optional, "EMR virtual clusters by name, e.g. `{ batchjob = { namespace = \"batchjob\" } }`. Each gets its Kubernetes namespace (created by the platform; one virtual cluster per namespace), and EMR sets up its access to it.", [("namespace", required(string(), "Kubernetes namespace of the virtual cluster (one virtual cluster per namespace)."))])),
                    ("execution_roles", nested(Nesting::Map, Constraint::Optional, "IAM job execution roles by name: `{ jobs = { namespaces = [\"batchjob\"], policy = <IAM policy JSON or null>, trust = \"irsa\" } }`. `namespaces`: the virtual cluster namespaces whose jobs may use the role; `policy`: what the jobs need on top of the baseline every role gets (read the pod templates, write the logs), e.g. your data buckets; `trust`: `irsa` (IAM roles for service accounts; also when null) or `pod_identity` (EKS Pod Identity, EMR 7.3 and later).", [("namespaces", required(list_of_strings(), "Namespaces of `virtual_clusters` whose jobs may use the role.")), ("policy", optional(string(), "IAM policy JSON for what the jobs need beyond the baseline (e.g. your data buckets); may be left out.")), ("trust", optional(string(), "`irsa` (the default when left out) or `pod_identity`."))])),
                    ("release_label", optional_computed(string(), "EMR release of the ready-made job requests, e.g. `emr-7.9.0-latest` (the default).")),
                    ("log_retention_days", optional_computed(number(), "Retention of the jobs' CloudWatch log groups, in days (default 30; one of the values CloudWatch allows). Changes in place.")),
                    ("tooling_nodegroup_name", computed(string(), "Name of the managed nodegroup for system pods.")),
                    ("node_role_arn", computed(string(), "IAM role of the platform's nodes, for `emreks_nodegroup`.")),
                    ("oidc_provider_arn", computed(string(), "IAM OIDC provider of the cluster (IAM roles for service accounts).")),
                    ("addon_versions", computed(map_of_strings(), "EKS add-ons and their versions: EKS's default for the cluster's Kubernetes version.")),
                    ("assets_bucket", computed(string(), "S3 bucket holding the Spark pod templates.")),
                    ("pod_template_uris", computed(map_of_strings(), "S3 URI of each pod template, e.g. `critical-driver`, `shared-executor`.")),
                    ("log_group_names", computed(map_of_strings(), "CloudWatch log group of each job profile.")),
                    ("virtual_cluster_ids", computed(map_of_strings(), "Id of each EMR virtual cluster.")),
                    ("execution_role_arns", computed(map_of_strings(), "ARN of each job execution role.")),
                    ("job_run_requests", computed(map_of_strings(), "For each job profile, a request `aws emr-containers start-job-run --cli-input-json` accepts as it is (only the entry point is yours to change).")),
                    ("studio_id", computed(string(), "Id of the EMR Studio.")),
                    ("studio_url", computed(string(), "URL of the EMR Studio.")),
                    ("studio_engine_security_group_id", computed(string(), "Security group of the notebooks' engines (managed endpoints).")),
                    ("studio_workspace_security_group_id", computed(string(), "Security group of the Studio's workspaces.")),
                ],
                [
                    ("tooling", NestedBlock::Optional(block(
                        "The managed nodegroup for system pods (CoreDNS, Cluster Autoscaler) across all private subnets; the defaults are the reference's. Sizes change in place; other changes replace the nodegroup only.",
                        [
                            ("instance_types", optional_computed(list_of_strings(), "Instance types (default `[\"t3.medium\"]`).")),
                            ("ami_type", optional_computed(string(), "EKS AMI type: `AL2023_x86_64_STANDARD` (default), `AL2023_ARM_64_STANDARD`, `BOTTLEROCKET_x86_64` or `BOTTLEROCKET_ARM_64`.")),
                            ("min_size", optional_computed(number(), "Minimum number of nodes (default 2).")),
                            ("max_size", optional_computed(number(), "Maximum number of nodes (default 10).")),
                            ("desired_size", optional_computed(number(), "Desired number of nodes (default 2).")),
                        ],
                        [],
                    ))),
                    ("job_profile", NestedBlock::Map(block(
                        "A job profile, labelled `critical` (on-demand nodes), `non_critical` (spot executors) or `notebook`; unset values take the reference platform's. Each profile gets a ready-made request in `job_run_requests`.",
                        [
                            ("virtual_cluster", required(string(), "Key of `virtual_clusters` the profile's jobs run in.")),
                            ("execution_role", required(string(), "Key of `execution_roles` the profile's jobs run as.")),
                            ("min_executors", optional_computed(number(), "Dynamic allocation minimum (reference: 8, notebook 0).")),
                            ("max_executors", optional_computed(number(), "Dynamic allocation maximum (reference: 40, notebook 20).")),
                            ("allocation_batch_size", optional_computed(number(), "Executors requested per allocation round (reference: 8, notebook 2).")),
                            ("executor_cores", optional_computed(number(), "CPU request of an executor, may be fractional (reference: critical 7.7, non_critical 3.8, notebook 3.7).")),
                            ("executor_memory", optional_computed(string(), "Executor heap, e.g. `20800m` (reference: critical 20800m, non_critical 10400m, notebook 10200m).")),
                            ("driver_cores", optional_computed(number(), "CPU request of the driver (reference: 2.5, 1.7, 1.6).")),
                            ("driver_memory", optional_computed(string(), "Driver heap (reference: 6800m, 4900m, 4700m).")),
                            ("entry_point", optional_computed(string(), "Entry point of the ready-made request (default: Spark's Pi example).")),
                        ],
                        [],
                    ))),
                    ("studio", NestedBlock::Optional(block(
                        "An EMR Studio for the platform's notebooks: service role, workspace and engine security groups, an encrypted workspace bucket. Changing it replaces the Studio only.",
                        [
                            ("name", required(string(), "Name of the EMR Studio.")),
                            ("auth_mode", required(string(), "`IAM` or `SSO` (IAM Identity Center).")),
                            ("idc_instance_arn", optional(string(), "IAM Identity Center instance ARN; required with `SSO`.")),
                            ("virtual_cluster", required(string(), "Key of `virtual_clusters` the Studio's notebooks attach to.")),
                        ],
                        [],
                    ))),
                    ("timeouts", timeouts::schema("40m", "60m", "40m")),
                ],
            ),
        }
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Self::State) {
        validate_config(diags, &config);
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        mut state: Self::State,
        private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = self.aws.get(diags)?;
        let private = private_state.unwrap_or_default();
        let name = known(&state.id)
            .or(known(&state.name))
            .unwrap_or_default()
            .to_string();
        let described = match cluster::describe_cluster(&aws, &name).await {
            Ok(described) => described,
            Err(err) => {
                err.report(diags, "Cannot read the platform");
                return Some((state, Some(private)));
            }
        };
        let Some(described) = described else {
            // The cluster is gone, but the VPC and role the platform made may
            // not be: keep the state, without an id, so the plan replaces the
            // platform and its destroy removes them.
            let owns_pieces = private.network.is_some() || private.cluster_role_name.is_some();
            if !owns_pieces {
                return None;
            }
            for value in [
                &mut state.id,
                &mut state.cluster_arn,
                &mut state.cluster_endpoint,
            ] {
                *value = Value::Null;
            }
            return Some((state, Some(private)));
        };
        flatten::cluster(&mut state, &described);
        if let Some(ids) = &private.network {
            state.subnet_ids_by_az = to_map(&ids.private_subnets);
        }
        if let Err(err) = layer::read(&aws, &name, &mut state, &private).await {
            err.report(diags, "Cannot read the platform");
        }
        state.job_run_requests = to_map(&layer::job_requests(&state, &private));
        if let Some(admin) = &private.admin_access_entry {
            match cluster::has_access_entry(&aws, &name, admin).await {
                Ok(true) => state.eks_admin_role_arn = Value::Value(admin.clone()),
                Ok(false) => state.eks_admin_role_arn = Value::Null,
                Err(err) => err.report(diags, "Cannot read the platform's admin access"),
            }
        }
        Some((state, Some(private)))
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State,
        config_state: Self::State,
    ) -> Option<(Self::State, Self::Private)> {
        self.check_zones(diags, &config_state).await;
        let mut planned = proposed_state;
        planned.id = planned.name.clone();
        planned.cluster_name = planned.name.clone();
        if planned.kubernetes_version.is_null() {
            planned.kubernetes_version = Value::Unknown;
        }
        planned.tags_all = self.planned_tags_all(&planned);
        for value in [
            &mut planned.cluster_arn,
            &mut planned.cluster_endpoint,
            &mut planned.cluster_role_arn,
            &mut planned.cluster_security_group_id,
            &mut planned.oidc_issuer_url,
            &mut planned.vpc_id,
        ] {
            *value = Value::Unknown;
        }
        planned.subnet_ids_by_az = Value::Unknown;
        desired::fill_defaults(&mut planned);
        for value in [
            &mut planned.node_role_arn,
            &mut planned.oidc_provider_arn,
            &mut planned.assets_bucket,
            &mut planned.tooling_nodegroup_name,
        ] {
            *value = Value::Unknown;
        }
        for map in [
            &mut planned.addon_versions,
            &mut planned.pod_template_uris,
            &mut planned.virtual_cluster_ids,
            &mut planned.execution_role_arns,
            &mut planned.job_run_requests,
        ] {
            *map = Value::Unknown;
        }
        planned.log_group_names = planned_log_groups(&planned);
        plan_studio(&mut planned, None);
        let private = PlatformPrivate {
            client_token: Some(random_token(32)),
            suffix: Some(random_token(8)),
            ..Default::default()
        };
        Some((planned, Some(private)))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        proposed_state: Self::State,
        config_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let mut planned = proposed_state;
        planned.tags_all = self.planned_tags_all(&planned);
        let mut replace: Vec<AttributePath> = FORCES_REPLACEMENT
            .iter()
            .map(|name| AttributePath::new(*name))
            .collect();
        if prior_state.id.is_null() {
            // Read found the cluster gone: a new platform replaces what is left.
            planned.id = planned.name.clone();
            replace.push(AttributePath::new("id"));
        }
        if let (Some(old), Some(new)) = (
            known(&prior_state.kubernetes_version),
            known(&config_state.kubernetes_version),
        ) {
            if let (Ok(old), Ok(new)) = (
                validate::kubernetes_version(old),
                validate::kubernetes_version(new),
            ) {
                if new < old {
                    diags.push(crate::plugin::Diagnostic::warning_at(
                        "Kubernetes downgrade replaces the platform",
                        "EKS cannot downgrade a cluster in place, so lowering kubernetes_version creates a new platform.",
                        AttributePath::new("kubernetes_version"),
                    ));
                    replace.push(AttributePath::new("kubernetes_version"));
                }
            }
        }
        desired::fill_defaults(&mut planned);
        plan_layer(&prior_state, &mut planned);
        Some((planned, prior_private_state, replace))
    }

    async fn plan_destroy(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<Self::Private> {
        Some(prior_private_state)
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State,
        _config_state: Self::State,
        planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = self.aws.get(diags)?;
        let mut state = planned_state;
        let mut private = planned_private_state.unwrap_or_default();
        if let Err(err) = create_platform(&aws, &mut state, &mut private).await {
            err.report(diags, "Cannot create the platform");
            diags.root_warning(
                "Partial platform saved",
                "What was created is recorded in the state: the next apply replaces the platform and `terraform destroy` removes every piece.",
            );
        }
        settle(&mut state);
        Some((state, Some(private)))
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        planned_state: Self::State,
        _config_state: Self::State,
        planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = self.aws.get(diags)?;
        let mut state = planned_state;
        let mut private = planned_private_state.unwrap_or_default();
        if let Err(err) = update_platform(&aws, &prior_state, &mut state, &mut private).await {
            err.report(diags, "Cannot update the platform");
        }
        settle(&mut state);
        Some((state, Some(private)))
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = self.aws.get(diags)?;
        match import_platform(&aws, &id).await {
            Ok((state, private)) => Some((state, Some(private))),
            Err(err) => {
                err.report(diags, "Cannot import the platform");
                None
            }
        }
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        planned_private_state: Self::Private,
    ) -> Option<()> {
        let aws = self.aws.get(diags)?;
        let mut private = planned_private_state.unwrap_or_default();
        if let Err(err) = destroy_platform(&aws, &prior_state, &mut private).await {
            err.report(diags, "Cannot destroy the platform");
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::values::to_list;

    fn base() -> PlatformState {
        PlatformState {
            name: Value::Value("analytics".into()),
            vpc_cidr: Value::Value("10.0.0.0/16".into()),
            availability_zones: to_list(["eu-west-1a".to_string(), "eu-west-1b".to_string()]),
            ..Default::default()
        }
    }

    fn error_paths(config: &PlatformState) -> String {
        let mut diags = Diagnostics::default();
        validate_config(&mut diags, config);
        format!("{:?}", diags.errors().collect::<Vec<_>>())
    }

    #[test]
    fn a_valid_config_passes() {
        assert_eq!(error_paths(&base()), "[]");
    }

    #[test]
    fn network_arguments_are_exclusive_and_complete() {
        let mut both = base();
        both.subnet_ids = to_list(["subnet-1".to_string(), "subnet-2".to_string()]);
        assert!(error_paths(&both).contains("subnet_ids"));

        let mut neither = base();
        neither.vpc_cidr = Value::Null;
        neither.availability_zones = Value::Null;
        assert!(error_paths(&neither).contains("vpc_cidr"));

        let mut no_zones = base();
        no_zones.availability_zones = Value::Null;
        assert!(error_paths(&no_zones).contains("availability_zones"));
    }

    #[test]
    fn bad_values_name_their_attribute() {
        let mut config = base();
        config.vpc_cidr = Value::Value("10.0.0.0/33".into());
        config.kubernetes_version = Value::Value("latest".into());
        config.eks_admin_role_arn = Value::Value("admin".into());
        config.endpoint_public_access_cidrs = to_list(["1.2.3.4/40".to_string()]);
        let found = error_paths(&config);
        for attribute in [
            "vpc_cidr",
            "kubernetes_version",
            "eks_admin_role_arn",
            "endpoint_public_access_cidrs",
        ] {
            assert!(
                found.contains(attribute),
                "no error on {attribute}: {found}"
            );
        }
    }

    #[test]
    fn duplicate_zones_are_refused() {
        let mut config = base();
        config.availability_zones = to_list(["eu-west-1a".to_string(), "eu-west-1a".to_string()]);
        assert!(error_paths(&config).contains("Duplicate availability zone"));
    }

    #[test]
    fn unknown_values_wait_for_apply() {
        let mut config = base();
        config.availability_zones = Value::Unknown;
        config.eks_admin_role_arn = Value::Unknown;
        assert_eq!(error_paths(&config), "[]");
    }

    #[test]
    fn reserved_tags_are_refused() {
        let mut config = base();
        config.tags = to_map(&BTreeMap::from([(
            "emreks:platform".to_string(),
            "x".to_string(),
        )]));
        assert!(error_paths(&config).contains("tags"));
    }
}
