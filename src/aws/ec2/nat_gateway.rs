//! NAT gateways and their Elastic IPs: allocate, create, wait until
//! available, find a VPC's, delete and wait until gone, release.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{DomainType, NatGateway, ResourceType};

use super::{created_id, in_vpc};
use crate::aws::tags::ec2_tag_spec;
use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::Aws;
use crate::error::{AwsContext, NotFound, Result};

/// Allocates an Elastic IP for a NAT gateway; returns its allocation id.
pub async fn allocate_address(
    aws: &Aws,
    tags: &BTreeMap<String, String>,
    name: &str,
) -> Result<String> {
    let eip = aws
        .ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .tag_specifications(ec2_tag_spec(ResourceType::ElasticIp, tags, name))
        .send()
        .await
        .context("ec2:AllocateAddress", name)?;
    created_id(
        eip.allocation_id(),
        "ec2:AllocateAddress",
        name,
        "allocation id",
    )
}

/// Releases the Elastic IP; one already released is released.
pub async fn release_address(aws: &Aws, allocation_id: &str) -> Result<()> {
    aws.ec2
        .release_address()
        .allocation_id(allocation_id)
        .send()
        .await
        .context("ec2:ReleaseAddress", allocation_id)
        .ignore_not_found()
}

/// Allocation ids of the Elastic IPs whose tag `key` is `value`.
pub async fn list_addresses_tagged(aws: &Aws, key: &str, value: &str) -> Result<Vec<String>> {
    Ok(addresses_tagged(aws, key, value)
        .await?
        .into_iter()
        .map(|(allocation, _)| allocation)
        .collect())
}

/// (allocation id, `Name` tag) of the Elastic IPs whose tag `key` is `value`.
pub async fn addresses_tagged(
    aws: &Aws,
    key: &str,
    value: &str,
) -> Result<Vec<(String, Option<String>)>> {
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name(format!("tag:{key}"))
        .values(value)
        .build();
    let listed = aws
        .ec2
        .describe_addresses()
        .filters(filter)
        .send()
        .await
        .context("ec2:DescribeAddresses", format!("{key} = {value}"))?;
    Ok(listed
        .addresses()
        .iter()
        .filter_map(|a| {
            let name = a
                .tags()
                .iter()
                .find(|t| t.key() == Some("Name"))
                .and_then(|t| t.value())
                .map(str::to_string);
            a.allocation_id().map(|id| (id.to_string(), name))
        })
        .collect())
}

/// Creates the NAT gateway in a public subnet with the Elastic IP.
pub async fn create_nat_gateway(
    aws: &Aws,
    subnet_id: &str,
    allocation_id: &str,
    client_token: &str,
    tags: &BTreeMap<String, String>,
    name: &str,
) -> Result<String> {
    let nat = aws
        .ec2
        .create_nat_gateway()
        .subnet_id(subnet_id)
        .allocation_id(allocation_id)
        .client_token(client_token)
        .tag_specifications(ec2_tag_spec(ResourceType::Natgateway, tags, name))
        .send()
        .await
        .context("ec2:CreateNatGateway", name)?;
    created_id(
        nat.nat_gateway().and_then(|n| n.nat_gateway_id()),
        "ec2:CreateNatGateway",
        name,
        "NAT gateway id",
    )
}

/// The gateway's state (`pending`, `available`, `deleted`, ...); `None`
/// when EC2 no longer knows it.
async fn nat_state(aws: &Aws, nat_id: &str) -> Result<Option<String>> {
    let described = aws
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(nat_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeNatGateways", nat_id)
        .found()?;
    Ok(described.and_then(|gateways| {
        gateways
            .first()
            .and_then(|n| n.state())
            .map(|s| s.as_str().to_string())
    }))
}

pub async fn wait_nat_available(aws: &Aws, nat_id: &str, timeout: Duration) -> Result<()> {
    wait::until(
        "ec2:DescribeNatGateways",
        nat_id,
        timeout,
        Backoff::FAST,
        || async {
            Ok(match nat_state(aws, nat_id).await?.as_deref() {
                Some("available") => Poll::Ready(()),
                Some("failed") => Poll::Failed("the NAT gateway failed".into()),
                None => Poll::Failed("the NAT gateway disappeared".into()),
                Some(other) => Poll::Pending(other.to_string()),
            })
        },
    )
    .await
}

/// Deletes the NAT gateway and waits until it is gone; one already gone is deleted.
pub async fn delete_nat_gateway(aws: &Aws, nat_id: &str, timeout: Duration) -> Result<()> {
    aws.ec2
        .delete_nat_gateway()
        .nat_gateway_id(nat_id)
        .send()
        .await
        .context("ec2:DeleteNatGateway", nat_id)
        .ignore_not_found()?;
    wait::until(
        "ec2:DescribeNatGateways",
        nat_id,
        timeout,
        Backoff::FAST,
        || async {
            Ok(match nat_state(aws, nat_id).await?.as_deref() {
                Some("deleted") | None => Poll::Ready(()),
                Some(other) => Poll::Pending(other.to_string()),
            })
        },
    )
    .await
}

/// The VPC's NAT gateways, deleted ones included.
pub async fn list_nat_gateways_in_vpc(aws: &Aws, vpc_id: &str) -> Result<Vec<NatGateway>> {
    aws.ec2
        .describe_nat_gateways()
        .filter(in_vpc(vpc_id))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeNatGateways", vpc_id)
}
