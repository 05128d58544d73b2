//! `emreks_platform`'s create, update and destroy, each a sequence of steps
//! (network, cluster, assets, the layer on the running cluster, Studio).
//! Every step records the id of what it makes in the private state as soon
//! as it exists and reports what it learned in [`Built`]; destroy forgets
//! each piece once it is gone. Steps that need not wait for each other run
//! at once.

mod abandoned;
mod assets;
pub(super) mod cluster;
mod controllers;

pub use abandoned::remove_abandoned;
pub use cluster::check_name_free;
pub(super) mod discover;
mod network;
mod reconcile;
pub(super) mod studio;

pub(super) use cluster::{name_taken_detail, owned_cluster_role, owns_cluster};
pub(super) use network::{discover as discover_network, given_subnets};

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_eks::types::{Cluster, ClusterStatus};

use super::private::{NetworkIds, PlatformPrivate, StudioIds};
use super::schema::{NetworkSpec, PlatformSpec, PlatformState, Recorded};
use super::settings;
use crate::aws::eks::cluster::{
    auto_mode_enabled, find_cluster, update_auto_mode, update_endpoint_access, wait_cluster_active,
};
use crate::aws::iam::role;
use crate::aws::Aws;
use crate::error::Result;
use crate::platform::compute::Compute;
use crate::platform::naming::{self, Owner, PlatformRole};
use crate::resources::random_token;
use crate::resources::values::known;

/// What an apply learned of the objects it made, beyond the ids the
/// private state keeps; `flatten` writes it into the state. `None` is
/// "not learned": the state keeps what it has.
#[derive(Debug, Default)]
pub struct Built {
    pub cluster: Option<Cluster>,
    pub cluster_role_arn: Option<String>,
    /// The VPC and zone → private subnet.
    pub network: Option<(Option<String>, BTreeMap<String, String>)>,
    pub node_role_arn: Option<String>,
    /// The Auto Mode node role's name and ARN.
    pub auto_node_role: Option<(String, String)>,
    pub assets_bucket: Option<String>,
    pub pod_template_uris: Option<BTreeMap<String, String>>,
    pub log_group_names: Option<BTreeMap<String, String>>,
    pub oidc_provider_arn: Option<String>,
    pub tooling_nodegroup: Option<String>,
    pub addon_versions: Option<BTreeMap<String, String>>,
    pub virtual_cluster_ids: Option<BTreeMap<String, String>>,
    pub execution_role_arns: Option<BTreeMap<String, String>>,
    /// `Some(None)`: the platform has no Studio.
    pub studio: Option<Option<StudioIds>>,
}

impl Built {
    /// Takes what `other` learned; used to join branches that ran side by
    /// side, each with its own `Built`.
    pub fn merge(&mut self, other: Built) {
        fn take<T>(mine: &mut Option<T>, theirs: Option<T>) {
            if theirs.is_some() {
                *mine = theirs;
            }
        }
        let Built {
            cluster,
            cluster_role_arn,
            network,
            node_role_arn,
            auto_node_role,
            assets_bucket,
            pod_template_uris,
            log_group_names,
            oidc_provider_arn,
            tooling_nodegroup,
            addon_versions,
            virtual_cluster_ids,
            execution_role_arns,
            studio,
        } = other;
        take(&mut self.cluster, cluster);
        take(&mut self.cluster_role_arn, cluster_role_arn);
        take(&mut self.network, network);
        take(&mut self.node_role_arn, node_role_arn);
        take(&mut self.auto_node_role, auto_node_role);
        take(&mut self.assets_bucket, assets_bucket);
        take(&mut self.pod_template_uris, pod_template_uris);
        take(&mut self.log_group_names, log_group_names);
        take(&mut self.oidc_provider_arn, oidc_provider_arn);
        take(&mut self.tooling_nodegroup, tooling_nodegroup);
        take(&mut self.addon_versions, addon_versions);
        take(&mut self.virtual_cluster_ids, virtual_cluster_ids);
        take(&mut self.execution_role_arns, execution_role_arns);
        take(&mut self.studio, studio);
    }
}

/// What every step of one apply needs to know about the platform.
pub struct Context<'a> {
    pub aws: &'a Aws,
    /// The spec, its tags with the platform's ownership marker.
    pub spec: &'a PlatformSpec,
    pub suffix: &'a str,
    pub owner: &'a Owner,
    pub client_token: &'a str,
    pub timeout: Duration,
    /// This apply raised the cluster's Kubernetes version: the add-ons
    /// follow to the new version's defaults.
    pub kubernetes_upgraded: bool,
}

