//! The EMR-on-EKS layer on the running cluster, brought to what the spec
//! asks for: the IAM OIDC provider, the tooling nodegroup, the add-ons,
//! the virtual clusters and their namespaces, the job execution roles,
//! Cluster Autoscaler and the load balancer controller; with EKS Auto Mode,
//! the node role's access entry instead of the nodegroup, and the add-ons
//! and controllers only for a Studio's notebook nodegroups (Auto Mode
//! replaces them otherwise). Every step checks what exists and makes only
//! what is missing or different, so [`prepare`] and [`finish`] serve
//! create, update and drift repair; `teardown` removes the layer, most
//! dependent first.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_eks::types::{AddonInfo, Cluster};

use super::super::private::{AutoscalerIds, PlatformPrivate};
use super::cluster::kubernetes_version;
use super::{controllers, side_by_side, studio, Built, Context};
use crate::aws::ec2::launch_template::{self, TemplateRequest};
use crate::aws::eks::nodegroup::{self, NodegroupRequest, NodegroupUpdate, Scaling};
use crate::aws::eks::{access_entry, addon, cluster::oidc_issuer, pod_identity};
use crate::aws::emrcontainers::{managed_endpoint, virtual_cluster};
use crate::aws::iam::oidc_provider;
use crate::aws::iam::role::{self, RoleSpec};
use crate::aws::kubernetes::{self, Kube};
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::addons::{self, AddonCatalogue, AddonVersion, Compatibility, REQUIRED_ADDONS};
use crate::platform::cluster_autoscaler::{self, DEFAULT_NAMESPACE, DEFAULT_SERVICE_ACCOUNT};
use crate::platform::compute::{self, Compute, ControllerNodes, NodeStack};
use crate::platform::defaults::{Tooling, TOOLING_DISK_SIZE};
use crate::platform::iam_documents::{self, Trust};
use crate::platform::naming::{self, PlatformRole};
use crate::platform::node_roles::NodeRole;
use crate::platform::{manifests, nodegroup as node_settings, validate};
use crate::plugin::AttributePath;
use crate::resources::random_token;

/// What [`prepare`] learned, for [`finish`].
pub struct Prepared {
    oidc_arn: String,
    /// The add-ons asked for, name → version.
    addons: BTreeMap<String, String>,
}

/// The first steps once the cluster is ACTIVE, before any node: the IAM
/// OIDC provider, Auto Mode's node access entry, the add-ons' roles and the
/// add-ons (among them the pod identity agent): the VPC CNI on a node has
/// no permissions but through its pod identity association.
pub async fn prepare(
    ctx: &Context<'_>,
    cluster: &Cluster,
    private: &mut PlatformPrivate,
    built: &mut Built,
) -> Result<Prepared> {
    let aws = ctx.aws;
    let issuer = issuer(ctx, cluster)?;
    let account = aws.account_id().await?.to_string();
    // The OIDC provider serves the execution roles (IRSA), not the add-ons
    // (Pod Identity): the two go side by side.
    let oidc_provider_arn = naming::oidc_provider_arn(&aws.partition, &account, issuer);
    let oidc = oidc_provider::ensure_oidc_provider(aws, &oidc_provider_arn, issuer, &ctx.spec.tags);
    let (oidc_arn, addons) = tokio::join!(oidc, prepare_addons(ctx, cluster, private, built));
    let oidc_arn = oidc_arn?;
    private.oidc_provider_arn = Some(oidc_arn.clone());
    built.oidc_provider_arn = Some(oidc_arn.clone());
    Ok(Prepared {
        oidc_arn,
        addons: addons?,
    })
}

