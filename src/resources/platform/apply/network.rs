//! The network step: the platform's own VPC made piece by piece (each id
//! recorded as it comes to exist), retagged, found again from AWS, and
//! deleted in dependency order, forgetting each piece once it is gone; or
//! the subnets a user passes in, checked.

use std::collections::BTreeMap;
use std::time::Duration;

use ipnet::Ipv4Net;

use super::super::private::NetworkIds;
use super::side_by_side;
use crate::aws::ec2::route_table::{self, DefaultRoute};
use crate::aws::ec2::{internet_gateway, nat_gateway, subnet, tags, vpc};
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::naming::{self, Owner};
use crate::platform::network::{self, SubnetPlan};
use crate::plugin::AttributePath;

/// The tags load balancers pick subnets by; they also tell the platform's
/// public and private subnets apart.
const PUBLIC_SUBNET_TAG: &str = "kubernetes.io/role/elb";
const PRIVATE_SUBNET_TAG: &str = "kubernetes.io/role/internal-elb";

/// Creates the VPC step by step up to its subnets and public routes (what
/// the cluster needs), recording each id in `ids` as soon as it exists, so
/// a failure leaves a record of what to delete. The private subnets'
/// egress is [`ensure_egress`].
pub async fn create(
    aws: &Aws,
    platform: &str,
    cidr: Ipv4Net,
    subnets: &[SubnetPlan],
    tags: &BTreeMap<String, String>,
    ids: &mut NetworkIds,
) -> Result<()> {
    let vpc_resource = format!("VPC of platform \"{platform}\"");
    let name = naming::vpc(platform);
    let vpc_id = vpc::create_vpc(
        aws,
        &cidr.to_string(),
        tags,
        &name,
        &vpc_resource,
        &mut ids.vpc_id,
    )
    .await?;

    // The internet gateway and every subnet side by side: none needs
    // another, and each id is recorded whatever the others did.
    let gateway = async {
        let mut made = (None, false);
        let result = async {
            let igw_id =
                internet_gateway::create_internet_gateway(aws, tags, &name, &vpc_id).await?;
            made.0 = Some(igw_id.clone());
            internet_gateway::attach_internet_gateway(aws, &igw_id, &vpc_id).await?;
            made.1 = true;
            Ok::<_, Error>(igw_id)
        }
        .await;
        (made, result)
    };
    let made_subnets = futures::future::join_all(
        subnets
            .iter()
            .map(|plan| create_one_subnet(aws, platform, &vpc_id, plan, tags)),
    );
    let (((igw_id, attached), gateway), made_subnets) = tokio::join!(gateway, made_subnets);
    ids.internet_gateway_id = igw_id;
    ids.internet_gateway_attached = attached;
    let mut first_error = Ok(());
    for (plan, (subnet_id, result)) in subnets.iter().zip(made_subnets) {
        if let Some(subnet_id) = subnet_id {
            let by_zone = if plan.public {
                &mut ids.public_subnets
            } else {
                &mut ids.private_subnets
            };
            by_zone.insert(plan.availability_zone.clone(), subnet_id);
        }
        first_error = first_error.and(result);
    }
    let igw_id = gateway?;
    first_error?;

    let public_rt =
        route_table::create_route_table(aws, &vpc_id, tags, &naming::public_route_table(platform))
            .await?;
    ids.public_route_table_id = Some(public_rt.clone());
    route_table::create_default_route(aws, &public_rt, DefaultRoute::InternetGateway(&igw_id))
        .await?;
    for subnet_id in ids.public_subnets.values() {
        route_table::associate_route_table(aws, &public_rt, subnet_id).await?;
    }

    Ok(())
}