impl Context<'_> {
    fn cluster(&self) -> &str {
        &self.spec.name
    }
}

/// Creates the platform, filling `private` and `built` as objects come to
/// exist; `planned` is the planned state, whose arguments are kept for
/// import before the cluster is asked for.
pub async fn create(
    aws: &Aws,
    spec: &PlatformSpec,
    planned: &PlatformState,
    private: &mut PlatformPrivate,
    built: &mut Built,
) -> Result<()> {
    let timeout = spec.timeouts.create;
    let suffix = private
        .suffix
        .get_or_insert_with(|| random_token(8))
        .clone();
    let token = private
        .client_token
        .get_or_insert_with(|| random_token(32))
        .clone();
    let owner = Owner::new(&spec.name, &suffix);
    let spec = &with_marker(spec, &owner);

    // The role, the assets bucket with the settings import needs, and the
    // control-plane log group are made while the network is: should the
    // provider be killed once the cluster is asked for, the cluster can be
    // imported.
    let role_name = PlatformRole::Cluster.name(&spec.name, &suffix);
    let mut created_role = None;
    let mut bucket = private.assets_bucket.clone();
    let mut log_groups = private.log_groups.clone();
    let mut settings_result = Ok(());
    let mut log_group_result = Ok(());
    let role = async {
        let (role, kept, log_group) = tokio::join!(
            cluster::ensure_cluster_role(aws, spec, &role_name, &owner, &mut created_role),
            keep_settings(aws, spec, &suffix, planned, &mut bucket),
            assets::ensure_cluster_log_group(aws, spec, &owner, &mut log_groups)
        );
        settings_result = kept;
        log_group_result = log_group;
        role
    };
    let (network_result, role_result) = match &spec.network {
        NetworkSpec::Own { cidr, subnets } => {
            let mut ids = NetworkIds::default();
            let (network_result, role_result) = tokio::join!(
                network::create(aws, &spec.name, *cidr, subnets, &spec.tags, &mut ids),
                role
            );
            built.network = Some((ids.vpc_id.clone(), ids.private_subnets.clone()));
            let subnet_ids: Vec<String> = ids.private_subnets.values().cloned().collect();
            private.network = Some(ids);
            (network_result.map(|()| subnet_ids), role_result)
        }
        NetworkSpec::Given { subnet_ids } => {
            let (given, role_result) = tokio::join!(network::given_subnets(aws, subnet_ids), role);
            let given = given.map(|(vpc_id, by_zone)| {
                built.network = Some((Some(vpc_id), by_zone));
                subnet_ids.clone()
            });
            (given, role_result)
        }
    };
    // Recorded in the state, not only in the private state, before any
    // failure returns: the destroy Terraform runs to replace a tainted
    // platform gets a fresh private state and finds the cluster role and
    // the bucket by what the state holds.
    private.cluster_role_name = created_role.clone();
    record_cluster_role(aws, &role_result, created_role.as_deref(), built).await;
    built.assets_bucket.clone_from(&bucket);
    private.assets_bucket = bucket;
    private.log_groups = log_groups;
    let subnet_ids = network_result?;
    settings_result?;
    log_group_result?;
    let role_arn = role_result?;

    let auto_node_role_arn = match spec.compute {
        Compute::AutoMode => Some(ensure_auto_node_role(aws, spec, &owner, private, built).await?),
        Compute::ManagedNodegroups => None,
    };
    cluster::create_cluster(
        aws,
        spec,
        &owner,
        &role_arn,
        &subnet_ids,
        auto_node_role_arn.as_deref(),
        &token,
    )
    .await?;
    private.cluster_created = true;
    let ctx = Context {
        aws,
        spec,
        suffix: &suffix,
        owner: &owner,
        client_token: &token,
        timeout,
        kubernetes_upgraded: false,
    };
    let (vpc_id, subnets) = built.network.clone().unwrap_or_default();
    let vpc_id = vpc_id.unwrap_or_default();
    let described = while_cluster_creates(&ctx, &vpc_id, &subnets, private, built).await?;
    let prepared = described.1;
    reconcile::finish(&ctx, &described.0, &subnets, &prepared, private, built).await
}