/// Auto Mode's node access entry, the add-ons' roles and the add-ons.
async fn prepare_addons(
    ctx: &Context<'_>,
    cluster: &Cluster,
    private: &mut PlatformPrivate,
    built: &Built,
) -> Result<BTreeMap<String, String>> {
    let aws = ctx.aws;
    if ctx.spec.compute == Compute::AutoMode {
        // Auto Mode's nodes join through this entry when a NodeClass of
        // ours names the role (EKS makes it for the built-in pools only).
        if let Some((_, arn)) = &built.auto_node_role {
            access_entry::ensure_auto_node_entry(
                aws,
                ctx.cluster(),
                arn,
                compute::AUTO_NODE_ACCESS_POLICY,
            )
            .await?;
        }
    }
    let wanted = ctx.spec.node_stack().addons();
    if wanted.is_empty() {
        return Ok(BTreeMap::new());
    }
    controllers::ensure_addon_identities(ctx, wanted, &mut private.addon_identities).await?;
    ensure_addons(ctx, cluster, wanted, private).await
}

fn issuer<'a>(ctx: &Context<'_>, cluster: &'a Cluster) -> Result<&'a str> {
    oidc_issuer(cluster).ok_or_else(|| {
        Error::aws_message(
            "eks:DescribeCluster",
            ctx.cluster(),
            "the cluster has no OIDC issuer",
        )
    })
}

/// The rest, in two branches side by side: the tooling nodegroup and the
/// add-ons' wait (CoreDNS and the EBS CSI driver need nodes), and what
/// needs the cluster's API but no node: namespaces and virtual clusters,
/// execution roles, Cluster Autoscaler and the load balancer controller
/// (their pods start once the nodes are there). Both branches run to their
/// end whatever the other does, so what exists is recorded; the first
/// error is returned. On Auto Mode there is no tooling nodegroup: Auto Mode
/// runs the system pods; without a Studio it also runs the nodes'
/// networking, DNS, storage driver, Pod Identity agent, scaling and load
/// balancing. Whatever the platform ran that it no longer needs goes first
/// (after a switch of `compute`, or the Studio's removal).
pub async fn finish(
    ctx: &Context<'_>,
    cluster: &Cluster,
    subnets: &BTreeMap<String, String>,
    prepared: &Prepared,
    private: &mut PlatformPrivate,
    built: &mut Built,
) -> Result<()> {
    let kube = kubernetes::connect(ctx.aws, cluster).await?;
    let stack = ctx.spec.node_stack();
    remove_unneeded_compute(
        ctx.aws,
        ctx.cluster(),
        Some(&kube),
        stack,
        private,
        ctx.timeout,
    )
    .await?;
    if !stack.tooling_nodegroup() {
        // CoreDNS gets its nodes from Auto Mode's system pool.
        let mut addons_built = Built::default();
        let (addons, workloads) = tokio::join!(
            wait_addons(ctx, &prepared.addons, &mut addons_built),
            workloads(ctx, cluster, &kube, &prepared.oidc_arn, private, built)
        );
        built.merge(addons_built);
        addons?;
        return workloads;
    }
    let node_role_arn = built.node_role_arn.clone().unwrap_or_default();
    // The nodes' branch works on its own fields, taken out and put back.
    let mut tooling = (
        private.tooling_nodegroup.take(),
        private.tooling_launch_template.take(),
    );
    let mut nodes_built = Built::default();
    let nodes = async {
        ensure_tooling(
            ctx,
            cluster.version(),
            &node_role_arn,
            subnets,
            &mut tooling,
            &mut nodes_built,
        )
        .await?;
        wait_addons(ctx, &prepared.addons, &mut nodes_built).await
    };
    let (nodes, workloads) = tokio::join!(
        nodes,
        workloads(ctx, cluster, &kube, &prepared.oidc_arn, private, built)
    );
    (private.tooling_nodegroup, private.tooling_launch_template) = tooling;
    built.merge(nodes_built);
    nodes?;
    workloads
}

/// What runs on the cluster's API without waiting for nodes.
async fn workloads(
    ctx: &Context<'_>,
    cluster: &Cluster,
    kube: &Kube,
    oidc_arn: &str,
    private: &mut PlatformPrivate,
    built: &mut Built,
) -> Result<()> {
    let issuer = issuer(ctx, cluster)?;
    ensure_virtual_clusters(ctx, kube, private).await?;
    built.virtual_cluster_ids = Some(private.virtual_clusters.clone());
    ensure_execution_roles(ctx, issuer, oidc_arn, private, built).await?;
    let Some(nodes) = ctx.spec.node_stack().controller_nodes() else {
        return Ok(());
    };
    let vpc_id = cluster
        .resources_vpc_config()
        .and_then(|v| v.vpc_id())
        .unwrap_or_default();
    install_autoscaler(
        ctx,
        kube,
        kubernetes_version(cluster),
        nodes,
        &mut private.autoscaler,
    )
    .await?;
    controllers::install_load_balancer_controller(
        ctx,
        kube,
        kubernetes_version(cluster),
        vpc_id,
        nodes,
        &mut private.load_balancer_controller,
    )
    .await
}

