//! The platform's VPC: create it with DNS names on, find it, delete it
//! once AWS's network interfaces let go of it.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Vpc};

use super::created_id;
use crate::aws::tags::ec2_tag_spec;
use crate::aws::{wait, Aws};
use crate::error::{AwsContext, Result};

/// Creates the VPC and turns on DNS support and host names (EKS nodes need
/// them); returns its id through `created` as soon as it exists.
pub async fn create_vpc(
    aws: &Aws,
    cidr: &str,
    tags: &BTreeMap<String, String>,
    name: &str,
    resource: &str,
    created: &mut Option<String>,
) -> Result<String> {
    let vpc = aws
        .ec2
        .create_vpc()
        .cidr_block(cidr)
        .tag_specifications(ec2_tag_spec(ResourceType::Vpc, tags, name))
        .send()
        .await
        .context("ec2:CreateVpc", resource)?;
    let vpc_id = created_id(
        vpc.vpc().and_then(|v| v.vpc_id()),
        "ec2:CreateVpc",
        resource,
        "VPC id",
    )?;
    *created = Some(vpc_id.clone());
    // The two attributes are set one per call.
    for (support, hostnames) in [(Some(true), None), (None, Some(true))] {
        let attribute = |v: bool| AttributeBooleanValue::builder().value(v).build();
        aws.ec2
            .modify_vpc_attribute()
            .vpc_id(&vpc_id)
            .set_enable_dns_support(support.map(attribute))
            .set_enable_dns_hostnames(hostnames.map(attribute))
            .send()
            .await
            .context("ec2:ModifyVpcAttribute", &vpc_id)?;
    }
    Ok(vpc_id)
}

/// The VPC with its tags; `None` when it is gone.
pub async fn find_vpc(aws: &Aws, vpc_id: &str) -> Result<Option<Vpc>> {
    let vpcs = aws
        .ec2
        .describe_vpcs()
        .vpc_ids(vpc_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeVpcs", vpc_id);
    match vpcs {
        Ok(vpcs) => Ok(vpcs.into_iter().next()),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

/// The VPCs that carry a tag of that key, whatever its value.
pub async fn list_vpcs_tagged(aws: &Aws, key: &str) -> Result<Vec<Vpc>> {
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("tag-key")
        .values(key)
        .build();
    aws.ec2
        .describe_vpcs()
        .filters(filter)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeVpcs", format!("VPCs tagged {key}"))
}

/// Deletes the VPC, waiting while network interfaces AWS services made
/// still hold it. A VPC already gone is deleted.
pub async fn delete_vpc(aws: &Aws, vpc_id: &str, timeout: Duration) -> Result<()> {
    wait::delete_when_released("ec2:DeleteVpc", vpc_id, timeout, || async {
        aws.ec2
            .delete_vpc()
            .vpc_id(vpc_id)
            .send()
            .await
            .map(drop)
            .context("ec2:DeleteVpc", vpc_id)
    })
    .await
}
