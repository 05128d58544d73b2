//! `emreks_nodegroup`: a Spark-tuned EKS managed nodegroup in one
//! availability zone, from a role preset that matches the platform's pod
//! templates, scaling from zero with Cluster Autoscaler.

pub(crate) mod aws_io;
mod expand;
mod state;

use crate::error::AwsContext;
use std::collections::BTreeMap;
use std::time::Duration;

use crate::plugin::cty::Type;
use crate::plugin::resource::Resource;
use crate::plugin::schema::{nested, Attribute, Constraint, Nesting, Schema};
use crate::plugin::Value;
use crate::plugin::{AttributePath, Diagnostics};
use async_trait::async_trait;
use aws_sdk_eks::types::{
    LaunchTemplateSpecification, NodegroupScalingConfig, NodegroupUpdateConfig,
    UpdateLabelsPayload, UpdateTaintsPayload,
};

use crate::aws::{Aws, Error, SharedAws};
use crate::platform::job_profiles::ProfileSettings;
use crate::platform::naming::{self, BucketPurpose};
use crate::platform::nodegroup;
use crate::platform::pod_templates::JobProfile;
use crate::platform::sizing;
use crate::plugin::schema::{
    block, boolean, computed, list_of_strings, map_of_strings, number, optional, optional_computed,
    required, string,
};
use crate::resources::platform::{cluster, desired, nodes, settings};
use crate::resources::values::{known, string_map, strings, to_list, to_map, unknown_as_null};
use crate::timeouts::{self, Operation, Timeouts};
use expand::Taint;
pub use state::NodegroupState;

const CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
const UPDATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Arguments whose change means a new nodegroup.
const FORCES_REPLACEMENT: [&str; 9] = [
    "platform_id",
    "name",
    "role",
    "availability_zone",
    "instance_types",
    "capacity_type",
    "ami_type",
    "disk_size",
    "local_nvme",
];

pub struct NodegroupResource {
    aws: SharedAws,
}

impl NodegroupResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

/// Taints as nested attributes: `value` may be left out.
fn taints_attribute(constraint: Constraint, doc: &str) -> Attribute {
    let member = |required: bool, doc: &str| match (constraint, required) {
        (Constraint::Computed, _) => computed(string(), doc),
        (_, true) => crate::plugin::schema::required(string(), doc),
        (_, false) => optional(string(), doc),
    };
    nested(
        Nesting::List,
        constraint,
        doc,
        [
            ("key", member(true, "Taint key.")),
            ("value", member(false, "Taint value (may be left out).")),
            (
                "effect",
                member(
                    true,
                    "`NoSchedule`, `PreferNoSchedule` or `NoExecute` (EKS spelling `NO_SCHEDULE`, ... also accepted).",
                ),
            ),
        ],
    )
}

fn timeouts_of(state: &NodegroupState) -> Timeouts {
    state.timeouts.as_ref_option().cloned().unwrap_or_default()
}

fn group_resource(cluster: &str, name: &str) -> String {
    format!("nodegroup \"{name}\" of platform \"{cluster}\"")
}

/// Tags of the nodegroup: defaults, the user's, the platform's, and the
/// settings import reads back.
fn all_tags(aws: &Aws, state: &NodegroupState, template: Option<&str>) -> BTreeMap<String, String> {
    let platform = known(&state.platform_id).unwrap_or_default();
    let mut all = naming::object_tags(&aws.default_tags, &string_map(&state.tags), platform);
    all.insert(
        naming::NODEGROUP_ROLE_TAG.into(),
        known(&state.role).unwrap_or_default().into(),
    );
    all.insert(
        naming::NODEGROUP_NVME_TAG.into(),
        state
            .local_nvme
            .as_ref_option()
            .copied()
            .unwrap_or(false)
            .to_string(),
    );
    all.insert(
        naming::NODEGROUP_DISK_TAG.into(),
        state
            .disk_size
            .as_ref_option()
            .copied()
            .unwrap_or(nodegroup::DEFAULT_DISK_SIZE)
            .to_string(),
    );
    if let Some(template) = template {
        all.insert(naming::NODEGROUP_TEMPLATE_TAG.into(), template.into());
    }
    all
}