/// What a create runs while EKS makes the cluster, in branches side by
/// side: the private subnets' NAT gateways (nodes need them, the cluster
/// not), the assets (nodes' role, bucket, pod templates, log groups), the
/// Studio (it needs the network only), and the cluster's own branch: its
/// wait, then the admin's access, the OIDC provider and the add-ons. Each
/// branch works on its own part of the private state, put back once all
/// have ended, so a failure in one leaves the others' objects recorded;
/// the first error is returned.
async fn while_cluster_creates(
    ctx: &Context<'_>,
    vpc_id: &str,
    subnets: &BTreeMap<String, String>,
    private: &mut PlatformPrivate,
    built: &mut Built,
) -> Result<(Cluster, reconcile::Prepared)> {
    let (aws, spec) = (ctx.aws, ctx.spec);
    let mut network = private.network.take();
    let egress = async {
        match network.as_mut() {
            Some(ids) => {
                network::ensure_egress(aws, &spec.name, &spec.tags, ids, ctx.timeout).await
            }
            None => Ok(()),
        }
    };
    let mut studio_ids = private.studio.take();
    let studio_subnets: Vec<String> = subnets.values().take(5).cloned().collect();
    let studio = studio::ensure_studio(ctx, vpc_id, &studio_subnets, &mut studio_ids);
    // The assets step records the nodes' role, the bucket and the log
    // groups: it works on a copy whose three fields are put back.
    let mut assets_private = private.clone();
    let mut assets_built = Built::default();
    let assets = assets::ensure_assets(ctx, &mut assets_private, &mut assets_built);
    let cluster = async {
        let described = wait_cluster_active(aws, &spec.name, ctx.timeout).await?;
        built.cluster = Some(described.clone());
        // The admin's access and the first steps on the cluster need
        // nothing of each other.
        let mut admin_entry = private.admin_access_entry.take();
        let admin = async {
            match &spec.admin_role_arn {
                Some(admin) => cluster::grant_admin(aws, &spec.name, admin, &mut admin_entry).await,
                None => Ok(()),
            }
        };
        let (admin, prepared) =
            tokio::join!(admin, reconcile::prepare(ctx, &described, private, built));
        private.admin_access_entry = admin_entry;
        admin?;
        Ok::<_, crate::error::Error>((described, prepared?))
    };
    let (cluster, egress, assets, studio) = tokio::join!(cluster, egress, assets, studio);
    private.network = network;
    private.studio.clone_from(&studio_ids);
    built.studio = Some(studio_ids);
    put_back_assets(private, assets_private);
    built.merge(assets_built);
    let cluster = cluster?;
    egress?;
    assets?;
    studio?;
    Ok(cluster)
}

/// Puts back what the assets branch, working on a copy of the private
/// state beside the others, records: the nodes' role, the bucket and the
/// log groups.
fn put_back_assets(private: &mut PlatformPrivate, assets: PlatformPrivate) {
    private.node_role_name = assets.node_role_name;
    private.assets_bucket = assets.assets_bucket;
    private.log_groups = assets.log_groups;
}

/// The Auto Mode node role, recorded in `private` and noted in `built`.
async fn ensure_auto_node_role(
    aws: &Aws,
    spec: &PlatformSpec,
    owner: &Owner,
    private: &mut PlatformPrivate,
    built: &mut Built,
) -> Result<String> {
    let arn =
        cluster::ensure_auto_node_role(aws, spec, owner, &mut private.auto_node_role_name).await?;
    if let Some(name) = &private.auto_node_role_name {
        built.auto_node_role = Some((name.clone(), arn.clone()));
    }
    Ok(arn)
}

/// Turns EKS Auto Mode on or off on the running cluster as `compute` asks:
/// on, after the cluster role has Auto Mode's policies and the node role
/// exists; off, before the nodegroups and controllers come back.
async fn switch_compute(
    aws: &Aws,
    spec: &PlatformSpec,
    owner: &Owner,
    running: &Cluster,
    private: &mut PlatformPrivate,
    built: &mut Built,
    timeout: Duration,
) -> Result<()> {
    let on = auto_mode_enabled(running);
    match spec.compute {
        Compute::AutoMode => {
            let role_name = running
                .role_arn()
                .map(naming::role_name_of_arn)
                .unwrap_or_default()
                .to_string();
            let mut recorded = private.cluster_role_name.clone();
            cluster::ensure_cluster_role(aws, spec, &role_name, owner, &mut recorded).await?;
            let node_role = ensure_auto_node_role(aws, spec, owner, private, built).await?;
            if !on {
                update_auto_mode(
                    aws,
                    &spec.name,
                    Some(cluster::auto_mode(&node_role)),
                    timeout,
                )
                .await?;
            }
        }
        Compute::ManagedNodegroups if on => {
            update_auto_mode(aws, &spec.name, None, timeout).await?;
        }
        Compute::ManagedNodegroups => {}
    }
    Ok(())
}

