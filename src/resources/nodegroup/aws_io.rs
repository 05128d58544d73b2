//! The AWS calls of `emreks_nodegroup`: what it learns from its platform,
//! the launch template, the nodegroup and its Auto Scaling group's tags.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateInstanceMetadataEndpointState,
    LaunchTemplateInstanceMetadataOptionsRequest, LaunchTemplateTagSpecificationRequest,
    RequestLaunchTemplateData, ResourceType, VolumeType,
};
use aws_sdk_eks::types::{Nodegroup, Taint as EksTaint, TaintEffect};
use base64::Engine;

use super::expand::Taint;
use crate::aws::tags::{ec2_tag_spec, ec2_tags};
use crate::aws::{Aws, Error};
use crate::error::{AwsContext, NotFound};
use crate::platform::naming::PlatformRole;
use crate::platform::nodegroup;
use crate::resources::platform::{cluster, network};

/// What a nodegroup needs from its platform.
pub struct Platform {
    pub subnets_by_zone: BTreeMap<String, String>,
    pub node_role_arn: String,
    pub suffix: String,
}

pub async fn platform(aws: &Aws, platform_id: &str) -> Result<Platform, Error> {
    let resource = format!("platform \"{platform_id}\"");
    let described = cluster::describe_cluster(aws, platform_id)
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "eks:DescribeCluster",
                &resource,
                "no such platform: platform_id must be the id of an emreks_platform",
            )
        })?;
    let subnets: Vec<String> = described
        .resources_vpc_config()
        .map(|v| v.subnet_ids().to_vec())
        .unwrap_or_default();
    let (_, subnets_by_zone) = network::describe_subnets(aws, &subnets).await?;
    let node_role = cluster::platform_roles(aws, platform_id)
        .await?
        .into_iter()
        .find(|r| PlatformRole::Node.parse(r).is_some())
        .ok_or_else(|| {
            Error::aws_message(
                "iam:ListRoles",
                &resource,
                "the platform has no node role; was it made by emreks_platform?",
            )
        })?;
    let node_role_arn = aws
        .iam
        .get_role()
        .role_name(&node_role)
        .send()
        .await
        .context("iam:GetRole", format!("IAM role \"{node_role}\""))?
        .role
        .map(|r| r.arn)
        .unwrap_or_default();
    let suffix = PlatformRole::Node
        .parse(&node_role)
        .map(|parts| parts.suffix.to_string())
        .unwrap_or_default();
    Ok(Platform {
        subnets_by_zone,
        node_role_arn,
        suffix,
    })
}

/// Instance types offered in the zone, out of `wanted`.
pub async fn offered(aws: &Aws, zone: &str, wanted: &[String]) -> Result<Vec<String>, Error> {
    let out = aws
        .ec2
        .describe_instance_type_offerings()
        .location_type(aws_sdk_ec2::types::LocationType::AvailabilityZone)
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("location")
                .values(zone)
                .build(),
        )
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("instance-type")
                .set_values(Some(wanted.to_vec()))
                .build(),
        )
        .send()
        .await
        .context("ec2:DescribeInstanceTypeOfferings", zone)?;
    Ok(out
        .instance_type_offerings()
        .iter()
        .filter_map(|o| o.instance_type().map(|t| t.as_str().to_string()))
        .collect())
}

/// vCPUs, memory, max pods and architectures of each instance type.
pub async fn instance_types(
    aws: &Aws,
    names: &[String],
) -> Result<Vec<aws_sdk_ec2::types::InstanceTypeInfo>, Error> {
    let out = aws
        .ec2
        .describe_instance_types()
        .set_instance_types(Some(names.iter().map(|n| n.as_str().into()).collect()))
        .send()
        .await
        .context("ec2:DescribeInstanceTypes", names.join(","))?;
    Ok(out.instance_types().to_vec())
}

pub struct TemplateSpec<'a> {
    pub name: &'a str,
    pub disk_size: i32,
    pub ami_type: &'a str,
    pub local_nvme: bool,
    pub tags: &'a BTreeMap<String, String>,
}

