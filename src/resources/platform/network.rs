//! The platform's own VPC: the EC2 calls that create, retag and delete it.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, ResourceType};
use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

use crate::aws::tags::{ec2_tag_spec, ec2_tags, removed_keys};
use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::{Aws, Error};
use crate::error::{AwsContext, NotFound};
use crate::platform::naming;
use crate::platform::network::{self, SubnetPlan};
use crate::plugin::AttributePath;

/// Ids of everything in the platform's VPC, filled in as they are created.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct NetworkIds {
    pub vpc_id: Option<String>,
    pub internet_gateway_id: Option<String>,
    #[serde(default)]
    pub internet_gateway_attached: bool,
    /// AZ → private subnet id.
    #[serde(default)]
    pub private_subnets: BTreeMap<String, String>,
    /// AZ → public subnet id.
    #[serde(default)]
    pub public_subnets: BTreeMap<String, String>,
    /// AZ → Elastic IP allocation id of the NAT gateway.
    #[serde(default)]
    pub eip_allocations: BTreeMap<String, String>,
    /// AZ → NAT gateway id.
    #[serde(default)]
    pub nat_gateways: BTreeMap<String, String>,
    pub public_route_table_id: Option<String>,
    /// AZ → private route table id.
    #[serde(default)]
    pub private_route_tables: BTreeMap<String, String>,
}

impl NetworkIds {
    /// Every id that carries tags, for retagging.
    fn taggable_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .vpc_id
            .iter()
            .chain(self.internet_gateway_id.iter())
            .chain(self.public_route_table_id.iter())
            .cloned()
            .collect();
        for map in [
            &self.private_subnets,
            &self.public_subnets,
            &self.eip_allocations,
            &self.nat_gateways,
            &self.private_route_tables,
        ] {
            ids.extend(map.values().cloned());
        }
        ids
    }
}