/// Makes the assets bucket and keeps the planned arguments in it, as they
/// are before anything is known of AWS's answers.
async fn keep_settings(
    aws: &Aws,
    spec: &PlatformSpec,
    suffix: &str,
    planned: &PlatformState,
    bucket: &mut Option<String>,
) -> Result<()> {
    let name = assets::ensure_bucket(aws, &spec.name, suffix, &spec.tags, bucket).await?;
    let mut arguments = planned.clone();
    super::plan::settle(&mut arguments);
    settings::save(aws, &name, &spec.name, &arguments).await
}

/// Notes the cluster role's ARN for the state: from its creation, or, when
/// a later step of `ensure_role` failed, from IAM (best effort: a failure
/// here only loses what the private state still records).
async fn record_cluster_role(
    aws: &Aws,
    made: &Result<String>,
    recorded: Option<&str>,
    built: &mut Built,
) {
    built.cluster_role_arn = match (made, recorded) {
        (Ok(arn), _) => Some(arn.clone()),
        (Err(_), Some(name)) => role::role_arn(aws, name).await.ok().flatten(),
        (Err(_), None) => None,
    };
}

/// Brings the platform from what the state records to the spec in place;
/// makes again whatever was deleted outside Terraform.
pub async fn update(
    aws: &Aws,
    prior: &Recorded,
    spec: &PlatformSpec,
    private: &mut PlatformPrivate,
    built: &mut Built,
) -> Result<()> {
    let name = prior.name.as_str();
    let timeout = spec.timeouts.update;
    // Nothing is changed on a cluster this platform did not make.
    let suffix = match discover::owner(prior, private) {
        Some(owner) => owner.suffix,
        None => private.suffix.insert(random_token(8)).clone(),
    };
    let owner = Owner::new(name, &suffix);
    let mut described = cluster::find_owned_cluster(aws, &owner).await?;
    // A cluster imported after its create was cut short may still be
    // CREATING; nothing can be asked of it until it is ACTIVE.
    if described
        .as_ref()
        .is_some_and(|c| c.status() != Some(&ClusterStatus::Active))
    {
        wait_cluster_active(aws, name, timeout).await?;
        described = cluster::find_owned_cluster(aws, &owner).await?;
    }
    let spec = &with_marker(spec, &owner);
    let prior = &Recorded {
        tags: owner.tag(&prior.tags),
        ..prior.clone()
    };
    if prior.tags != spec.tags {
        cluster::retag(
            aws,
            prior.cluster_arn.as_deref(),
            private.cluster_role_name.as_deref(),
            &prior.tags,
            &spec.tags,
        )
        .await?;
        if let Some(ids) = &private.network {
            network::retag(aws, ids, &prior.tags, &spec.tags).await?;
        }
        if let Some(ids) = &private.studio {
            studio::retag(aws, ids, &prior.tags, &spec.tags).await?;
        }
    }
    let found = match &described {
        Some(cluster) => discover::Found::Ours(cluster),
        None => discover::Found::Gone,
    };
    discover::discover(aws, prior, private, found).await?;
    let token = random_token(32);
    let ctx = Context {
        aws,
        spec,
        suffix: &suffix,
        owner: &owner,
        client_token: &token,
        timeout,
        kubernetes_upgraded: false,
    };
    // As in a create, in branches side by side, each on its own part of
    // the private state: the cluster's (EKS takes one update of a cluster
    // at a time, so its updates follow each other, then the first steps on
    // it), the network's egress, the assets and the Studio; then the rest
    // on the cluster, which needs the nodes' role the assets hold.
    let mut network = private.network.take();
    let egress = complete_egress(aws, spec, &owner, network.as_mut(), timeout);
    let mut assets_private = private.clone();
    let mut assets_built = Built::default();
    let assets = async {
        assets::ensure_assets(&ctx, &mut assets_private, &mut assets_built).await?;
        assets::ensure_cluster_log_group(aws, spec, &owner, &mut assets_private.log_groups).await
    };
    let mut studio_ids = private.studio.take();
    let studio = async {
        let Some(running) = &described else {
            return Ok(());
        };
        let vpc_id = running
            .resources_vpc_config()
            .and_then(|v| v.vpc_id())
            .unwrap_or_default();
        let studio_subnets: Vec<String> = prior.subnets_by_zone.values().take(5).cloned().collect();
        studio::ensure_studio(&ctx, vpc_id, &studio_subnets, &mut studio_ids).await
    };
    let cluster = async {
        if prior.admin_role_arn != spec.admin_role_arn {
            cluster::revoke_admin(aws, name, &mut private.admin_access_entry).await?;
            if let Some(admin) = &spec.admin_role_arn {
                cluster::grant_admin(aws, name, admin, &mut private.admin_access_entry).await?;
            }
        }
        if prior.public_access_cidrs != spec.public_access_cidrs {
            update_endpoint_access(aws, name, &spec.public_access_cidrs, timeout).await?;
        }
        let kubernetes_upgraded = cluster::upgrade(
            aws,
            name,
            prior.kubernetes_version.as_deref(),
            spec.kubernetes_version.as_deref(),
            timeout,
        )
        .await?;
        if let Some(running) = &described {
            switch_compute(aws, spec, &owner, running, private, built, timeout).await?;
        }
        let Some(described) = cluster::find_owned_cluster(aws, &owner).await? else {
            return Ok(None);
        };
        built.cluster = Some(described.clone());
        let ctx = Context {
            kubernetes_upgraded,
            ..ctx
        };
        let prepared = reconcile::prepare(&ctx, &described, private, built).await?;
        Ok::<_, crate::error::Error>(Some((described, prepared, kubernetes_upgraded)))
    };
    let (cluster, egress, assets, studio) = tokio::join!(cluster, egress, assets, studio);
    private.network = network;
    private.studio.clone_from(&studio_ids);
    if described.is_some() {
        built.studio = Some(studio_ids);
    }
    put_back_assets(private, assets_private);
    built.merge(assets_built);
    let cluster = cluster?;
    egress?;
    assets?;
    studio?;
    let Some((described, prepared, kubernetes_upgraded)) = cluster else {
        return Ok(());
    };
    let ctx = Context {
        kubernetes_upgraded,
        ..ctx
    };
    reconcile::finish(
        &ctx,
        &described,
        &prior.subnets_by_zone,
        &prepared,
        private,
        built,
    )
    .await?;
    if spec.compute == Compute::ManagedNodegroups {
        cluster::remove_auto_mode_roles(aws, &described, private).await?;
    }
    Ok(())
}