/// One subnet, tagged public or private for load balancers, public ones
/// giving what launches in them a public IP; its id once it exists (to be
/// recorded even when the next step failed), and the result.
async fn create_one_subnet(
    aws: &Aws,
    platform: &str,
    vpc_id: &str,
    plan: &SubnetPlan,
    tags: &BTreeMap<String, String>,
) -> (Option<String>, Result<()>) {
    let role_tag = if plan.public {
        PUBLIC_SUBNET_TAG
    } else {
        PRIVATE_SUBNET_TAG
    };
    let mut subnet_tags = tags.clone();
    subnet_tags.insert(role_tag.to_string(), "1".to_string());
    let name = naming::subnet(platform, plan.public, &plan.availability_zone);
    let subnet_id = match subnet::create_subnet(
        aws,
        vpc_id,
        &plan.cidr.to_string(),
        &plan.availability_zone,
        &subnet_tags,
        &name,
    )
    .await
    {
        Ok(id) => id,
        Err(err) => return (None, Err(err)),
    };
    let result = if plan.public {
        subnet::map_public_ip_on_launch(aws, &subnet_id).await
    } else {
        Ok(())
    };
    (Some(subnet_id), result)
}

/// Whether every zone has its NAT gateway, Elastic IP and private route
/// table on record: then [`ensure_egress`] has nothing to do.
pub fn egress_complete(ids: &NetworkIds) -> bool {
    ids.public_subnets.keys().all(|zone| {
        ids.eip_allocations.contains_key(zone)
            && ids.nat_gateways.contains_key(zone)
            && ids.private_route_tables.contains_key(zone)
    })
}

/// The private subnets' way out: in each zone an Elastic IP, a NAT
/// gateway in the public subnet, and a route table sending the private
/// subnet to it. Nodes need it, the cluster does not, so a create makes it
/// while EKS makes the cluster. Each id is recorded in `ids` as soon as it
/// exists; what a killed create left is on record already when `ids` came
/// from [`discover`] (Elastic IPs are found by the platform's marker), so
/// this completes it rather than make a second one.
pub async fn ensure_egress(
    aws: &Aws,
    platform: &str,
    tags: &BTreeMap<String, String>,
    ids: &mut NetworkIds,
    timeout: Duration,
) -> Result<()> {
    let vpc_id = ids.vpc_id.clone().unwrap_or_default();
    // One NAT gateway per zone keeps each zone's egress inside the zone.
    let zones: Vec<String> = ids.public_subnets.keys().cloned().collect();
    for zone in &zones {
        let name = naming::nat_gateway(platform, zone);
        let allocation = match ids.eip_allocations.get(zone) {
            Some(allocation) => allocation.clone(),
            None => {
                let allocation = nat_gateway::allocate_address(aws, tags, &name).await?;
                ids.eip_allocations.insert(zone.clone(), allocation.clone());
                allocation
            }
        };
        if ids.nat_gateways.contains_key(zone) {
            continue;
        }
        let public_subnet = ids.public_subnets.get(zone).cloned().unwrap_or_default();
        // The token makes a retry after a lost answer return the same gateway.
        let nat_id = nat_gateway::create_nat_gateway(
            aws,
            &public_subnet,
            &allocation,
            &format!("{vpc_id}-{zone}"),
            tags,
            &name,
        )
        .await?;
        ids.nat_gateways.insert(zone.clone(), nat_id);
    }
    for (zone, nat_id) in ids.nat_gateways.clone() {
        if ids.private_route_tables.contains_key(&zone) || !zones.contains(&zone) {
            continue;
        }
        nat_gateway::wait_nat_available(aws, &nat_id, timeout).await?;
        let rt = route_table::create_route_table(
            aws,
            &vpc_id,
            tags,
            &naming::private_route_table(platform, &zone),
        )
        .await?;
        ids.private_route_tables.insert(zone.clone(), rt.clone());
        route_table::create_default_route(aws, &rt, DefaultRoute::NatGateway(&nat_id)).await?;
        if let Some(subnet_id) = ids.private_subnets.get(&zone) {
            route_table::associate_route_table(aws, &rt, subnet_id).await?;
        }
    }
    Ok(())
}

