//! What EC2 tells about instance types: which a zone offers, and each
//! one's vCPUs, memory, network limits and architectures.

use aws_sdk_ec2::types::{Filter, InstanceTypeInfo, LocationType};

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