/// The tooling nodegroup as the spec has it: resized in place, or replaced
/// by a new one (a fresh name, since the old one drains while the new one
/// starts) when its instance types or AMI change, or made when missing.
/// `recorded` is (nodegroup, launch template).
async fn ensure_tooling(
    ctx: &Context<'_>,
    cluster_version: Option<&str>,
    node_role_arn: &str,
    subnets: &BTreeMap<String, String>,
    recorded: &mut (Option<String>, Option<String>),
    built: &mut Built,
) -> Result<()> {
    let (aws, wanted) = (ctx.aws, &ctx.spec.tooling);
    let (recorded_group, recorded_template) = recorded;
    let existing = match recorded_group {
        Some(name) => nodegroup::find_nodegroup(aws, ctx.cluster(), name).await?,
        None => None,
    };
    if let Some(group) = &existing {
        if same_shape(group, wanted) {
            let name = group.nodegroup_name().unwrap_or_default();
            // After a control-plane upgrade the nodes follow, as EKS allows
            // them to lag by no minor version before the next upgrade.
            if let (Some(nodes), Some(cluster)) = (group.version(), cluster_version) {
                let behind = match (
                    validate::kubernetes_version(nodes),
                    validate::kubernetes_version(cluster),
                ) {
                    (Ok(nodes), Ok(cluster)) => nodes < cluster,
                    _ => false,
                };
                if behind {
                    nodegroup::update_nodegroup_version(
                        aws,
                        ctx.cluster(),
                        name,
                        cluster,
                        ctx.timeout,
                    )
                    .await?;
                }
            }
            let scaling = scaling(wanted);
            if !scaling.matches(group) {
                let resize = NodegroupUpdate {
                    scaling: Some(scaling),
                    ..Default::default()
                };
                nodegroup::update_nodegroup(aws, ctx.cluster(), name, resize, ctx.timeout).await?;
            }
            built.tooling_nodegroup = Some(name.to_string());
            return Ok(());
        }
    }
    let name = naming::tooling_nodegroup(&random_token(6));
    // IMDSv2 with one hop (pods cannot reach the node role) and an
    // encrypted root volume, as for the Spark nodegroups.
    let old_template = recorded_template.clone();
    let template = launch_template::ensure_launch_template(
        aws,
        &TemplateRequest {
            name: &naming::launch_template(ctx.cluster(), &name, ctx.suffix),
            root_device: node_settings::root_device(&wanted.ami_type),
            disk_size: TOOLING_DISK_SIZE,
            user_data: None,
            tags: &ctx.spec.tags,
        },
    )
    .await?;
    *recorded_template = Some(template.clone());
    nodegroup::create_nodegroup(
        aws,
        &NodegroupRequest {
            cluster: ctx.cluster(),
            name: &name,
            node_role_arn,
            subnet_ids: subnets.values().cloned().collect(),
            instance_types: wanted.instance_types.clone(),
            ami_type: &wanted.ami_type,
            capacity_type: "ON_DEMAND",
            scaling: scaling(wanted),
            max_unavailable: None,
            launch_template: Some(&template),
            labels: NodeRole::Tooling.labels(),
            taints: None,
            tags: &ctx.spec.tags,
            client_token: &format!("{}-{name}", ctx.client_token),
        },
    )
    .await?;
    let old = recorded_group.replace(name.clone());
    nodegroup::wait_nodegroup_active(aws, ctx.cluster(), &name, ctx.timeout).await?;
    built.tooling_nodegroup = Some(name);
    if let (Some(old), Some(_)) = (old, existing) {
        nodegroup::delete_nodegroup(aws, ctx.cluster(), &old).await?;
        nodegroup::wait_nodegroup_deleted(aws, ctx.cluster(), &old, ctx.timeout).await?;
    }
    if let Some(old) = old_template.filter(|old| *old != template) {
        launch_template::delete_launch_template(aws, &old).await?;
    }
    Ok(())
}