/// Deletes the NAT gateways and releases their addresses, forgetting each
/// once gone; the rest of the network stays for [`delete`].
pub async fn delete_egress(aws: &Aws, ids: &mut NetworkIds, timeout: Duration) -> Result<()> {
    // Every zone's gateway at once: each takes a minute or so to go.
    let (gone, result) = side_by_side(
        ids.nat_gateways.clone().into_iter().collect(),
        |(_, nat_id)| async move { nat_gateway::delete_nat_gateway(aws, &nat_id, timeout).await },
    )
    .await;
    for (zone, _) in gone {
        ids.nat_gateways.remove(&zone);
    }
    result?;
    for (zone, allocation) in ids.eip_allocations.clone() {
        nat_gateway::release_address(aws, &allocation).await?;
        ids.eip_allocations.remove(&zone);
    }
    Ok(())
}

/// Deletes everything in `ids`, in dependency order, forgetting each id once
/// it is gone so a retry after a failure resumes where this one stopped.
pub async fn delete(aws: &Aws, ids: &mut NetworkIds, timeout: Duration) -> Result<()> {
    delete_egress(aws, ids, timeout).await?;
    if let (Some(igw), Some(vpc)) = (ids.internet_gateway_id.clone(), ids.vpc_id.clone()) {
        if ids.internet_gateway_attached {
            internet_gateway::detach_internet_gateway(aws, &igw, &vpc, timeout).await?;
            ids.internet_gateway_attached = false;
        }
    }
    if let Some(igw) = ids.internet_gateway_id.clone() {
        internet_gateway::delete_internet_gateway(aws, &igw).await?;
        ids.internet_gateway_id = None;
    }
    let route_tables: Vec<String> = ids
        .public_route_table_id
        .iter()
        .chain(ids.private_route_tables.values())
        .cloned()
        .collect();
    let (gone, result) = side_by_side(route_tables, |rt| async move {
        route_table::delete_route_table(aws, &rt).await
    })
    .await;
    if ids
        .public_route_table_id
        .as_ref()
        .is_some_and(|rt| gone.contains(rt))
    {
        ids.public_route_table_id = None;
    }
    ids.private_route_tables.retain(|_, rt| !gone.contains(rt));
    result?;
    // All subnets at once: each may wait for network interfaces AWS has
    // yet to release.
    let subnets: Vec<String> = ids
        .private_subnets
        .values()
        .chain(ids.public_subnets.values())
        .cloned()
        .collect();
    let (gone, result) = side_by_side(subnets, |subnet_id| async move {
        subnet::delete_subnet(aws, &subnet_id, timeout).await
    })
    .await;
    ids.private_subnets
        .retain(|_, subnet_id| !gone.contains(subnet_id));
    ids.public_subnets
        .retain(|_, subnet_id| !gone.contains(subnet_id));
    result?;
    if let Some(vpc) = ids.vpc_id.clone() {
        vpc::delete_vpc(aws, &vpc, timeout).await?;
        ids.vpc_id = None;
    }
    Ok(())
}

