//! Amazon EC2: the platform's VPC and what is in it (subnets, gateways,
//! route tables, security groups), nodegroups' launch templates, and what
//! EC2 tells about zones and instance types.

pub mod availability_zone;
pub mod instance_type;
pub mod internet_gateway;
pub mod launch_template;
pub mod nat_gateway;
pub mod route_table;
pub mod security_group;
pub mod subnet;
pub mod tags;
pub mod vpc;

use aws_sdk_ec2::types::Filter;

/// The filter of objects in one VPC.
fn in_vpc(vpc_id: &str) -> Filter {
    Filter::builder().name("vpc-id").values(vpc_id).build()
}

/// The id a Create call answered with, or an error naming what is missing.
fn created_id(
    id: Option<&str>,
    operation: &str,
    resource: &str,
    what: &str,
) -> crate::error::Result<String> {
    id.map(str::to_string).ok_or_else(|| {
        crate::error::Error::aws_message(operation, resource, format!("no {what} in the response"))
    })
}