fn scaling(tooling: &Tooling) -> Scaling {
    Scaling {
        min_size: Some(tooling.min_size),
        max_size: Some(tooling.max_size),
        desired_size: Some(tooling.desired_size),
    }
}

/// Whether the running group can become the wanted one in place. A group
/// an earlier release made without a launch template is kept: the plan
/// (which cannot see it) promised its name; it gets the template when its
/// instance types or AMI next change.
fn same_shape(group: &aws_sdk_eks::types::Nodegroup, tooling: &Tooling) -> bool {
    group.instance_types() == tooling.instance_types.as_slice()
        && group.ami_type().map(|a| a.as_str()) == Some(tooling.ami_type.as_str())
}

/// The add-ons at the default version EKS reports for the cluster's
/// Kubernetes version, never from a table of ours; returns the versions
/// chosen.
async fn ensure_addons(
    ctx: &Context<'_>,
    cluster: &Cluster,
    wanted: &[&str],
    private: &mut PlatformPrivate,
) -> Result<BTreeMap<String, String>> {
    let aws = ctx.aws;
    let version = cluster.version().unwrap_or_default();
    let catalogue = catalogue(addon::addon_versions(aws, version).await?);
    let chosen = addons::choose(&catalogue, wanted, version)
        .map_err(|why| Error::aws_message("eks:DescribeAddonVersions", ctx.cluster(), why))?;
    // Side by side: each is a describe and a create (or an upgrade), and
    // none needs another.
    let ensured =
        futures::future::join_all(chosen.iter().map(|(name, addon_version)| {
            ensure_addon(ctx, &catalogue, version, name, addon_version)
        }))
        .await;
    let mut first_error = Ok(());
    for (name, (installed, result)) in chosen.keys().zip(ensured) {
        if installed && !private.addons.contains(name) {
            private.addons.push(name.clone());
        }
        if let Err(err) = result {
            first_error = first_error.and(Err(err));
        }
    }
    first_error.map(|()| chosen)
}

/// One add-on made, or upgraded when the catalogue says so; whether it is
/// installed (to be recorded even when its upgrade failed), and the result.
async fn ensure_addon(
    ctx: &Context<'_>,
    catalogue: &AddonCatalogue,
    kubernetes: &str,
    name: &str,
    addon_version: &str,
) -> (bool, Result<()>) {
    let aws = ctx.aws;
    let made =
        match addon::ensure_addon(aws, ctx.cluster(), name, addon_version, &ctx.spec.tags).await {
            Ok(made) => made,
            Err(err) => return (false, Err(err)),
        };
    if made {
        return (true, Ok(()));
    }
    let upgraded = async {
        let installed = addon::addon_version(aws, ctx.cluster(), name).await?;
        let upgrade = installed.as_deref().and_then(|installed| {
            addons::upgrade_to(
                catalogue,
                name,
                installed,
                kubernetes,
                ctx.kubernetes_upgraded,
            )
        });
        if let Some(target) = upgrade {
            addon::update_addon_version(aws, ctx.cluster(), name, &target).await?;
        }
        Ok(())
    };
    (true, upgraded.await)
}

/// Waits for the add-ons to be ACTIVE and notes their versions. CoreDNS
/// and the EBS CSI driver only get there once nodes run, so this comes
/// after the tooling nodegroup is up (on Auto Mode, the system pool's
/// nodes start for them). Nothing to wait for notes no versions.
async fn wait_addons(
    ctx: &Context<'_>,
    chosen: &BTreeMap<String, String>,
    built: &mut Built,
) -> Result<()> {
    if chosen.is_empty() {
        return Ok(());
    }
    // Side by side: the last to settle sets the time, not their sum.
    let settled = futures::future::join_all(
        chosen
            .keys()
            .map(|name| addon::wait_addon_active(ctx.aws, ctx.cluster(), name, ctx.timeout)),
    )
    .await;
    let mut installed = BTreeMap::new();
    for (name, described) in chosen.keys().zip(settled) {
        if let Some(version) = described?.addon_version {
            installed.insert(name.clone(), version);
        }
    }
    built.addon_versions = Some(installed);
    Ok(())
}

