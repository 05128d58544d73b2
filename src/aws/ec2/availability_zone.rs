//! The availability zones of the region.

use aws_sdk_ec2::types::Filter;

use crate::aws::Aws;
use crate::error::{AwsContext, Result};

/// The names of the region's availability zones (no Local or Wavelength zones).
pub async fn region_zones(aws: &Aws) -> Result<Vec<String>> {
    // DescribeAvailabilityZones answers in one page.
    let out = aws
        .ec2
        .describe_availability_zones()
        .filters(
            Filter::builder()
                .name("zone-type")
                .values("availability-zone")
                .build(),
        )
        .send()
        .await
        .context("ec2:DescribeAvailabilityZones", &aws.region)?;
    Ok(out
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect())
}
