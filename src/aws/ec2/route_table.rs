//! Route tables: create one with its default route, associate subnets,
//! find a VPC's, and delete one with its associations.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ResourceType, RouteTable};

use super::{created_id, in_vpc};
use crate::aws::tags::ec2_tag_spec;
use crate::aws::Aws;
use crate::error::{AwsContext, NotFound, Result};

/// Where a route table sends everything it has no other route for.
pub enum DefaultRoute<'a> {
    InternetGateway(&'a str),
    NatGateway(&'a str),
}

/// Creates a route table; returns its id.
pub async fn create_route_table(
    aws: &Aws,
    vpc_id: &str,
    tags: &BTreeMap<String, String>,
    name: &str,
) -> Result<String> {
    let rt = aws
        .ec2
        .create_route_table()
        .vpc_id(vpc_id)
        .tag_specifications(ec2_tag_spec(ResourceType::RouteTable, tags, name))
        .send()
        .await
        .context("ec2:CreateRouteTable", name)?;
    created_id(
        rt.route_table().and_then(|r| r.route_table_id()),
        "ec2:CreateRouteTable",
        name,
        "route table id",
    )
}

/// Routes 0.0.0.0/0 through the gateway.
pub async fn create_default_route(
    aws: &Aws,
    route_table: &str,
    target: DefaultRoute<'_>,
) -> Result<()> {
    let request = aws
        .ec2
        .create_route()
        .route_table_id(route_table)
        .destination_cidr_block("0.0.0.0/0");
    let request = match target {
        DefaultRoute::InternetGateway(id) => request.gateway_id(id),
        DefaultRoute::NatGateway(id) => request.nat_gateway_id(id),
    };
    request
        .send()
        .await
        .context("ec2:CreateRoute", route_table)
        .map(drop)
}

pub async fn associate_route_table(aws: &Aws, route_table: &str, subnet_id: &str) -> Result<()> {
    aws.ec2
        .associate_route_table()
        .route_table_id(route_table)
        .subnet_id(subnet_id)
        .send()
        .await
        .context("ec2:AssociateRouteTable", route_table)
        .map(drop)
}

/// The VPC's route tables, its main one included.
pub async fn list_route_tables_in_vpc(aws: &Aws, vpc_id: &str) -> Result<Vec<RouteTable>> {
    aws.ec2
        .describe_route_tables()
        .filters(in_vpc(vpc_id))
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeRouteTables", vpc_id)
}

/// Whether the table is its VPC's main one (which goes with the VPC).
pub fn is_main(table: &RouteTable) -> bool {
    table.associations().iter().any(|a| a.main() == Some(true))
}

/// Disassociates the table from its subnets, then deletes it; one already
/// gone is deleted.
pub async fn delete_route_table(aws: &Aws, route_table: &str) -> Result<()> {
    let tables = aws
        .ec2
        .describe_route_tables()
        .route_table_ids(route_table)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeRouteTables", route_table)
        .found()?;
    let Some(tables) = tables else {
        return Ok(());
    };
    for association in tables.iter().flat_map(|t| t.associations()) {
        if association.main() == Some(true) {
            continue;
        }
        if let Some(id) = association.route_table_association_id() {
            aws.ec2
                .disassociate_route_table()
                .association_id(id)
                .send()
                .await
                .context("ec2:DisassociateRouteTable", id)
                .ignore_not_found()?;
        }
    }
    aws.ec2
        .delete_route_table()
        .route_table_id(route_table)
        .send()
        .await
        .context("ec2:DeleteRouteTable", route_table)
        .ignore_not_found()
}