/// Creates the VPC step by step, recording each id in `ids` as soon as it
/// exists, so a failure leaves a record of what to delete.
pub async fn create(
    aws: &Aws,
    platform: &str,
    vpc_cidr: Ipv4Net,
    subnets: &[SubnetPlan],
    tags: &BTreeMap<String, String>,
    ids: &mut NetworkIds,
    timeout: Duration,
) -> Result<(), Error> {
    let vpc_resource = format!("VPC of platform \"{platform}\"");
    let vpc = aws
        .ec2
        .create_vpc()
        .cidr_block(vpc_cidr.to_string())
        .tag_specifications(ec2_tag_spec(
            ResourceType::Vpc,
            tags,
            &naming::vpc(platform),
        ))
        .send()
        .await
        .context("ec2:CreateVpc", &vpc_resource)?;
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .ok_or_else(|| {
            Error::aws_message("ec2:CreateVpc", &vpc_resource, "no VPC id in the response")
        })?
        .to_string();
    ids.vpc_id = Some(vpc_id.clone());

    // EKS nodes need DNS hostnames in the VPC; the two attributes are set one per call.
    for (support, hostnames) in [(Some(true), None), (None, Some(true))] {
        let attribute = |v: bool| {
            aws_sdk_ec2::types::AttributeBooleanValue::builder()
                .value(v)
                .build()
        };
        aws.ec2
            .modify_vpc_attribute()
            .vpc_id(&vpc_id)
            .set_enable_dns_support(support.map(attribute))
            .set_enable_dns_hostnames(hostnames.map(attribute))
            .send()
            .await
            .context("ec2:ModifyVpcAttribute", &vpc_id)?;
    }

    let igw = aws
        .ec2
        .create_internet_gateway()
        .tag_specifications(ec2_tag_spec(
            ResourceType::InternetGateway,
            tags,
            &naming::vpc(platform),
        ))
        .send()
        .await
        .context("ec2:CreateInternetGateway", &vpc_id)?;
    let igw_id = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .ok_or_else(|| {
            Error::aws_message(
                "ec2:CreateInternetGateway",
                &vpc_id,
                "no gateway id in the response",
            )
        })?
        .to_string();
    ids.internet_gateway_id = Some(igw_id.clone());
    aws.ec2
        .attach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .context("ec2:AttachInternetGateway", &igw_id)?;
    ids.internet_gateway_attached = true;

    for subnet in subnets {
        let role_tag = if subnet.public {
            "kubernetes.io/role/elb"
        } else {
            "kubernetes.io/role/internal-elb"
        };
        let name = naming::subnet(platform, subnet.public, &subnet.availability_zone);
        let mut subnet_tags = tags.clone();
        subnet_tags.insert(role_tag.to_string(), "1".to_string());
        let created = aws
            .ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(subnet.cidr.to_string())
            .availability_zone(&subnet.availability_zone)
            .tag_specifications(ec2_tag_spec(ResourceType::Subnet, &subnet_tags, &name))
            .send()
            .await
            .context("ec2:CreateSubnet", &name)?;
        let subnet_id = created
            .subnet()
            .and_then(|s| s.subnet_id())
            .ok_or_else(|| {
                Error::aws_message("ec2:CreateSubnet", &name, "no subnet id in the response")
            })?
            .to_string();
        let map = if subnet.public {
            &mut ids.public_subnets
        } else {
            &mut ids.private_subnets
        };
        map.insert(subnet.availability_zone.clone(), subnet_id.clone());
        if subnet.public {
            aws.ec2
                .modify_subnet_attribute()
                .subnet_id(&subnet_id)
                .map_public_ip_on_launch(
                    aws_sdk_ec2::types::AttributeBooleanValue::builder()
                        .value(true)
                        .build(),
                )
                .send()
                .await
                .context("ec2:ModifySubnetAttribute", &subnet_id)?;
        }
    }

    let public_rt =
        create_route_table(aws, &vpc_id, tags, &naming::public_route_table(platform)).await?;
    ids.public_route_table_id = Some(public_rt.clone());
    aws.ec2
        .create_route()
        .route_table_id(&public_rt)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw_id)
        .send()
        .await
        .context("ec2:CreateRoute", &public_rt)?;
    for subnet_id in ids.public_subnets.values() {
        associate(aws, &public_rt, subnet_id).await?;
    }

    // One NAT gateway per AZ keeps each AZ's egress inside the AZ.
    let zones: Vec<String> = ids.public_subnets.keys().cloned().collect();
    for zone in &zones {
        let name = naming::nat_gateway(platform, zone);
        let eip = aws
            .ec2
            .allocate_address()
            .domain(aws_sdk_ec2::types::DomainType::Vpc)
            .tag_specifications(ec2_tag_spec(ResourceType::ElasticIp, tags, &name))
            .send()
            .await
            .context("ec2:AllocateAddress", &name)?;
        let allocation = eip
            .allocation_id()
            .ok_or_else(|| {
                Error::aws_message(
                    "ec2:AllocateAddress",
                    &name,
                    "no allocation id in the response",
                )
            })?
            .to_string();
        ids.eip_allocations.insert(zone.clone(), allocation.clone());
        let public_subnet = ids.public_subnets.get(zone).cloned().unwrap_or_default();
        let nat = aws
            .ec2
            .create_nat_gateway()
            .subnet_id(&public_subnet)
            .allocation_id(&allocation)
            .client_token(format!("{}-{zone}", vpc_id))
            .tag_specifications(ec2_tag_spec(ResourceType::Natgateway, tags, &name))
            .send()
            .await
            .context("ec2:CreateNatGateway", &name)?;
        let nat_id = nat
            .nat_gateway()
            .and_then(|n| n.nat_gateway_id())
            .ok_or_else(|| {
                Error::aws_message(
                    "ec2:CreateNatGateway",
                    &name,
                    "no NAT gateway id in the response",
                )
            })?
            .to_string();
        ids.nat_gateways.insert(zone.clone(), nat_id);
    }
    for (zone, nat_id) in ids.nat_gateways.clone() {
        wait_nat(aws, &nat_id, NatTarget::Available, timeout).await?;
        let rt = create_route_table(
            aws,
            &vpc_id,
            tags,
            &naming::private_route_table(platform, &zone),
        )
        .await?;
        ids.private_route_tables.insert(zone.clone(), rt.clone());
        aws.ec2
            .create_route()
            .route_table_id(&rt)
            .destination_cidr_block("0.0.0.0/0")
            .nat_gateway_id(&nat_id)
            .send()
            .await
            .context("ec2:CreateRoute", &rt)?;
        if let Some(subnet_id) = ids.private_subnets.get(&zone) {
            associate(aws, &rt, subnet_id).await?;
        }
    }
    Ok(())
}

