//! What EC2 tells about instance types: which a zone offers, and each
//! one's vCPUs, memory, network limits and architectures.

use aws_sdk_ec2::types::{Filter, InstanceTypeInfo, LocationType};

use crate::aws::reads::GLOBAL;
use crate::aws::Aws;
use crate::error::{AwsContext, Result};

/// The instance types of `wanted` the zone offers.
pub async fn offered_in_zone(aws: &Aws, zone: &str, wanted: &[String]) -> Result<Vec<String>> {
    let offerings = aws
        .ec2
        .describe_instance_type_offerings()
        .location_type(LocationType::AvailabilityZone)
        .filters(Filter::builder().name("location").values(zone).build())
        .filters(
            Filter::builder()
                .name("instance-type")
                .set_values(Some(wanted.to_vec()))
                .build(),
        )
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeInstanceTypeOfferings", zone)?;
    Ok(offerings
        .iter()
        .filter_map(|o| o.instance_type().map(|t| t.as_str().to_string()))
        .collect())
}

/// vCPUs, memory, network limits and architectures of each instance type.
pub async fn describe_instance_types(aws: &Aws, names: &[String]) -> Result<Vec<InstanceTypeInfo>> {
    aws.ec2
        .describe_instance_types()
        .set_instance_types(Some(names.iter().map(|n| n.as_str().into()).collect()))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeInstanceTypes", names.join(","))
}

/// [`offered_in_zone`], asked of EC2 once per process for each zone and list.
pub async fn offered_in_zone_shared(
    aws: &Aws,
    zone: &str,
    wanted: &[String],
) -> Result<Vec<String>> {
    let what = format!("offerings {zone} {}", sorted(wanted).join(","));
    aws.reads
        .read(GLOBAL, &what, || offered_in_zone(aws, zone, wanted))
        .await
}

/// [`describe_instance_types`], asked of EC2 once per process for each
/// set of names.
pub async fn describe_instance_types_shared(
    aws: &Aws,
    names: &[String],
) -> Result<Vec<InstanceTypeInfo>> {
    let names = sorted(names);
    let what = format!("instance types {}", names.join(","));
    aws.reads
        .read(GLOBAL, &what, || describe_instance_types(aws, &names))
        .await
}

fn sorted(names: &[String]) -> Vec<String> {
    let mut names = names.to_vec();
    names.sort();
    names.dedup();
    names
}