/// Completes the NAT gateways a create cut short left unfinished (its
/// provider killed, the platform then imported); route tables recorded by
/// id (an import by an earlier release) are keyed by zone once found again.
async fn complete_egress(
    aws: &Aws,
    spec: &PlatformSpec,
    owner: &Owner,
    network: Option<&mut NetworkIds>,
    timeout: Duration,
) -> Result<()> {
    let Some(ids) = network else {
        return Ok(());
    };
    if network::egress_complete(ids) {
        return Ok(());
    }
    if let Some(vpc_id) = ids.vpc_id.clone() {
        if let Some(found) = network::discover(aws, &vpc_id, owner).await? {
            *ids = found;
        }
    }
    if !network::egress_complete(ids) {
        network::ensure_egress(aws, &spec.name, &spec.tags, ids, timeout).await?;
    }
    Ok(())
}

/// Keeps the arguments AWS cannot tell back beside the pod templates, for import.
pub async fn save_settings(
    aws: &Aws,
    state: &PlatformState,
    private: &PlatformPrivate,
) -> Result<()> {
    match (&private.assets_bucket, known(&state.name)) {
        (Some(bucket), Some(name)) => settings::save(aws, bucket, name, state).await,
        _ => Ok(()),
    }
}

/// The spec with the platform's ownership marker among its tags, so every
/// object made from it carries the marker.
fn with_marker(spec: &PlatformSpec, owner: &Owner) -> PlatformSpec {
    PlatformSpec {
        tags: owner.tag(&spec.tags),
        ..spec.clone()
    }
}

