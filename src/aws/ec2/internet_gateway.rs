//! The VPC's internet gateway: create, attach, find, detach and delete.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, InternetGateway, ResourceType};

use super::created_id;
use crate::aws::tags::ec2_tag_spec;
use crate::aws::{wait, Aws};
use crate::error::{AwsContext, NotFound, Result};

pub async fn create_internet_gateway(
    aws: &Aws,
    tags: &BTreeMap<String, String>,
    name: &str,
    resource: &str,
) -> Result<String> {
    let igw = aws
        .ec2
        .create_internet_gateway()
        .tag_specifications(ec2_tag_spec(ResourceType::InternetGateway, tags, name))
        .send()
        .await
        .context("ec2:CreateInternetGateway", resource)?;
    created_id(
        igw.internet_gateway().and_then(|g| g.internet_gateway_id()),
        "ec2:CreateInternetGateway",
        resource,
        "gateway id",
    )
}

pub async fn attach_internet_gateway(aws: &Aws, igw_id: &str, vpc_id: &str) -> Result<()> {
    aws.ec2
        .attach_internet_gateway()
        .internet_gateway_id(igw_id)
        .vpc_id(vpc_id)
        .send()
        .await
        .context("ec2:AttachInternetGateway", igw_id)
        .map(drop)
}

/// The gateway attached to the VPC, if any.
pub async fn find_attached_gateway(aws: &Aws, vpc_id: &str) -> Result<Option<InternetGateway>> {
    let gateways = aws
        .ec2
        .describe_internet_gateways()
        .filters(
            Filter::builder()
                .name("attachment.vpc-id")
                .values(vpc_id)
                .build(),
        )
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeInternetGateways", vpc_id)?;
    Ok(gateways.into_iter().next())
}

/// Detaches the gateway, waiting while mapped public addresses (NAT
/// gateways' interfaces) hold it. A gateway no longer attached is detached.
pub async fn detach_internet_gateway(
    aws: &Aws,
    igw_id: &str,
    vpc_id: &str,
    timeout: Duration,
) -> Result<()> {
    wait::delete_when_released("ec2:DetachInternetGateway", igw_id, timeout, || async {
        let detached = aws
            .ec2
            .detach_internet_gateway()
            .internet_gateway_id(igw_id)
            .vpc_id(vpc_id)
            .send()
            .await
            .map(drop)
            .context("ec2:DetachInternetGateway", igw_id);
        match detached {
            Err(e) if e.has_code("Gateway.NotAttached") => Ok(()),
            other => other,
        }
    })
    .await
}

/// Deletes the gateway; one already gone is deleted.
pub async fn delete_internet_gateway(aws: &Aws, igw_id: &str) -> Result<()> {
    aws.ec2
        .delete_internet_gateway()
        .internet_gateway_id(igw_id)
        .send()
        .await
        .context("ec2:DeleteInternetGateway", igw_id)
        .ignore_not_found()
}

/// (id, VPC attached to) of the internet gateways whose tag `key` is `value`.
pub async fn list_gateways_tagged(
    aws: &Aws,
    key: &str,
    value: &str,
) -> Result<Vec<(String, Option<String>)>> {
    let filter = Filter::builder()
        .name(format!("tag:{key}"))
        .values(value)
        .build();
    let gateways = aws
        .ec2
        .describe_internet_gateways()
        .filters(filter)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeInternetGateways", format!("{key} = {value}"))?;
    Ok(gateways
        .iter()
        .filter_map(|g| {
            let attached = g.attachments().iter().find_map(|a| a.vpc_id());
            Some((
                g.internet_gateway_id()?.to_string(),
                attached.map(str::to_string),
            ))
        })
        .collect())
}
