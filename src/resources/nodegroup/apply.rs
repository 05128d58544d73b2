//! `emreks_nodegroup`'s create, update and destroy: the launch template,
//! the nodegroup, and the tags Cluster Autoscaler reads on its Auto Scaling
//! groups. What each step learns comes back in [`Built`] for `flatten`.

use std::collections::BTreeMap;

use aws_sdk_eks::types::{
    Nodegroup, Taint as EksTaint, TaintEffect, UpdateLabelsPayload, UpdateTaintsPayload,
};

use super::schema::{NodegroupSpec, Recorded};
use crate::aws::autoscaling::group_tags;
use crate::aws::ec2::launch_template::{self, TemplateRequest};
use crate::aws::eks::nodegroup::{self as eks_nodegroup, NodegroupRequest, NodegroupUpdate};
use crate::aws::eks::tags;
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::compute::{self, Compute};
use crate::platform::naming;
use crate::platform::node_roles::Taint;
use crate::platform::nodegroup;
use crate::plugin::AttributePath;
use crate::resources::platform::lookup;

/// What an apply learned; `None` leaves the state as it is.
#[derive(Debug, Default)]
pub struct Built {
    pub subnet_id: Option<String>,
    pub launch_template_id: Option<String>,
    pub group: Option<Nodegroup>,
}

/// The nodegroup's tags as the user sees them: defaults, the user's, the platform's.
fn user_tags_all(
    default_tags: &BTreeMap<String, String>,
    tags: &BTreeMap<String, String>,
    platform_id: &str,
) -> BTreeMap<String, String> {
    naming::object_tags(default_tags, tags, platform_id)
}

/// All tags of the nodegroup with the user's `tags`: those, and the
/// settings import reads back.
fn all_tags(
    default_tags: &BTreeMap<String, String>,
    spec: &NodegroupSpec,
    tags: &BTreeMap<String, String>,
    template: Option<&str>,
) -> BTreeMap<String, String> {
    let mut all = user_tags_all(default_tags, tags, &spec.platform_id);
    all.insert(naming::NODEGROUP_ROLE_TAG.into(), spec.role.clone());
    all.insert(
        naming::NODEGROUP_NVME_TAG.into(),
        spec.local_nvme.to_string(),
    );
    all.insert(
        naming::NODEGROUP_DISK_TAG.into(),
        spec.disk_size.to_string(),
    );
    if let Some(template) = template {
        all.insert(naming::NODEGROUP_TEMPLATE_TAG.into(), template.into());
    }
    all
}

fn eks_taints(taints: &[Taint]) -> Vec<EksTaint> {
    taints
        .iter()
        .map(|t| {
            EksTaint::builder()
                .key(&t.key)
                .value(&t.value)
                .effect(TaintEffect::from(t.eks_effect()))
                .build()
        })
        .collect()
}

/// Makes the launch template and the nodegroup, waits for it, and tags its
/// Auto Scaling groups for Cluster Autoscaler.
pub async fn create(aws: &Aws, spec: &NodegroupSpec, built: &mut Built) -> Result<()> {
    let (platform_id, name, zone) = (&spec.platform_id, &spec.name, &spec.availability_zone);
    let platform = lookup::platform(aws, platform_id).await?;
    if platform.compute == Compute::AutoMode {
        let studio = lookup::saved_arguments(aws, &platform, platform_id)
            .await?
            .map(|saved| saved.studio.is_value());
        compute::nodegroup_on_auto_mode(&spec.role, studio)
            .map_err(|why| Error::config(AttributePath::new("role"), why))?;
    }
    let subnet = platform.subnets_by_zone.get(zone).cloned().ok_or_else(|| {
        Error::config(
            AttributePath::new("availability_zone"),
            format!("the platform has no subnet in {zone}"),
        )
    })?;
    built.subnet_id = Some(subnet.clone());
    let template_name = naming::launch_template(platform_id, name, &platform.suffix);
    let bottlerocket = nodegroup::is_bottlerocket(&spec.ami_type);
    let id = launch_template::ensure_launch_template(
        aws,
        &TemplateRequest {
            name: &template_name,
            root_device: nodegroup::root_device(&spec.ami_type),
            disk_size: spec.disk_size,
            user_data: (!bottlerocket).then(|| nodegroup::user_data(spec.local_nvme)),
            tags: &user_tags_all(&aws.default_tags, &spec.tags, platform_id),
        },
    )
    .await?;
    built.launch_template_id = Some(id.clone());

    let created = eks_nodegroup::create_nodegroup(
        aws,
        &NodegroupRequest {
            cluster: platform_id,
            name,
            node_role_arn: &platform.node_role_arn,
            subnet_ids: vec![subnet],
            instance_types: spec.instance_types.clone(),
            ami_type: &spec.ami_type,
            capacity_type: &spec.capacity_type,
            scaling: spec.scaling,
            max_unavailable: spec.max_unavailable,
            launch_template: Some(&id),
            labels: spec.labels.clone(),
            taints: Some(eks_taints(&spec.taints)),
            tags: &platform
                .owner
                .tag(&all_tags(&aws.default_tags, spec, &spec.tags, Some(&id))),
            client_token: &format!("{platform_id}-{name}-{id}"),
        },
    )
    .await;
    match created {
        // Ours only with the platform's marker: then a run cut short made it.
        Err(err) if err.is_already_exists() => {
            let existing = eks_nodegroup::find_nodegroup(aws, platform_id, name).await?;
            let tag = |key: &str| {
                existing
                    .as_ref()
                    .and_then(|g| g.tags())
                    .and_then(|t| t.get(key))
                    .cloned()
            };
            let ours = existing
                .as_ref()
                .and_then(|g| g.tags())
                .is_some_and(|tags| platform.owner.owns_tagged(tags, None));
            if !ours {
                return Err(Error::NotOurs {
                    resource: format!("nodegroup \"{name}\" of EKS cluster \"{platform_id}\""),
                    platform: platform.owner.marker(),
                    owner: tag(naming::OWNER_TAG).or_else(|| tag(naming::PLATFORM_TAG)),
                });
            }
        }
        other => other?,
    }
    let group =
        eks_nodegroup::wait_nodegroup_active(aws, platform_id, name, spec.timeouts.create).await?;
    tag_for_autoscaler(aws, &group, spec).await?;
    built.group = Some(group);
    Ok(())
}