fn user_tags_all(aws: &Aws, state: &NodegroupState) -> BTreeMap<String, String> {
    naming::object_tags(
        &aws.default_tags,
        &string_map(&state.tags),
        known(&state.platform_id).unwrap_or_default(),
    )
}

/// What plan-time checks read from AWS, fetched once per plan.
struct PlanFacts {
    platform: aws_io::Platform,
    instance_types: Vec<aws_sdk_ec2::types::InstanceTypeInfo>,
}

/// `None` while the platform is unknown or does not exist yet (a platform
/// made in the same apply): its nodegroups are then checked at create.
async fn plan_facts(aws: &Aws, planned: &NodegroupState) -> Option<PlanFacts> {
    let platform = aws_io::platform(aws, known(&planned.platform_id)?)
        .await
        .ok()?;
    let instance_types = if crate::resources::values::list_is_unknown(&planned.instance_types) {
        Vec::new()
    } else {
        aws_io::instance_types(aws, &strings(&planned.instance_types))
            .await
            .unwrap_or_default()
    };
    Some(PlanFacts {
        platform,
        instance_types,
    })
}

/// Plan-time checks against AWS: the zone, the instance types, the
/// architecture. Skipped while values are unknown.
async fn check_with_aws(
    aws: &Aws,
    diags: &mut Diagnostics,
    planned: &NodegroupState,
    facts: &PlanFacts,
) {
    let Some(zone) = known(&planned.availability_zone) else {
        return;
    };
    let platform = &facts.platform;
    if !platform.subnets_by_zone.contains_key(zone) {
        diags.error(
            "Availability zone not in the platform",
            format!(
                "The platform has no private subnet in \"{zone}\"; choose one of: {}.",
                platform
                    .subnets_by_zone
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            AttributePath::new("availability_zone"),
        );
        return;
    }
    if crate::resources::values::list_is_unknown(&planned.instance_types) {
        return;
    }
    let wanted = strings(&planned.instance_types);
    match aws_io::offered(aws, zone, &wanted).await {
        Ok(offered) => {
            for (index, name) in wanted.iter().enumerate() {
                if !offered.contains(name) {
                    diags.error(
                        "Instance type not offered",
                        format!("\"{name}\" is not offered in {zone}."),
                        AttributePath::new("instance_types").index(index as i64),
                    );
                }
            }
        }
        Err(err) => diags.root_warning("Could not check instance_types", err.to_string()),
    }
    if let Some(ami) = known(&planned.ami_type) {
        let arch = nodegroup::ami_arch(ami);
        for info in &facts.instance_types {
            let archs: Vec<&str> = info
                .processor_info()
                .map(|p| {
                    p.supported_architectures()
                        .iter()
                        .map(|a| a.as_str())
                        .collect()
                })
                .unwrap_or_default();
            if !archs.contains(&arch) {
                let name = info.instance_type().map(|t| t.as_str()).unwrap_or_default();
                let index = wanted.iter().position(|w| w == name).unwrap_or(0);
                diags.error(
                    "Instance type does not match the AMI",
                    format!("\"{name}\" is {} but ami_type \"{ami}\" is {arch}; pick instance types and an AMI type of one architecture.", archs.join("/")),
                    AttributePath::new("instance_types").index(index as i64),
                );
            }
        }
    }
}

/// The platform's settings of a profile: its `job_profile` block, else the reference's.
async fn profile_settings(
    aws: &Aws,
    platform: &aws_io::Platform,
    platform_id: &str,
    profile: JobProfile,
) -> ProfileSettings {
    let bucket = naming::bucket(BucketPurpose::Assets, platform_id, &platform.suffix);
    let saved = settings::load(aws, &bucket, platform_id)
        .await
        .ok()
        .flatten();
    saved
        .as_ref()
        .and_then(|state| state.job_profiles.as_ref_option())
        .and_then(|profiles| profiles.get(profile.key()))
        .and_then(|p| p.as_ref_option())
        .map(|p| desired::profile_settings(p, profile))
        .unwrap_or_else(|| ProfileSettings::defaults(profile))
}

/// Pods per node and utilization of each instance type for the role's Spark
/// pod, with a warning per instance type that cannot hold it or wastes more
/// than a quarter of a node. `None` when it cannot be told yet.
async fn sizing(
    aws: &Aws,
    planned: &NodegroupState,
    facts: &PlanFacts,
    diags: &mut Diagnostics,
) -> Option<(BTreeMap<String, i64>, BTreeMap<String, f64>)> {
    let role = known(&planned.role)?;
    let platform_id = known(&planned.platform_id)?;
    if crate::resources::values::list_is_unknown(&planned.instance_types) {
        return None;
    }
    let Some((profile, spark_role)) = nodegroup::sized_pod(role) else {
        return Some((BTreeMap::new(), BTreeMap::new()));
    };
    let settings = profile_settings(aws, &facts.platform, platform_id, profile).await;
    let request = sizing::request(&settings, spark_role).ok()?;
    let what = sizing::describe(profile, spark_role, &settings);
    let wanted = strings(&planned.instance_types);
    let (mut pods, mut used) = (BTreeMap::new(), BTreeMap::new());
    for info in &facts.instance_types {
        let name = info
            .instance_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        let network = info.network_info();
        let vcpus = info
            .v_cpu_info()
            .and_then(|v| v.default_v_cpus())
            .unwrap_or(0) as u32;
        let shape = sizing::InstanceShape {
            instance_type: name.clone(),
            vcpus,
            memory_mib: info
                .memory_info()
                .and_then(|m| m.size_in_mib())
                .unwrap_or(0) as u64,
            max_pods: sizing::managed_max_pods(
                vcpus,
                network
                    .and_then(|n| n.maximum_network_interfaces())
                    .unwrap_or(1) as u32,
                network
                    .and_then(|n| n.ipv4_addresses_per_interface())
                    .unwrap_or(2) as u32,
            ),
        };
        let fit = sizing::fit(&shape, &request);
        pods.insert(name.clone(), i64::from(fit.pods_per_node));
        used.insert(name.clone(), (fit.utilization * 100.0).round() / 100.0);
        if let Some(warning) = sizing::check(&shape, &request, &what) {
            let index = wanted.iter().position(|w| *w == name).unwrap_or(0);
            diags.push(crate::plugin::Diagnostic::warning_at(
                format!("{name} does not suit the {} pods", profile.key()),
                warning,
                AttributePath::new("instance_types").index(index as i64),
            ));
        }
    }
    Some((pods, used))
}

fn set_sizing(
    state: &mut NodegroupState,
    sized: Option<(BTreeMap<String, i64>, BTreeMap<String, f64>)>,
) {
    match sized {
        Some((pods, used)) => {
            state.pods_per_node = Value::Value(
                pods.into_iter()
                    .map(|(k, v)| (k, Value::Value(v)))
                    .collect(),
            );
            state.allocatable_utilization = Value::Value(
                used.into_iter()
                    .map(|(k, v)| {
                        (
                            k,
                            Value::Value(crate::resources::values::Decimal::from_f64(v)),
                        )
                    })
                    .collect(),
            );
        }
        None => {
            state.pods_per_node = Value::Unknown;
            state.allocatable_utilization = Value::Unknown;
        }
    }
}

async fn create_nodegroup(
    aws: &Aws,
    state: &mut NodegroupState,
    template_id: &mut Option<String>,
) -> Result<(), Error> {
    let platform_id = known(&state.platform_id).unwrap_or_default().to_string();
    let name = known(&state.name).unwrap_or_default().to_string();
    let zone = known(&state.availability_zone)
        .unwrap_or_default()
        .to_string();
    let timeout = timeouts_of(state).get(Operation::Create, CREATE_TIMEOUT);
    let platform = aws_io::platform(aws, &platform_id).await?;
    let subnet = platform
        .subnets_by_zone
        .get(&zone)
        .cloned()
        .ok_or_else(|| {
            Error::config(
                AttributePath::new("availability_zone"),
                format!("the platform has no subnet in {zone}"),
            )
        })?;
    state.subnet_id = Value::Value(subnet.clone());
    let ami = known(&state.ami_type).unwrap_or_default().to_string();
    let template_name = naming::launch_template(&platform_id, &name, &platform.suffix);
    let tags_for_template = user_tags_all(aws, state);
    let id = aws_io::create_launch_template(
        aws,
        &aws_io::TemplateSpec {
            name: &template_name,
            disk_size: state
                .disk_size
                .as_ref_option()
                .copied()
                .unwrap_or(nodegroup::DEFAULT_DISK_SIZE) as i32,
            ami_type: &ami,
            local_nvme: state.local_nvme.as_ref_option().copied().unwrap_or(false),
            tags: &tags_for_template,
        },
    )
    .await?;
    *template_id = Some(id.clone());
    state.launch_template_id = Value::Value(id.clone());

    let labels = expand::resolved_labels(state);
    let taints = expand::resolved_taints(state);
    let size = |v: &Value<i64>| v.as_ref_option().map(|n| *n as i32);
    let resource = group_resource(&platform_id, &name);
    let created = aws
        .eks
        .create_nodegroup()
        .cluster_name(&platform_id)
        .nodegroup_name(&name)
        .node_role(&platform.node_role_arn)
        .subnets(&subnet)
        .set_instance_types(Some(strings(&state.instance_types)))
        .capacity_type(known(&state.capacity_type).unwrap_or("ON_DEMAND").into())
        .ami_type(ami.as_str().into())
        .scaling_config(
            NodegroupScalingConfig::builder()
                .set_min_size(size(&state.min_size))
                .set_max_size(size(&state.max_size))
                .set_desired_size(size(&state.desired_size))
                .build(),
        )
        .update_config(
            NodegroupUpdateConfig::builder()
                .set_max_unavailable(size(&state.max_unavailable))
                .build(),
        )
        .launch_template(
            LaunchTemplateSpecification::builder()
                .id(&id)
                .version("$Latest")
                .build(),
        )
        .set_labels(Some(labels.clone().into_iter().collect()))
        .set_taints(Some(aws_io::eks_taints(&taints)))
        .set_tags(Some(all_tags(aws, state, Some(&id)).into_iter().collect()))
        .client_request_token(format!("{platform_id}-{name}-{id}"))
        .send()
        .await
        .context("eks:CreateNodegroup", &resource);
    match created {
        Err(e) if e.is_already_exists() => {}
        other => {
            other?;
        }
    }
    let group = nodes::wait_active(aws, &platform_id, &name, timeout).await?;
    let asgs = aws_io::asg_names(&group);
    aws_io::sync_asg_tags(
        aws,
        &asgs,
        &nodegroup::asg_tags(&platform_id, &labels, &taints),
    )
    .await?;
    flatten(state, &group);
    Ok(())
}

/// Copies what EKS reports into the state.
fn flatten(state: &mut NodegroupState, group: &aws_sdk_eks::types::Nodegroup) {
    let platform = group.cluster_name().unwrap_or_default();
    let name = group.nodegroup_name().unwrap_or_default();
    state.id = Value::Value(naming::nodegroup_id(platform, name));
    state.platform_id = Value::Value(platform.to_string());
    state.name = Value::Value(name.to_string());
    state.arn = group.nodegroup_arn().map(str::to_string).into();
    state.status = group.status().map(|s| s.as_str().to_string()).into();
    state.autoscaling_group_names = to_list(aws_io::asg_names(group));
    state.instance_types = to_list(group.instance_types().iter().cloned());
    state.capacity_type = group.capacity_type().map(|c| c.as_str().to_string()).into();
    state.ami_type = group.ami_type().map(|a| a.as_str().to_string()).into();
    if let Some(subnet) = group.subnets().first() {
        state.subnet_id = Value::Value(subnet.clone());
    }
    if let Some(scaling) = group.scaling_config() {
        state.min_size = scaling.min_size().map(i64::from).into();
        state.max_size = scaling.max_size().map(i64::from).into();
        state.desired_size = scaling.desired_size().map(i64::from).into();
    }
    if let Some(max) = group.update_config().and_then(|u| u.max_unavailable()) {
        state.max_unavailable = Value::Value(max.into());
    }
    let labels: BTreeMap<String, String> = group
        .labels()
        .map(|l| l.clone().into_iter().collect())
        .unwrap_or_default();
    state.resolved_labels = to_map(&labels);
    state.resolved_taints = expand::taints_value(&aws_io::taints_of(group));
    if let Some(template) = group.launch_template().and_then(|t| t.id()) {
        state.launch_template_id = Value::Value(template.to_string());
    }
}

async fn update_nodegroup(
    aws: &Aws,
    prior: &NodegroupState,
    state: &mut NodegroupState,
) -> Result<(), Error> {
    let platform_id = known(&state.platform_id).unwrap_or_default().to_string();
    let name = known(&state.name).unwrap_or_default().to_string();
    let resource = group_resource(&platform_id, &name);
    let timeout = timeouts_of(state).get(Operation::Update, UPDATE_TIMEOUT);
    let labels = expand::resolved_labels(state);
    let old_labels = string_map(&prior.resolved_labels);
    let taints = expand::resolved_taints(state);
    let old_taints = expand::taints_from(&prior.resolved_taints);
    let size = |v: &Value<i64>| v.as_ref_option().map(|n| *n as i32);
    let mut request = aws
        .eks
        .update_nodegroup_config()
        .cluster_name(&platform_id)
        .nodegroup_name(&name);
    let mut changed = false;
    if (prior.min_size, prior.max_size, prior.desired_size)
        != (state.min_size, state.max_size, state.desired_size)
    {
        request = request.scaling_config(
            NodegroupScalingConfig::builder()
                .set_min_size(size(&state.min_size))
                .set_max_size(size(&state.max_size))
                .set_desired_size(size(&state.desired_size))
                .build(),
        );
        changed = true;
    }
    if labels != old_labels {
        let removed: Vec<String> = old_labels
            .keys()
            .filter(|k| !labels.contains_key(*k))
            .cloned()
            .collect();
        request = request.labels(
            UpdateLabelsPayload::builder()
                .set_add_or_update_labels(Some(labels.clone().into_iter().collect()))
                .set_remove_labels((!removed.is_empty()).then_some(removed))
                .build(),
        );
        changed = true;
    }
    if taints != old_taints {
        let removed: Vec<Taint> = old_taints
            .iter()
            .filter(|t| !taints.iter().any(|n| n.key == t.key))
            .cloned()
            .collect();
        request = request.taints(
            UpdateTaintsPayload::builder()
                .set_add_or_update_taints(Some(aws_io::eks_taints(&taints)))
                .set_remove_taints((!removed.is_empty()).then(|| aws_io::eks_taints(&removed)))
                .build(),
        );
        changed = true;
    }
    if prior.max_unavailable != state.max_unavailable {
        request = request.update_config(
            NodegroupUpdateConfig::builder()
                .set_max_unavailable(size(&state.max_unavailable))
                .build(),
        );
        changed = true;
    }
    if changed {
        let out = request
            .send()
            .await
            .context("eks:UpdateNodegroupConfig", &resource)?;
        if let Some(id) = out.update().and_then(|u| u.id()) {
            cluster::wait_update(aws, &platform_id, Some(&name), id, timeout).await?;
        }
    }
    if prior.tags_all != state.tags_all {
        if let Some(arn) = known(&prior.arn) {
            let template = known(&prior.launch_template_id);
            let old = all_tags(aws, prior, template);
            let new = all_tags(aws, state, template);
            cluster::retag_cluster(aws, arn, &old, &new).await?;
        }
    }
    let group = nodes::describe(aws, &platform_id, &name)
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "eks:DescribeNodegroup",
                &resource,
                "the nodegroup disappeared during the update",
            )
        })?;
    aws_io::sync_asg_tags(
        aws,
        &aws_io::asg_names(&group),
        &nodegroup::asg_tags(&platform_id, &labels, &taints),
    )
    .await?;
    flatten(state, &group);
    Ok(())
}