/// EKS's answer as the domain's catalogue, for the add-ons the platform installs.
fn catalogue(offered: Vec<AddonInfo>) -> AddonCatalogue {
    let mut catalogue = AddonCatalogue::default();
    for info in offered {
        let Some(name) = info.addon_name() else {
            continue;
        };
        if !REQUIRED_ADDONS.contains(&name) {
            continue;
        }
        let versions = catalogue.addons.entry(name.to_string()).or_default();
        for version in info.addon_versions() {
            versions.push(AddonVersion {
                version: version.addon_version().unwrap_or_default().to_string(),
                compatibilities: version
                    .compatibilities()
                    .iter()
                    .map(|c| Compatibility {
                        cluster_version: c.cluster_version().unwrap_or_default().to_string(),
                        default_version: c.default_version(),
                    })
                    .collect(),
            });
        }
    }
    catalogue
}

/// The virtual clusters and their namespaces as the spec has them: those no
/// longer wanted (or moved to another namespace) go first.
async fn ensure_virtual_clusters(
    ctx: &Context<'_>,
    kube: &Kube,
    private: &mut PlatformPrivate,
) -> Result<()> {
    let aws = ctx.aws;
    let wanted = &ctx.spec.virtual_clusters;
    let namespaces: BTreeSet<String> = wanted.values().cloned().collect();
    for (key, id) in private.virtual_clusters.clone() {
        let live = virtual_cluster::is_live(
            virtual_cluster::virtual_cluster_state(aws, &id)
                .await?
                .as_ref(),
        );
        let keep = live
            && wanted.contains_key(&key)
            && private.virtual_cluster_namespaces.get(&key) == wanted.get(&key);
        if !keep {
            virtual_cluster::delete_virtual_cluster(aws, &id, ctx.timeout).await?;
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
        kube.apply(&manifests::namespace(namespace)).await?;
        if !private.namespaces.contains(namespace) {
            private.namespaces.push(namespace.clone());
        }
    }
    for (key, namespace) in wanted {
        if private.virtual_clusters.contains_key(key) {
            continue;
        }
        let token = format!("{}-vc-{key}", ctx.client_token);
        let id = virtual_cluster::create_virtual_cluster(
            aws,
            key,
            ctx.cluster(),
            namespace,
            &ctx.spec.tags,
            &token,
        )
        .await?;
        private.virtual_clusters.insert(key.clone(), id);
        private
            .virtual_cluster_namespaces
            .insert(key.clone(), namespace.clone());
    }
    Ok(())
}

/// The job execution roles as the spec has them, each with the baseline
/// every job needs, the user's policy, and its trust: IRSA through the
/// OIDC provider, or Pod Identity associations for EMR's service accounts.
async fn ensure_execution_roles(
    ctx: &Context<'_>,
    issuer: &str,
    oidc_arn: &str,
    private: &mut PlatformPrivate,
    built: &mut Built,
) -> Result<()> {
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
        &naming::pod_template_prefix(ctx.cluster()),
        &log_group_arns,
    );
    let cluster_arn = naming::cluster_arn(&aws.partition, &aws.region, &account, ctx.cluster());
    let wanted = &ctx.spec.execution_roles;
    for (key, role_name) in private.execution_roles.clone() {
        if !wanted.contains_key(&key) {
            for association in private
                .pod_identity_associations
                .remove(&key)
                .unwrap_or_default()
            {
                pod_identity::delete_pod_identity(aws, ctx.cluster(), &association).await?;
            }
            role::delete_role(aws, &role_name).await?;
            private.execution_roles.remove(&key);
        }
    }
    let mut arns = BTreeMap::new();
    for (key, spec) in wanted {
        let role_name = private
            .execution_roles
            .get(key)
            .cloned()
            .unwrap_or_else(|| naming::execution_role(ctx.cluster(), key, ctx.suffix));
        let trust = match spec.trust {
            Trust::PodIdentity => iam_documents::pod_identity_trust(
                &cluster_arn,
                &spec.namespaces,
                &iam_documents::pod_identity_service_accounts(&account, &role_name),
            ),
            Trust::Irsa => {
                iam_documents::irsa_trust(oidc_arn, issuer, &account, &role_name, &spec.namespaces)
                    .map_err(|why| {
                        Error::config(
                            AttributePath::new("execution_roles")
                                .key(key.clone())
                                .attribute("namespaces"),
                            why,
                        )
                    })?
            }
        };
        let mut role_tags = ctx.spec.tags.clone();
        role_tags.insert(naming::EXECUTION_ROLE_TAG.to_string(), key.clone());
        let mut recorded = None;
        let arn = role::ensure_role(
            aws,
            &RoleSpec {
                name: &role_name,
                path: Some(&naming::iam_path(ctx.cluster())),
                description: "EMR on EKS job execution role of an emreks platform",
                trust: &trust,
                tags: &role_tags,
                owner: ctx.owner,
                managed_policies: &[],
                inline_policies: &[
                    (naming::BASELINE_POLICY, Some(&baseline)),
                    (naming::USER_POLICY, spec.policy.as_ref()),
                ],
            },
            &mut recorded,
        )
        .await;
        if let Some(name) = recorded {
            private.execution_roles.insert(key.clone(), name);
        }
        let arn = arn?;
        let mut associations = Vec::new();
        if spec.trust == Trust::PodIdentity {
            for namespace in &spec.namespaces {
                for service_account in
                    iam_documents::pod_identity_service_accounts(&account, &role_name)
                {
                    associations.push(
                        pod_identity::ensure_pod_identity(
                            aws,
                            ctx.cluster(),
                            namespace,
                            &service_account,
                            &arn,
                            &ctx.spec.tags,
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
                pod_identity::delete_pod_identity(aws, ctx.cluster(), &stale).await?;
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
    built.execution_role_arns = Some(arns);
    Ok(())
}

/// Cluster Autoscaler on `nodes`: its IAM role through EKS Pod
/// Identity, and its Kubernetes objects at the release that matches the
/// cluster's Kubernetes minor version; each piece recorded in `ids`.
async fn install_autoscaler(
    ctx: &Context<'_>,
    kube: &Kube,
    kubernetes_version: (u32, u32),
    nodes: ControllerNodes,
    ids: &mut AutoscalerIds,
) -> Result<()> {
    let aws = ctx.aws;
    let role_name = PlatformRole::Autoscaler.name(ctx.cluster(), ctx.suffix);
    let account = aws.account_id().await?.to_string();
    let trust = iam_documents::pod_identity_trust(
        &naming::cluster_arn(&aws.partition, &aws.region, &account, ctx.cluster()),
        &[DEFAULT_NAMESPACE.to_string()],
        &[DEFAULT_SERVICE_ACCOUNT.to_string()],
    );
    let mut recorded = None;
    let role_arn = role::ensure_role(
        aws,
        &RoleSpec {
            name: &role_name,
            path: Some(&naming::iam_path(ctx.cluster())),
            description: "Cluster Autoscaler of an emreks platform",
            trust: &trust,
            tags: &ctx.spec.tags,
            owner: ctx.owner,
            managed_policies: &[],
            inline_policies: &[
                (
                    naming::BASELINE_POLICY,
                    Some(&iam_documents::cluster_autoscaler_policy(
                        &aws.partition,
                        ctx.cluster(),
                    )),
                ),
                (naming::USER_POLICY, None),
            ],
        },
        &mut recorded,
    )
    .await;
    if recorded.is_some() {
        ids.role_name = recorded;
    }
    let role_arn = role_arn?;
    ids.pod_identity_association = Some(
        pod_identity::ensure_pod_identity(
            aws,
            ctx.cluster(),
            DEFAULT_NAMESPACE,
            DEFAULT_SERVICE_ACCOUNT,
            &role_arn,
            &ctx.spec.tags,
        )
        .await?,
    );
    let image = cluster_autoscaler::image_for(kubernetes_version);
    let manifests = cluster_autoscaler::manifests(
        ctx.cluster(),
        &aws.region,
        &image,
        DEFAULT_NAMESPACE,
        DEFAULT_SERVICE_ACCOUNT,
        nodes,
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

/// Removes a workload's Kubernetes objects, last applied first (when the
/// cluster is reachable), its pod identity association and its role
/// (Cluster Autoscaler's, AWS Load Balancer Controller's), forgetting each
/// once gone.
async fn uninstall_workload(
    aws: &Aws,
    kube: Option<&Kube>,
    cluster: &str,
    ids: &mut AutoscalerIds,
) -> Result<()> {
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
    controllers::remove_pod_role(aws, cluster, true, ids).await
}

/// Removes the layer, most dependent first; what does not depend on each
/// other goes side by side, each piece forgotten once gone, so a failure
/// in one branch leaves the others' progress recorded. `cluster` is `None`
/// when the cluster is gone (then its add-ons, nodegroups and namespaces
/// went with it).
pub async fn teardown(
    aws: &Aws,
    cluster_name: &str,
    cluster: Option<&Cluster>,
    private: &mut PlatformPrivate,
    timeout: Duration,
) -> Result<()> {
    // The Studio, and every virtual cluster with the endpoints still
    // running on it (left by notebook users destroyed at once, or made
    // outside Terraform: EMR keeps the cluster while they run).
    let mut studio_ids = private.studio.take();
    let studio = async {
        match studio_ids.as_mut() {
            Some(ids) => studio::delete(aws, ids).await,
            None => Ok(()),
        }
    };
    let virtual_clusters = side_by_side(
        private.virtual_clusters.clone().into_iter().collect(),
        |(_, id)| async move { delete_virtual_cluster_and_endpoints(aws, &id, timeout).await },
    );
    let (studio, (gone, virtual_clusters)) = tokio::join!(studio, virtual_clusters);
    private.studio = if studio.is_ok() { None } else { studio_ids };
    for (key, _) in gone {
        private.virtual_clusters.remove(&key);
        private.virtual_cluster_namespaces.remove(&key);
    }
    studio?;
    virtual_clusters?;

    // The execution roles, while the cluster's own objects go.
    let associations = private.pod_identity_associations.clone();
    let execution_roles = side_by_side(
        private.execution_roles.clone().into_iter().collect(),
        |(key, role)| {
            let associations = match cluster {
                Some(_) => associations.get(&key).cloned().unwrap_or_default(),
                None => Vec::new(),
            };
            async move {
                for association in associations {
                    pod_identity::delete_pod_identity(aws, cluster_name, &association).await?;
                }
                role::delete_role(aws, &role).await
            }
        },
    );
    let kube = match cluster {
        Some(cluster) => Some(kubernetes::connect(aws, cluster).await?),
        None => None,
    };
    let in_cluster = remove_from_cluster(
        aws,
        cluster_name,
        kube.as_ref(),
        &mut private.autoscaler,
        &mut private.namespaces,
        &mut private.load_balancer_controller,
        timeout,
    );
    let ((gone, execution_roles), in_cluster) = tokio::join!(execution_roles, in_cluster);
    for (key, _) in gone {
        private.pod_identity_associations.remove(&key);
        private.execution_roles.remove(&key);
    }
    execution_roles?;
    in_cluster?;
    remove_nodes_and_addons(
        aws,
        cluster_name,
        cluster.is_some(),
        NodeStack::None,
        private,
        timeout,
    )
    .await?;
    if let Some(arn) = private.oidc_provider_arn.clone() {
        oidc_provider::delete_oidc_provider(aws, &arn).await?;
        private.oidc_provider_arn = None;
    }
    Ok(())
}

/// A virtual cluster, once the endpoints running on it are gone (all at once).
async fn delete_virtual_cluster_and_endpoints(
    aws: &Aws,
    id: &str,
    timeout: Duration,
) -> Result<()> {
    let endpoints = managed_endpoint::list_running_endpoints(aws, id).await?;
    let (_, endpoints) = side_by_side(endpoints, |(endpoint, name)| async move {
        let resource = managed_endpoint::endpoint_resource(&name);
        managed_endpoint::delete_endpoint(aws, id, &endpoint, &resource, timeout).await
    })
    .await;
    endpoints?;
    virtual_cluster::delete_virtual_cluster(aws, id, timeout).await
}

/// The platform's objects in the cluster: Cluster Autoscaler beside the
/// namespaces (all at once), then the load balancer controller: only once
/// the namespaces, and the endpoints' Ingresses in them, are gone, since
/// it deletes the load balancers it made for them. With no cluster (`kube`
/// `None`) the namespaces went with it.
async fn remove_from_cluster(
    aws: &Aws,
    cluster_name: &str,
    kube: Option<&Kube>,
    autoscaler: &mut AutoscalerIds,
    namespaces: &mut Vec<String>,
    load_balancer_controller: &mut AutoscalerIds,
    timeout: Duration,
) -> Result<()> {
    let remove_namespaces = async {
        if let Some(kube) = kube {
            let (gone, result) = side_by_side(namespaces.clone(), |namespace| async move {
                kube.delete_namespace_and_wait(&namespace, timeout).await
            })
            .await;
            namespaces.retain(|namespace| !gone.contains(namespace));
            result?;
        }
        namespaces.clear();
        Ok::<_, Error>(())
    };
    let (autoscaler, namespaces) = tokio::join!(
        uninstall_workload(aws, kube, cluster_name, autoscaler),
        remove_namespaces
    );
    autoscaler?;
    namespaces?;
    uninstall_workload(aws, kube, cluster_name, load_balancer_controller).await
}

/// What the platform ran for managed nodes that `stack` no longer needs:
/// after a switch to Auto Mode, the tooling nodegroup and the EBS CSI
/// driver, and without a Studio also Cluster Autoscaler, AWS Load Balancer
/// Controller and the other add-ons, with their roles. Does nothing when
/// none of it is left.
async fn remove_unneeded_compute(
    aws: &Aws,
    cluster_name: &str,
    kube: Option<&Kube>,
    stack: NodeStack,
    private: &mut PlatformPrivate,
    timeout: Duration,
) -> Result<()> {
    if stack.controller_nodes().is_none() {
        uninstall_workload(aws, kube, cluster_name, &mut private.autoscaler).await?;
        uninstall_workload(
            aws,
            kube,
            cluster_name,
            &mut private.load_balancer_controller,
        )
        .await?;
    }
    remove_nodes_and_addons(aws, cluster_name, true, stack, private, timeout).await
}

/// The add-ons `stack` does not install, the tooling nodegroup and its
/// launch template unless `stack` runs one, and the removed add-ons'
/// roles, forgetting each once gone; `present` is false when the cluster
/// is gone (and the add-ons and nodegroups with it).
async fn remove_nodes_and_addons(
    aws: &Aws,
    cluster_name: &str,
    present: bool,
    stack: NodeStack,
    private: &mut PlatformPrivate,
    timeout: Duration,
) -> Result<()> {
    let kept = stack.addons();
    let unwanted = |name: &String| !kept.contains(&name.as_str());
    if present {
        for name in private.addons.clone().into_iter().filter(unwanted) {
            addon::delete_addon(aws, cluster_name, &name).await?;
            private.addons.retain(|a| *a != name);
        }
    }
    private.addons.retain(|name| !unwanted(name));
    if !stack.tooling_nodegroup() {
        if let Some(group) = private.tooling_nodegroup.clone().filter(|_| present) {
            nodegroup::delete_nodegroup(aws, cluster_name, &group).await?;
            nodegroup::wait_nodegroup_deleted(aws, cluster_name, &group, timeout).await?;
        }
        private.tooling_nodegroup = None;
        if let Some(id) = private.tooling_launch_template.clone() {
            launch_template::delete_launch_template(aws, &id).await?;
            private.tooling_launch_template = None;
        }
    }
    controllers::remove_addon_identities(
        aws,
        cluster_name,
        present,
        &mut private.addon_identities,
        kept,
    )
    .await
}