/// The network's ids from AWS, when the private state lacks them (a
/// replacement's destroy gets a fresh one).
async fn find_network(
    aws: &Aws,
    prior: &Recorded,
    owner: Option<&Owner>,
    private: &mut PlatformPrivate,
) -> Result<()> {
    if private.network.is_none() {
        if let (Some(vpc_id), Some(owner)) = (&prior.vpc_id, owner) {
            private.network = network::discover(aws, vpc_id, owner).await?;
        }
    }
    Ok(())
}

/// Deletes everything the platform made, in dependency order; `private`
/// forgets each piece once it is gone, so a retry resumes. A cluster of
/// the platform's name that is not its own, and all on it, is left alone
/// and named in the returned notes.
pub async fn destroy(
    aws: &Aws,
    prior: &Recorded,
    private: &mut PlatformPrivate,
) -> Result<Vec<String>> {
    let timeout = prior.timeouts.delete;
    let name = prior.name.as_str();
    let owner = discover::owner(prior, private);
    let mut notes = Vec::new();
    if !name.is_empty() {
        let described = find_cluster(aws, name).await?;
        let foreign = match (&owner, &described) {
            (Some(owner), Some(found)) if cluster::owns_cluster(owner, found) => false,
            (owner, Some(found)) => {
                let refusal = match owner {
                    Some(owner) => cluster::not_ours(owner, found).to_string(),
                    None => format!("EKS cluster \"{name}\": the state records no suffix of this platform to prove it is its own"),
                };
                notes.push(format!(
                    "{refusal}. It was left untouched, with everything on it."
                ));
                true
            }
            (_, None) => false,
        };
        let found = match (&described, foreign) {
            (_, true) => discover::Found::NotOurs,
            (Some(cluster), false) => discover::Found::Ours(cluster),
            (None, false) => discover::Found::Gone,
        };
        discover::discover(aws, prior, private, found).await?;
        // With the cluster gone, what it needed (roles, OIDC provider) still goes.
        if !foreign {
            find_network(aws, prior, owner.as_ref(), private).await?;
            // The NAT gateways go while the cluster does: nothing of the
            // cluster needs them any more.
            let mut network = private.network.take();
            let egress = async {
                match network.as_mut() {
                    Some(ids) => network::delete_egress(aws, ids, timeout).await,
                    None => Ok(()),
                }
            };
            let cluster = async {
                reconcile::teardown(aws, name, described.as_ref(), private, timeout).await?;
                cluster::revoke_admin(aws, name, &mut private.admin_access_entry).await?;
                cluster::delete_cluster(aws, name, timeout).await
            };
            let (cluster, egress) = tokio::join!(cluster, egress);
            private.network = network;
            cluster?;
            egress?;
        }
        private.cluster_created = false;
    }
    // Terraform gives destroy a fresh private state when it replaces the
    // platform: then find the pieces from the state and the ownership tags.
    if let (None, Some(arn), Some(owner)) =
        (&private.cluster_role_name, &prior.cluster_role_arn, &owner)
    {
        private.cluster_role_name = cluster::owned_cluster_role(aws, arn, owner).await?;
    }
    find_network(aws, prior, owner.as_ref(), private).await?;
    // With the cluster gone, its role, the assets and the network go side
    // by side: none needs another.
    let mut network = private.network.take();
    let cluster_role = private.cluster_role_name.take();
    let role = async {
        match cluster_role.as_deref() {
            Some(role) => crate::aws::iam::role::delete_role(aws, role).await,
            None => Ok(()),
        }
    };
    let vpc = async {
        match network.as_mut() {
            Some(ids) => network::delete(aws, ids, timeout).await,
            None => Ok(()),
        }
    };
    let (role, assets, vpc) = tokio::join!(role, assets::teardown_assets(aws, private), vpc);
    private.cluster_role_name = if role.is_ok() { None } else { cluster_role };
    private.network = if vpc.is_ok() { None } else { network };
    role?;
    assets?;
    vpc?;
    Ok(notes)
}

/// Runs `step` on every item at once, each to its end whatever the others
/// do; the items whose step succeeded, and the first error.
pub(super) async fn side_by_side<T, F, Fut>(items: Vec<T>, step: F) -> (Vec<T>, Result<()>)
where
    T: Clone,
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let results = futures::future::join_all(items.iter().cloned().map(step)).await;
    let mut done = Vec::new();
    let mut first_error = Ok(());
    for (item, result) in items.into_iter().zip(results) {
        match result {
            Ok(()) => done.push(item),
            Err(err) => {
                if first_error.is_ok() {
                    first_error = Err(err);
                }
            }
        }
    }
    (done, first_error)
}