async fn destroy_nodegroup(aws: &Aws, state: &NodegroupState) -> Result<(), Error> {
    let platform_id = known(&state.platform_id).unwrap_or_default();
    let name = known(&state.name).unwrap_or_default();
    let timeout = timeouts_of(state).get(Operation::Delete, DELETE_TIMEOUT);
    nodes::delete(aws, platform_id, name, timeout).await?;
    if let Some(template) = known(&state.launch_template_id) {
        aws_io::delete_launch_template(aws, template).await?;
    }
    Ok(())
}

/// An existing nodegroup's arguments, from EKS and the tags the provider set.
async fn import_nodegroup(aws: &Aws, id: &str) -> Result<NodegroupState, Error> {
    let (platform_id, name) = naming::parse_nodegroup_id(id).ok_or_else(|| {
        Error::import_refused(
            format!("\"{id}\""),
            "the id is <platform id>:<nodegroup name>, e.g. analytics:critical-a",
        )
    })?;
    let group = nodes::describe(aws, platform_id, name)
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "eks:DescribeNodegroup",
                group_resource(platform_id, name),
                "no such nodegroup",
            )
        })?;
    let mut state = NodegroupState::default();
    flatten(&mut state, &group);
    let all: BTreeMap<String, String> = group
        .tags()
        .map(|t| t.clone().into_iter().collect())
        .unwrap_or_default();
    let role = all
        .get(naming::NODEGROUP_ROLE_TAG)
        .cloned()
        .unwrap_or_else(|| nodegroup::CUSTOM.to_string());
    state.role = Value::Value(role.clone());
    state.local_nvme = Value::Value(
        all.get(naming::NODEGROUP_NVME_TAG)
            .is_some_and(|v| v == "true"),
    );
    state.disk_size = Value::Value(
        all.get(naming::NODEGROUP_DISK_TAG)
            .and_then(|v| v.parse().ok())
            .unwrap_or(nodegroup::DEFAULT_DISK_SIZE),
    );
    let preset = nodegroup::preset(&role);
    let extra_labels = nodegroup::extra_labels(preset, &string_map(&state.resolved_labels));
    state.labels = if extra_labels.is_empty() {
        Value::Null
    } else {
        to_map(&extra_labels)
    };
    let extra_taints = nodegroup::extra_taints(preset, &aws_io::taints_of(&group));
    state.taints = if extra_taints.is_empty() {
        Value::Null
    } else {
        expand::taints_value(&extra_taints)
    };
    if let Some(subnet) = group.subnets().first() {
        let (_, zones) = crate::resources::platform::network::describe_subnets_any(
            aws,
            std::slice::from_ref(subnet),
        )
        .await?;
        state.availability_zone = zones.into_keys().next().into();
    }
    let ours = |k: &String| naming::is_provider_tag(k) || aws.default_tags.contains_key(k);
    let user: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, _)| !ours(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    state.tags = if user.is_empty() {
        Value::Null
    } else {
        to_map(&user)
    };
    state.tags_all = to_map(&user_tags_all(aws, &state));
    Ok(state)
}