async fn create_route_table(
    aws: &Aws,
    vpc_id: &str,
    tags: &BTreeMap<String, String>,
    name: &str,
) -> Result<String, Error> {
    let rt = aws
        .ec2
        .create_route_table()
        .vpc_id(vpc_id)
        .tag_specifications(ec2_tag_spec(ResourceType::RouteTable, tags, name))
        .send()
        .await
        .context("ec2:CreateRouteTable", name)?;
    rt.route_table()
        .and_then(|r| r.route_table_id())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::aws_message(
                "ec2:CreateRouteTable",
                name,
                "no route table id in the response",
            )
        })
}

async fn associate(aws: &Aws, route_table: &str, subnet_id: &str) -> Result<(), Error> {
    aws.ec2
        .associate_route_table()
        .route_table_id(route_table)
        .subnet_id(subnet_id)
        .send()
        .await
        .context("ec2:AssociateRouteTable", route_table)?;
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum NatTarget {
    Available,
    Deleted,
}

async fn wait_nat(
    aws: &Aws,
    nat_id: &str,
    target: NatTarget,
    timeout: Duration,
) -> Result<(), Error> {
    wait::until(
        "ec2:DescribeNatGateways",
        nat_id,
        timeout,
        Backoff::FAST,
        || async {
            let described = aws
                .ec2
                .describe_nat_gateways()
                .nat_gateway_ids(nat_id)
                .send()
                .await;
            let state = match described {
                Ok(out) => out
                    .nat_gateways()
                    .first()
                    .and_then(|n| n.state())
                    .map(|s| s.as_str().to_string()),
                Err(e) => {
                    let err = Error::aws("ec2:DescribeNatGateways", nat_id, e);
                    if err.is_not_found() {
                        None
                    } else {
                        return Err(err);
                    }
                }
            };
            Ok(match (target, state.as_deref()) {
                (NatTarget::Available, Some("available")) => Poll::Ready(()),
                (NatTarget::Available, Some("failed")) => {
                    Poll::Failed("the NAT gateway failed".into())
                }
                (NatTarget::Available, None) => Poll::Failed("the NAT gateway disappeared".into()),
                (NatTarget::Deleted, Some("deleted") | None) => Poll::Ready(()),
                (_, Some(other)) => Poll::Pending(other.to_string()),
            })
        },
    )
    .await
}

/// Deletes everything in `ids`, in dependency order, forgetting each id once
/// it is gone so a retry after a failure resumes where this one stopped.
pub async fn delete(aws: &Aws, ids: &mut NetworkIds, timeout: Duration) -> Result<(), Error> {
    for (zone, nat_id) in ids.nat_gateways.clone() {
        aws.ec2
            .delete_nat_gateway()
            .nat_gateway_id(&nat_id)
            .send()
            .await
            .map(|_| ())
            .context("ec2:DeleteNatGateway", &nat_id)
            .ignore_not_found()?;
        wait_nat(aws, &nat_id, NatTarget::Deleted, timeout).await?;
        ids.nat_gateways.remove(&zone);
    }
    for (zone, allocation) in ids.eip_allocations.clone() {
        aws.ec2
            .release_address()
            .allocation_id(&allocation)
            .send()
            .await
            .map(|_| ())
            .context("ec2:ReleaseAddress", &allocation)
            .ignore_not_found()?;
        ids.eip_allocations.remove(&zone);
    }
    if let (Some(igw), Some(vpc)) = (ids.internet_gateway_id.clone(), ids.vpc_id.clone()) {
        if ids.internet_gateway_attached {
            // Mapped public addresses (NAT gateways' interfaces) hold the
            // gateway until AWS releases them.
            wait::delete_when_released("ec2:DetachInternetGateway", &igw, timeout, || async {
                let detached = aws
                    .ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(&igw)
                    .vpc_id(&vpc)
                    .send()
                    .await
                    .map(|_| ())
                    .context("ec2:DetachInternetGateway", &igw);
                match detached {
                    Err(e) if e.has_code("Gateway.NotAttached") => Ok(()),
                    other => other,
                }
            })
            .await?;
            ids.internet_gateway_attached = false;
        }
    }
    if let Some(igw) = ids.internet_gateway_id.clone() {
        aws.ec2
            .delete_internet_gateway()
            .internet_gateway_id(&igw)
            .send()
            .await
            .map(|_| ())
            .context("ec2:DeleteInternetGateway", &igw)
            .ignore_not_found()?;
        ids.internet_gateway_id = None;
    }
    let route_tables: Vec<String> = ids
        .public_route_table_id
        .iter()
        .chain(ids.private_route_tables.values())
        .cloned()
        .collect();
    for rt in route_tables {
        delete_route_table(aws, &rt).await?;
    }
    ids.public_route_table_id = None;
    ids.private_route_tables.clear();
    for map in [&mut ids.private_subnets, &mut ids.public_subnets] {
        for (zone, subnet_id) in map.clone() {
            wait::delete_when_released("ec2:DeleteSubnet", &subnet_id, timeout, || async {
                aws.ec2
                    .delete_subnet()
                    .subnet_id(&subnet_id)
                    .send()
                    .await
                    .map(|_| ())
                    .context("ec2:DeleteSubnet", &subnet_id)
            })
            .await?;
            map.remove(&zone);
        }
    }
    if let Some(vpc) = ids.vpc_id.clone() {
        wait::delete_when_released("ec2:DeleteVpc", &vpc, timeout, || async {
            aws.ec2
                .delete_vpc()
                .vpc_id(&vpc)
                .send()
                .await
                .map(|_| ())
                .context("ec2:DeleteVpc", &vpc)
        })
        .await?;
        ids.vpc_id = None;
    }
    Ok(())
}

async fn delete_route_table(aws: &Aws, rt: &str) -> Result<(), Error> {
    let described = aws
        .ec2
        .describe_route_tables()
        .route_table_ids(rt)
        .send()
        .await
        .context("ec2:DescribeRouteTables", rt);
    let tables = match described {
        Ok(out) => out.route_tables().to_vec(),
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
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
                .map(|_| ())
                .context("ec2:DisassociateRouteTable", id)
                .ignore_not_found()?;
        }
    }

    aws.ec2
        .delete_route_table()
        .route_table_id(rt)
        .send()
        .await
        .map(|_| ())
        .context("ec2:DeleteRouteTable", rt)
        .ignore_not_found()
}

