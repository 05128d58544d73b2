//! Subnets: create one in the platform's VPC, find given ones or all of a
//! VPC's, delete one once AWS's network interfaces let go of it.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Subnet};

use super::{created_id, in_vpc};
use crate::aws::tags::ec2_tag_spec;
use crate::aws::{wait, Aws};
use crate::error::{AwsContext, Result};

/// Creates the subnet; returns its id.
pub async fn create_subnet(
    aws: &Aws,
    vpc_id: &str,
    cidr: &str,
    zone: &str,
    tags: &BTreeMap<String, String>,
    name: &str,
) -> Result<String> {
    let created = aws
        .ec2
        .create_subnet()
        .vpc_id(vpc_id)
        .cidr_block(cidr)
        .availability_zone(zone)
        .tag_specifications(ec2_tag_spec(ResourceType::Subnet, tags, name))
        .send()
        .await
        .context("ec2:CreateSubnet", name)?;
    created_id(
        created.subnet().and_then(|s| s.subnet_id()),
        "ec2:CreateSubnet",
        name,
        "subnet id",
    )
}

/// Makes the subnet public: what launches in it gets a public IP.
pub async fn map_public_ip_on_launch(aws: &Aws, subnet_id: &str) -> Result<()> {
    aws.ec2
        .modify_subnet_attribute()
        .subnet_id(subnet_id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .context("ec2:ModifySubnetAttribute", subnet_id)
        .map(drop)
}

/// The subnets of these ids.
pub async fn find_subnets(aws: &Aws, subnet_ids: &[String]) -> Result<Vec<Subnet>> {
    aws.ec2
        .describe_subnets()
        .set_subnet_ids(Some(subnet_ids.to_vec()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeSubnets", subnet_ids.join(","))
}

/// Every subnet of the VPC.
pub async fn list_subnets_in_vpc(aws: &Aws, vpc_id: &str) -> Result<Vec<Subnet>> {
    aws.ec2
        .describe_subnets()
        .filters(in_vpc(vpc_id))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeSubnets", vpc_id)
}

/// Deletes the subnet, waiting while network interfaces AWS services made
/// (EKS, load balancers, EMR) still use it. One already gone is deleted.
pub async fn delete_subnet(aws: &Aws, subnet_id: &str, timeout: Duration) -> Result<()> {
    wait::delete_when_released("ec2:DeleteSubnet", subnet_id, timeout, || async {
        aws.ec2
            .delete_subnet()
            .subnet_id(subnet_id)
            .send()
            .await
            .map(drop)
            .context("ec2:DeleteSubnet", subnet_id)
    })
    .await
}