/// A state fit to save after a failed step: nothing may stay unknown.
fn settle(state: &mut NodegroupState) {
    for value in [
        &mut state.id,
        &mut state.arn,
        &mut state.status,
        &mut state.subnet_id,
        &mut state.launch_template_id,
    ] {
        unknown_as_null(value);
    }
    unknown_as_null(&mut state.autoscaling_group_names);
    unknown_as_null(&mut state.resolved_labels);
    unknown_as_null(&mut state.resolved_taints);
    unknown_as_null(&mut state.pods_per_node);
    unknown_as_null(&mut state.allocatable_utilization);
    unknown_as_null(&mut state.tags_all);
}

#[async_trait]
impl Resource for NodegroupResource {
    type State = NodegroupState;
    type Private = Option<crate::plugin::value::StructEmpty>;

    fn schema(&self) -> Schema {
        Schema {
            version: 1,
            block: block(
                "A Spark-tuned EKS managed nodegroup in one availability zone (cheaper shuffle), from a role preset whose labels and taints match the platform's pod templates. It scales from zero: its Auto Scaling group carries the tags Cluster Autoscaler needs.",
                [
                    ("id", computed(string(), "`<platform_id>:<name>`.")),
                    ("platform_id", required(string(), "The `id` of the `emreks_platform` (its cluster name).")),
                    ("name", required(string(), "Nodegroup name, unique in the platform, e.g. `critical-a`.")),
                    ("role", required(string(), "Role preset: `critical` (on-demand, NVMe local dirs), `non_critical_driver`, `non_critical_executor` (spot), `notebook_driver`, `notebook_executor` (spot), or `custom` (no preset: give `instance_types`).")),
                    ("availability_zone", required(string(), "The one availability zone of the nodegroup; the platform must have a subnet there.")),
                    ("instance_types", optional_computed(list_of_strings(), "Instance types (default: the role's, e.g. `m6gd.8xlarge` for critical).")),
                    ("capacity_type", optional_computed(string(), "`ON_DEMAND` or `SPOT` (default: the role's).")),
                    ("ami_type", optional_computed(string(), "`AL2023_x86_64_STANDARD`, `AL2023_ARM_64_STANDARD`, `BOTTLEROCKET_x86_64` or `BOTTLEROCKET_ARM_64` (default: AL2023 of the role's architecture).")),
                    ("min_size", optional_computed(number(), "Minimum nodes (default: the role's, 0 for job roles).")),
                    ("max_size", optional_computed(number(), "Maximum nodes (default: the role's).")),
                    ("desired_size", optional_computed(number(), "Desired nodes (default: the role's, 0).")),
                    ("disk_size", optional_computed(number(), "Root volume size in GiB, encrypted gp3 (default 50).")),
                    ("local_nvme", optional_computed(boolean(), "Assemble the instance-store NVMe disks as RAID0 for Spark's local dirs (default: true for critical).")),
                    ("labels", optional(map_of_strings(), "Kubernetes labels added to (or overriding) the role's.")),
                    ("taints", taints_attribute(Constraint::Optional, "Kubernetes taints added to (or replacing, by key) the role's: `[{ key, value, effect = \"NoSchedule\" | \"PreferNoSchedule\" | \"NoExecute\" }]`.")),
                    ("max_unavailable", optional_computed(number(), "Nodes replaced at once during updates (default 1).")),
                    ("tags", optional(map_of_strings(), "Tags of the nodegroup, on top of the provider's `default_tags`.")),
                    ("tags_all", computed(map_of_strings(), "All tags of the nodegroup.")),
                    ("arn", computed(string(), "ARN of the nodegroup.")),
                    ("status", computed(string(), "EKS status of the nodegroup.")),
                    ("autoscaling_group_names", computed(list_of_strings(), "Auto Scaling groups of the nodegroup (tagged for Cluster Autoscaler).")),
                    ("subnet_id", computed(string(), "The platform's private subnet in the availability zone.")),
                    ("launch_template_id", computed(string(), "Launch template of the nodes (IMDSv2 required, encrypted root volume).")),
                    ("resolved_labels", computed(map_of_strings(), "All Kubernetes labels of the nodes.")),
                    ("resolved_taints", taints_attribute(Constraint::Computed, "All Kubernetes taints of the nodes (EKS spelling of the effect).")),
                    ("pods_per_node", computed(Type::Map(Box::new(Type::Number)), "For each instance type, how many of the role's Spark pods (from the platform's job profile) fit on one node.")),
                    ("allocatable_utilization", computed(Type::Map(Box::new(Type::Number)), "For each instance type, the share of a node's allocatable CPU or memory (the scarcer) those pods use.")),
                ],
                [("timeouts", timeouts::schema("30m", "30m", "30m"))],
            ),
        }
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Self::State) {
        expand::validate(diags, &config);
        if let Value::Value(t) = &config.timeouts {
            t.validate(diags);
        }
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        mut state: Self::State,
        private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = self.aws.get(diags)?;
        let (platform_id, name) = (
            known(&state.platform_id).unwrap_or_default().to_string(),
            known(&state.name).unwrap_or_default().to_string(),
        );
        match nodes::describe(&aws, &platform_id, &name).await {
            Ok(Some(group)) => {
                flatten(&mut state, &group);
                Some((state, private_state))
            }
            Ok(None) => None,
            Err(err) => {
                err.report(diags, "Cannot read the nodegroup");
                Some((state, private_state))
            }
        }
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State,
        _config_state: Self::State,
    ) -> Option<(Self::State, Self::Private)> {
        let mut planned = proposed_state;
        expand::fill_defaults(&mut planned);
        if let (Some(platform), Some(name)) = (known(&planned.platform_id), known(&planned.name)) {
            planned.id = Value::Value(naming::nodegroup_id(platform, name));
        } else {
            planned.id = Value::Unknown;
        }
        for value in [
            &mut planned.arn,
            &mut planned.status,
            &mut planned.subnet_id,
            &mut planned.launch_template_id,
        ] {
            *value = Value::Unknown;
        }
        planned.autoscaling_group_names = Value::Unknown;
        plan_resolved(&mut planned);
        if let Some(aws) = self.aws.try_get() {
            planned.tags_all = if crate::resources::values::map_is_unknown(&planned.tags)
                || planned.platform_id.is_unknown()
            {
                Value::Unknown
            } else {
                to_map(&user_tags_all(&aws, &planned))
            };
            let sized = match plan_facts(&aws, &planned).await {
                Some(facts) => {
                    check_with_aws(&aws, diags, &planned, &facts).await;
                    sizing(&aws, &planned, &facts, diags).await
                }
                None => None,
            };
            set_sizing(&mut planned, sized);
        } else {
            set_sizing(&mut planned, None);
        }
        expand::validate_sizes(diags, &planned);
        Some((planned, None))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        proposed_state: Self::State,
        _config_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let mut planned = proposed_state;
        expand::fill_defaults(&mut planned);
        plan_resolved(&mut planned);
        if let Some(aws) = self.aws.try_get() {
            planned.tags_all = if crate::resources::values::map_is_unknown(&planned.tags) {
                Value::Unknown
            } else {
                to_map(&user_tags_all(&aws, &planned))
            };
            if let Some(facts) = plan_facts(&aws, &planned).await {
                if planned != prior_state {
                    check_with_aws(&aws, diags, &planned, &facts).await;
                }
                // Sized again each plan: the platform's job profiles may have changed.
                if let Some(sized) = sizing(&aws, &planned, &facts, diags).await {
                    set_sizing(&mut planned, Some(sized));
                }
            }
        }
        expand::validate_sizes(diags, &planned);
        let replace = FORCES_REPLACEMENT
            .iter()
            .map(|n| AttributePath::new(*n))
            .collect();
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
        let mut template = None;
        if state.pods_per_node.is_unknown() {
            // The platform came in the same apply: size against it now.
            let sized = match plan_facts(&aws, &state).await {
                Some(facts) => sizing(&aws, &state, &facts, diags).await,
                None => None,
            };
            set_sizing(&mut state, Some(sized.unwrap_or_default()));
        }
        if let Err(err) = create_nodegroup(&aws, &mut state, &mut template).await {
            err.report(diags, "Cannot create the nodegroup");
        }
        settle(&mut state);
        Some((state, planned_private_state))
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
        if let Err(err) = update_nodegroup(&aws, &prior_state, &mut state).await {
            err.report(diags, "Cannot update the nodegroup");
        }
        settle(&mut state);
        Some((state, planned_private_state))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        _planned_private_state: Self::Private,
    ) -> Option<()> {
        let aws = self.aws.get(diags)?;
        if let Err(err) = destroy_nodegroup(&aws, &prior_state).await {
            err.report(diags, "Cannot destroy the nodegroup");
        }
        Some(())
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = self.aws.get(diags)?;
        match import_nodegroup(&aws, &id).await {
            Ok(mut state) => {
                // Sized as a plan would size it, so the next plan changes nothing.
                let mut scratch = Diagnostics::default();
                let sized = match plan_facts(&aws, &state).await {
                    Some(facts) => sizing(&aws, &state, &facts, &mut scratch).await,
                    None => None,
                };
                set_sizing(&mut state, Some(sized.unwrap_or_default()));
                Some((state, None))
            }
            Err(err) => {
                err.report(diags, "Cannot import the nodegroup");
                None
            }
        }
    }
}

/// Labels and taints the nodes will carry, known at plan time.
fn plan_resolved(planned: &mut NodegroupState) {
    let unknown = planned.role.is_unknown()
        || crate::resources::values::map_is_unknown(&planned.labels)
        || planned.taints.is_unknown();
    if unknown {
        planned.resolved_labels = Value::Unknown;
        planned.resolved_taints = Value::Unknown;
    } else {
        planned.resolved_labels = to_map(&expand::resolved_labels(planned));
        planned.resolved_taints = expand::taints_value(&expand::resolved_taints(planned));
    }
}