/// Cluster Autoscaler scales a group at zero from the labels and taints
/// its Auto Scaling groups' tags describe.
async fn tag_for_autoscaler(aws: &Aws, group: &Nodegroup, spec: &NodegroupSpec) -> Result<()> {
    group_tags::sync_group_tags(
        aws,
        &eks_nodegroup::asg_names(group),
        &nodegroup::asg_tags(&spec.platform_id, &spec.labels, &spec.taints),
        nodegroup::NODE_TEMPLATE_TAG_PREFIX,
    )
    .await
}

/// Changes sizes, labels, taints and tags in place, from what EKS last
/// reported to the spec.
pub async fn update(
    aws: &Aws,
    prior: &Recorded,
    spec: &NodegroupSpec,
    built: &mut Built,
) -> Result<()> {
    let (platform_id, name) = (&spec.platform_id, &spec.name);
    let mut changes = NodegroupUpdate::default();
    if prior.scaling != spec.scaling {
        changes.scaling = Some(spec.scaling);
    }
    if spec.labels != prior.labels {
        let removed: Vec<String> = prior
            .labels
            .keys()
            .filter(|k| !spec.labels.contains_key(*k))
            .cloned()
            .collect();
        changes.labels = Some(
            UpdateLabelsPayload::builder()
                .set_add_or_update_labels(Some(spec.labels.clone().into_iter().collect()))
                .set_remove_labels((!removed.is_empty()).then_some(removed))
                .build(),
        );
    }
    if spec.taints != prior.taints {
        let removed: Vec<Taint> = prior
            .taints
            .iter()
            .filter(|t| !spec.taints.iter().any(|n| n.key == t.key))
            .cloned()
            .collect();
        changes.taints = Some(
            UpdateTaintsPayload::builder()
                .set_add_or_update_taints(Some(eks_taints(&spec.taints)))
                .set_remove_taints((!removed.is_empty()).then(|| eks_taints(&removed)))
                .build(),
        );
    }
    if prior.max_unavailable != spec.max_unavailable {
        changes.max_unavailable = Some(spec.max_unavailable);
    }
    eks_nodegroup::update_nodegroup(aws, platform_id, name, changes, spec.timeouts.update).await?;
    if prior.tags_all != spec.tags_all {
        if let Some(arn) = &prior.arn {
            let template = prior.launch_template_id.as_deref();
            let old = all_tags(&aws.default_tags, spec, &prior.tags, template);
            let new = all_tags(&aws.default_tags, spec, &spec.tags, template);
            tags::retag(aws, arn, &old, &new).await?;
        }
    }
    let group = eks_nodegroup::find_nodegroup(aws, platform_id, name)
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "eks:DescribeNodegroup",
                format!("nodegroup \"{name}\" of platform \"{platform_id}\""),
                "the nodegroup disappeared during the update",
            )
        })?;
    tag_for_autoscaler(aws, &group, spec).await?;
    built.group = Some(group);
    Ok(())
}

/// Deletes the nodegroup, waits until it is gone, then its launch template.
/// A nodegroup of that name that is not the platform's (its create was
/// refused) is left alone: the returned note says so.
pub async fn destroy(aws: &Aws, prior: &Recorded) -> Result<Option<String>> {
    let (platform_id, name) = (&prior.platform_id, &prior.name);
    let mut note = None;
    if let Some(group) = eks_nodegroup::find_nodegroup(aws, platform_id, name).await? {
        if owned(aws, prior, &group).await? {
            eks_nodegroup::delete_nodegroup(aws, platform_id, name).await?;
            eks_nodegroup::wait_nodegroup_deleted(aws, platform_id, name, prior.timeouts.delete)
                .await?;
        } else {
            note = Some(format!(
                "nodegroup \"{name}\" of EKS cluster \"{platform_id}\" was not made by this resource; it was left untouched."
            ));
        }
    }
    if let Some(template) = &prior.launch_template_id {
        launch_template::delete_launch_template(aws, template).await?;
    }
    Ok(note)
}

/// Whether a running nodegroup is the one this resource made: it carries
/// its platform's marker, or (made before the marker existed) the platform
/// tag and the launch template this resource recorded.
async fn owned(aws: &Aws, prior: &Recorded, group: &Nodegroup) -> Result<bool> {
    let tag = |key: &str| group.tags().and_then(|t| t.get(key)).map(String::as_str);
    Ok(match tag(naming::OWNER_TAG) {
        Some(marker) => {
            marker
                == lookup::platform(aws, &prior.platform_id)
                    .await?
                    .owner
                    .marker()
        }
        None => {
            tag(naming::PLATFORM_TAG) == Some(prior.platform_id.as_str())
                && prior.launch_template_id.is_some()
                && tag(naming::NODEGROUP_TEMPLATE_TAG) == prior.launch_template_id.as_deref()
        }
    })
}