/// Brings the tags of every network object to `tags` (Name tags are kept).
pub async fn retag(
    aws: &Aws,
    ids: &NetworkIds,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let resources = ids.taggable_ids();
    if resources.is_empty() {
        return Ok(());
    }
    let removed: Vec<String> = removed_keys(old, new)
        .into_iter()
        .filter(|k| k != "Name")
        .collect();
    if !removed.is_empty() {
        aws.ec2
            .delete_tags()
            .set_resources(Some(resources.clone()))
            .set_tags(Some(
                removed
                    .iter()
                    .map(|k| aws_sdk_ec2::types::Tag::builder().key(k).build())
                    .collect(),
            ))
            .send()
            .await
            .context("ec2:DeleteTags", "platform network")?;
    }
    aws.ec2
        .create_tags()
        .set_resources(Some(resources))
        .set_tags(Some(ec2_tags(new, None)))
        .send()
        .await
        .context("ec2:CreateTags", "platform network")?;
    Ok(())
}

/// Finds what the platform made in its VPC from AWS itself, when the ids
/// are not at hand (Terraform hands destroy a fresh private state when it
/// replaces a resource). `None` when the VPC is gone or not the platform's
/// (subnets a user passed in live in a VPC the platform must not delete).
pub async fn discover(
    aws: &Aws,
    vpc_id: &str,
    platform: &str,
) -> Result<Option<NetworkIds>, Error> {
    let by_vpc = || Filter::builder().name("vpc-id").values(vpc_id).build();
    let vpcs = match aws.ec2.describe_vpcs().vpc_ids(vpc_id).send().await {
        Ok(out) => out.vpcs().to_vec(),
        Err(e) => {
            return Err::<(), _>(Error::aws("ec2:DescribeVpcs", vpc_id, e))
                .ignore_not_found()
                .map(|_| None)
        }
    };
    let owned = vpcs
        .iter()
        .flat_map(|v| v.tags())
        .any(|t| t.key() == Some(naming::PLATFORM_TAG) && t.value() == Some(platform));
    if !owned {
        return Ok(None);
    }
    let mut ids = NetworkIds {
        vpc_id: Some(vpc_id.to_string()),
        ..Default::default()
    };
    let gateways = aws
        .ec2
        .describe_internet_gateways()
        .filters(
            Filter::builder()
                .name("attachment.vpc-id")
                .values(vpc_id)
                .build(),
        )
        .send()
        .await
        .context("ec2:DescribeInternetGateways", vpc_id)?;
    if let Some(gateway) = gateways.internet_gateways().first() {
        ids.internet_gateway_id = gateway.internet_gateway_id().map(str::to_string);
        ids.internet_gateway_attached = true;
    }
    let subnets = aws
        .ec2
        .describe_subnets()
        .filters(by_vpc())
        .send()
        .await
        .context("ec2:DescribeSubnets", vpc_id)?;
    for subnet in subnets.subnets() {
        let (Some(id), Some(zone)) = (subnet.subnet_id(), subnet.availability_zone()) else {
            continue;
        };
        let public = subnet.map_public_ip_on_launch() == Some(true);
        let map = if public {
            &mut ids.public_subnets
        } else {
            &mut ids.private_subnets
        };
        map.insert(zone.to_string(), id.to_string());
    }
    let nats = aws
        .ec2
        .describe_nat_gateways()
        .filter(by_vpc())
        .send()
        .await
        .context("ec2:DescribeNatGateways", vpc_id)?;
    for nat in nats.nat_gateways() {
        if matches!(
            nat.state().map(|s| s.as_str()),
            Some("deleted" | "deleting")
        ) {
            continue;
        }
        let zone = nat
            .subnet_id()
            .and_then(|subnet| {
                ids.public_subnets
                    .iter()
                    .find(|(_, id)| id.as_str() == subnet)
            })
            .map(|(zone, _)| zone.clone())
            .unwrap_or_else(|| nat.nat_gateway_id().unwrap_or_default().to_string());
        if let Some(id) = nat.nat_gateway_id() {
            ids.nat_gateways.insert(zone.clone(), id.to_string());
        }
        if let Some(allocation) = nat
            .nat_gateway_addresses()
            .iter()
            .find_map(|a| a.allocation_id())
        {
            ids.eip_allocations.insert(zone, allocation.to_string());
        }
    }
    let tables = aws
        .ec2
        .describe_route_tables()
        .filters(by_vpc())
        .send()
        .await
        .context("ec2:DescribeRouteTables", vpc_id)?;
    for table in tables.route_tables() {
        let main = table.associations().iter().any(|a| a.main() == Some(true));
        if let (false, Some(id)) = (main, table.route_table_id()) {
            ids.private_route_tables
                .insert(id.to_string(), id.to_string());
        }
    }
    Ok(Some(ids))
}

