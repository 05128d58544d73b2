//! Nodegroups' launch templates: IMDSv2 required with a hop limit of 1, an encrypted gp3 root
//! volume, the caller's user data; made, or found again when a nodegroup
//! deleted outside Terraform left its template behind, and deleted.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    LaunchTemplate, LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateInstanceMetadataEndpointState,
    LaunchTemplateInstanceMetadataOptionsRequest, LaunchTemplateTagSpecificationRequest,
    RequestLaunchTemplateData, ResourceType, VolumeType,
};
use base64::Engine;

use crate::aws::tags::{ec2_tag_spec, ec2_tags};
use crate::aws::Aws;
use crate::error::{AwsContext, Error, NotFound, Result};

pub struct TemplateRequest<'a> {
    pub name: &'a str,
    /// The AMI's root device, whose volume the template sizes and encrypts.
    pub root_device: &'a str,
    pub disk_size: i32,
    /// Text the instances boot with; `None` for AMIs that read settings instead.
    pub user_data: Option<String>,
    pub tags: &'a BTreeMap<String, String>,
}

fn template_resource(name: &str) -> String {
    format!("launch template \"{name}\"")
}

/// Creates the template, or takes the one of that name that exists;
/// returns its id.
pub async fn ensure_launch_template(aws: &Aws, request: &TemplateRequest<'_>) -> Result<String> {
    let mut data = RequestLaunchTemplateData::builder()
        .metadata_options(
            LaunchTemplateInstanceMetadataOptionsRequest::builder()
                .http_tokens(LaunchTemplateHttpTokensState::Required)
                // One hop: the node itself reaches the metadata service,
                // pods (a network hop further) never get the node role.
                .http_put_response_hop_limit(1)
                .http_endpoint(LaunchTemplateInstanceMetadataEndpointState::Enabled)
                .build(),
        )
        .block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .device_name(request.root_device)
                .ebs(
                    LaunchTemplateEbsBlockDeviceRequest::builder()
                        .volume_size(request.disk_size)
                        .volume_type(VolumeType::Gp3)
                        .encrypted(true)
                        .delete_on_termination(true)
                        .build(),
                )
                .build(),
        );
    if let Some(user_data) = &request.user_data {
        data = data.user_data(base64::engine::general_purpose::STANDARD.encode(user_data));
    }
    for kind in [ResourceType::Instance, ResourceType::Volume] {
        data = data.tag_specifications(
            LaunchTemplateTagSpecificationRequest::builder()
                .resource_type(kind)
                .set_tags(Some(ec2_tags(request.tags, Some(request.name))))
                .build(),
        );
    }
    let resource = template_resource(request.name);
    let created = aws
        .ec2
        .create_launch_template()
        .launch_template_name(request.name)
        .launch_template_data(data.build())
        .tag_specifications(ec2_tag_spec(
            ResourceType::LaunchTemplate,
            request.tags,
            request.name,
        ))
        .send()
        .await
        .context("ec2:CreateLaunchTemplate", &resource);
    let template = match created {
        Ok(out) => out.launch_template,
        Err(e) if e.has_code("InvalidLaunchTemplateName.AlreadyExistsException") => {
            find_launch_template(aws, request.name).await?
        }
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

/// The template of that name, with its tags; `None` when there is none.
pub async fn find_launch_template(aws: &Aws, name: &str) -> Result<Option<LaunchTemplate>> {
    let templates = aws
        .ec2
        .describe_launch_templates()
        .launch_template_names(name)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeLaunchTemplates", template_resource(name))?;
    Ok(templates.into_iter().next())
}

/// The launch templates whose name matches `pattern` (`*` a wildcard, as
/// EC2 filters take), each page followed: a search bounded to the names
/// asked, never the account's every template.
pub async fn launch_templates_named_like(aws: &Aws, pattern: &str) -> Result<Vec<LaunchTemplate>> {
    aws.ec2
        .describe_launch_templates()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("launch-template-name")
                .values(pattern)
                .build(),
        )
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context(
            "ec2:DescribeLaunchTemplates",
            format!("launch templates named like \"{pattern}\""),
        )
}

/// Deletes the template; one already gone is deleted.
pub async fn delete_launch_template(aws: &Aws, id: &str) -> Result<()> {
    let deleted = aws
        .ec2
        .delete_launch_template()
        .launch_template_id(id)
        .send()
        .await
        .map(drop)
        .context("ec2:DeleteLaunchTemplate", id);
    match deleted {
        Err(e) if e.has_code("InvalidLaunchTemplateId.NotFound") => Ok(()),
        other => other.ignore_not_found(),
    }
}