/// A launch template that requires IMDSv2, encrypts the root volume, and on
/// AL2023 prepares the Spark local dir. Returns its id.
pub async fn create_launch_template(aws: &Aws, spec: &TemplateSpec<'_>) -> Result<String, Error> {
    let bottlerocket = nodegroup::is_bottlerocket(spec.ami_type);
    let root = if bottlerocket {
        "/dev/xvdb"
    } else {
        "/dev/xvda"
    };
    let mut data = RequestLaunchTemplateData::builder()
        .metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .http_tokens(LaunchTemplateHttpTokensState::Required)
                .http_put_response_hop_limit(2)
                .http_endpoint(LaunchTemplateInstanceMetadataEndpointState::Enabled)
                .build(),
        )
        .block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .device_name(root)
                .ebs(
                    LaunchTemplateEbsBlockDeviceRequest::builder()
                        .volume_size(spec.disk_size)
                        .volume_type(VolumeType::Gp3)
                        .encrypted(true)
                        .delete_on_termination(true)
                        .build(),
                )
                .build(),
        );
    if !bottlerocket {
        data = data.user_data(
            base64::engine::general_purpose::STANDARD.encode(nodegroup::user_data(spec.local_nvme)),
        );
    }
    for kind in [ResourceType::Instance, ResourceType::Volume] {
        data = data.tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .resource_type(kind)
                .set_tags(Some(ec2_tags(spec.tags, Some(spec.name))))
                .build(),
        );
    }
    let resource = format!("launch template \"{}\"", spec.name);
    let created = aws
        .ec2
        .create_launch_template()
        .launch_template_name(spec.name)
        .launch_template_data(data.build())
        .tag_specifications(ec2_tag_spec(
            ResourceType::LaunchTemplate,
            spec.tags,
            spec.name,
        ))
        .send()
        .await
        .context("ec2:CreateLaunchTemplate", &resource);
    let template = match created {
        Ok(out) => out.launch_template,
        // Left by a nodegroup deleted outside Terraform: its template is reused.
        Err(e) if e.has_code("InvalidLaunchTemplateName.AlreadyExistsException") => aws
            .ec2
            .describe_launch_templates()
            .launch_template_names(spec.name)
            .send()
            .await
            .context("ec2:DescribeLaunchTemplates", &resource)?
            .launch_templates
            .and_then(|t| t.into_iter().next()),
        Err(e) => return Err(e),
    };
    template.and_then(|t| t.launch_template_id).ok_or_else(|| {
        Error::aws_message(
            "ec2:CreateLaunchTemplate",
            &resource,
            "no id in the response",
        )
    })
}

pub async fn delete_launch_template(aws: &Aws, id: &str) -> Result<(), Error> {
    let deleted = aws
        .ec2
        .delete_launch_template()
        .launch_template_id(id)
        .send()
        .await
        .map(|_| ())
        .context("ec2:DeleteLaunchTemplate", id);
    match deleted {
        Err(e) if e.has_code("InvalidLaunchTemplateId.NotFound") => Ok(()),
        other => other.ignore_not_found(),
    }
}

pub fn eks_taints(taints: &[Taint]) -> Vec<EksTaint> {
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

/// Taints as the nodegroup reports them.
pub fn taints_of(group: &Nodegroup) -> Vec<Taint> {
    let mut taints: Vec<Taint> = group
        .taints()
        .iter()
        .filter_map(|t| {
            Some(Taint {
                key: t.key()?.to_string(),
                value: t.value().unwrap_or_default().to_string(),
                effect: crate::platform::node_roles::TaintEffect::parse(t.effect()?.as_str())?,
            })
        })
        .collect();
    taints.sort();
    taints
}

pub fn asg_names(group: &Nodegroup) -> Vec<String> {
    group
        .resources()
        .map(|r| {
            r.auto_scaling_groups()
                .iter()
                .filter_map(|g| g.name().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Brings the node-template tags of the nodegroup's Auto Scaling groups to
/// `wanted`, removing those of labels and taints that are gone.
pub async fn sync_asg_tags(
    aws: &Aws,
    groups: &[String],
    wanted: &BTreeMap<String, String>,
) -> Result<(), Error> {
    for group in groups {
        let resource = format!("Auto Scaling group \"{group}\"");
        let described = aws
            .autoscaling
            .describe_tags()
            .filters(
                aws_sdk_autoscaling::types::Filter::builder()
                    .name("auto-scaling-group")
                    .values(group)
                    .build(),
            )
            .send()
            .await
            .context("autoscaling:DescribeTags", &resource)?;
        let stale: Vec<String> = described
            .tags()
            .iter()
            .filter_map(|t| t.key())
            .filter(|k| {
                k.starts_with(nodegroup::NODE_TEMPLATE_TAG_PREFIX) && !wanted.contains_key(*k)
            })
            .map(str::to_string)
            .collect();
        let tag = |key: &str, value: Option<&str>| {
            aws_sdk_autoscaling::types::Tag::builder()
                .resource_id(group)
                .resource_type("auto-scaling-group")
                .key(key)
                .set_value(value.map(str::to_string))
                .propagate_at_launch(false)
                .build()
        };
        if !stale.is_empty() {
            aws.autoscaling
                .delete_tags()
                .set_tags(Some(stale.iter().map(|k| tag(k, None)).collect()))
                .send()
                .await
                .context("autoscaling:DeleteTags", &resource)?;
        }
        aws.autoscaling
            .create_or_update_tags()
            .set_tags(Some(wanted.iter().map(|(k, v)| tag(k, Some(v))).collect()))
            .send()
            .await
            .context("autoscaling:CreateOrUpdateTags", &resource)?;
    }
    Ok(())
}