/// AZ → subnet for subnets the user passed in, and the VPC they are in.
pub async fn describe_subnets(
    aws: &Aws,
    subnet_ids: &[String],
) -> Result<(String, BTreeMap<String, String>), Error> {
    let out = aws
        .ec2
        .describe_subnets()
        .set_subnet_ids(Some(subnet_ids.to_vec()))
        .send()
        .await
        .context("ec2:DescribeSubnets", subnet_ids.join(","))?;
    let described = out.subnets().iter().map(|s| {
        (
            s.subnet_id().unwrap_or_default(),
            s.availability_zone().unwrap_or_default(),
            s.vpc_id().unwrap_or_default(),
        )
    });
    network::subnets_by_zone(described)
        .map_err(|why| Error::config(AttributePath::new("subnet_ids"), why))
}

/// AZ → subnet for any subnets (one is enough), e.g. to learn a subnet's zone.
pub async fn describe_subnets_any(
    aws: &Aws,
    subnet_ids: &[String],
) -> Result<(String, BTreeMap<String, String>), Error> {
    let out = aws
        .ec2
        .describe_subnets()
        .set_subnet_ids(Some(subnet_ids.to_vec()))
        .send()
        .await
        .context("ec2:DescribeSubnets", subnet_ids.join(","))?;
    let vpc = out
        .subnets()
        .first()
        .and_then(|s| s.vpc_id())
        .unwrap_or_default()
        .to_string();
    let zones = out
        .subnets()
        .iter()
        .filter_map(|s| {
            Some((
                s.availability_zone()?.to_string(),
                s.subnet_id()?.to_string(),
            ))
        })
        .collect();
    Ok((vpc, zones))
}

/// The availability zones of the region, to check `availability_zones` at plan time.
pub async fn region_zones(aws: &Aws) -> Result<Vec<String>, Error> {
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