/// Brings the tags of every network object to `new` (Name tags are kept).
pub async fn retag(
    aws: &Aws,
    ids: &NetworkIds,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> Result<()> {
    tags::retag(aws, ids.taggable_ids(), old, new, "platform network").await
}

/// Finds what the platform made in its VPC from AWS itself, when the ids
/// are not at hand (Terraform hands destroy a fresh private state when it
/// replaces a resource). `None` when the VPC is gone or not the platform's
/// (subnets a user passed in live in a VPC the platform must not delete).
pub async fn discover(aws: &Aws, vpc_id: &str, owner: &Owner) -> Result<Option<NetworkIds>> {
    let Some(found) = vpc::find_vpc(aws, vpc_id).await? else {
        return Ok(None);
    };
    let tag = |key: &str| {
        found
            .tags()
            .iter()
            .find(|t| t.key() == Some(key))
            .and_then(|t| t.value())
    };
    // A VPC made before the marker existed has only the platform tag; its
    // id comes from this platform's own state, which no one else shares.
    let owned = match tag(naming::OWNER_TAG) {
        Some(marker) => marker == owner.marker(),
        None => tag(naming::PLATFORM_TAG) == Some(owner.platform.as_str()),
    };
    if !owned {
        return Ok(None);
    }
    let mut ids = NetworkIds {
        vpc_id: Some(vpc_id.to_string()),
        ..Default::default()
    };
    if let Some(gateway) = internet_gateway::find_attached_gateway(aws, vpc_id).await? {
        ids.internet_gateway_id = gateway.internet_gateway_id().map(str::to_string);
        ids.internet_gateway_attached = true;
    }
    for subnet in subnet::list_subnets_in_vpc(aws, vpc_id).await? {
        let (Some(id), Some(zone)) = (subnet.subnet_id(), subnet.availability_zone()) else {
            continue;
        };
        // The load-balancer role tag comes with CreateSubnet itself; the
        // public IP mapping is a second call, which a killed create may not
        // have made, so the tag says which subnet this is.
        let tagged = |key: &str| subnet.tags().iter().any(|t| t.key() == Some(key));
        let public = if tagged(PUBLIC_SUBNET_TAG) {
            true
        } else if tagged(PRIVATE_SUBNET_TAG) {
            false
        } else {
            subnet.map_public_ip_on_launch() == Some(true)
        };
        let by_zone = if public {
            &mut ids.public_subnets
        } else {
            &mut ids.private_subnets
        };
        by_zone.insert(zone.to_string(), id.to_string());
    }
    for nat in nat_gateway::list_nat_gateways_in_vpc(aws, vpc_id).await? {
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
    // An Elastic IP a killed create allocated before its NAT gateway was
    // asked for is in no VPC: found by the platform's marker, under its
    // zone (from its Name) when that zone has none yet.
    let prefix = naming::nat_gateway(&owner.platform, "");
    for (allocation, name) in
        nat_gateway::addresses_tagged(aws, naming::OWNER_TAG, &owner.marker()).await?
    {
        if ids.eip_allocations.values().any(|a| *a == allocation) {
            continue;
        }
        let zone = name
            .as_deref()
            .and_then(|n| n.strip_prefix(&prefix))
            .filter(|zone| {
                ids.public_subnets.contains_key(*zone) && !ids.eip_allocations.contains_key(*zone)
            })
            .map_or_else(|| allocation.clone(), str::to_string);
        ids.eip_allocations.insert(zone, allocation);
    }
    // A private route table counts as its zone's only once it routes to
    // the zone's NAT gateway and holds the private subnet: one a killed
    // create left halfway is kept under its id, to be deleted.
    for table in route_table::list_route_tables_in_vpc(aws, vpc_id).await? {
        let Some(id) = table.route_table_id() else {
            continue;
        };
        if route_table::is_main(&table) {
            continue;
        }
        let public = table.associations().iter().any(|a| {
            a.subnet_id()
                .is_some_and(|s| ids.public_subnets.values().any(|p| p == s))
        });
        if public && ids.public_route_table_id.is_none() {
            ids.public_route_table_id = Some(id.to_string());
            continue;
        }
        let zone = ids
            .private_subnets
            .iter()
            .find(|(zone, subnet)| {
                let holds = table
                    .associations()
                    .iter()
                    .any(|a| a.subnet_id() == Some(subnet.as_str()));
                let routes = table.routes().iter().any(|r| {
                    r.nat_gateway_id().is_some()
                        && r.nat_gateway_id() == ids.nat_gateways.get(*zone).map(String::as_str)
                });
                holds && routes
            })
            .map(|(zone, _)| zone.clone());
        let key = match zone {
            Some(zone) if !ids.private_route_tables.contains_key(&zone) => zone,
            _ => id.to_string(),
        };
        ids.private_route_tables.insert(key, id.to_string());
    }
    Ok(Some(ids))
}

/// The VPC and zone → subnet of the subnets a user passes in; subnets that
/// do not fit (two in a zone, two VPCs, one zone) are a configuration error.
pub async fn given_subnets(
    aws: &Aws,
    subnet_ids: &[String],
) -> Result<(String, BTreeMap<String, String>)> {
    let found = subnet::find_subnets(aws, subnet_ids).await?;
    network::subnets_by_zone(found.iter().map(|s| {
        (
            s.subnet_id().unwrap_or_default(),
            s.availability_zone().unwrap_or_default(),
            s.vpc_id().unwrap_or_default(),
        )
    }))
    .map_err(|why| Error::config(AttributePath::new("subnet_ids"), why))
}
