//! The platform's own VPC as a layout: one large private subnet per
//! availability zone for the Spark pods, one small public subnet per zone
//! for NAT gateways and load balancers; and the checks of subnets a user
//! passes in instead.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;

/// One subnet to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetPlan {
    pub availability_zone: String,
    pub cidr: Ipv4Net,
    pub public: bool,
}

/// Splits the VPC into one large private subnet per AZ (where the Spark pods
/// take their IPs) and one small public subnet per AZ (NAT gateways, load
/// balancers). With 2^b blocks (2^b > AZs), private subnets take the first
/// blocks and the public ones share the last block.
pub fn plan_subnets(vpc: Ipv4Net, zones: &[String]) -> Result<Vec<SubnetPlan>, String> {
    let count = u32::try_from(zones.len()).unwrap_or(u32::MAX);
    if count == 0 {
        return Err("no availability zones".into());
    }
    let bits = |n: u32| {
        n.checked_next_power_of_two()
            .map_or(u32::BITS, u32::trailing_zeros)
    };
    let block_bits = bits(count.saturating_add(1));
    let public_bits = bits(count);
    let block_prefix = u32::from(vpc.prefix_len()) + block_bits;
    let public_prefix = block_prefix + public_bits;
    if public_prefix > 28 {
        return Err(format!(
            "{vpc} is too small for {count} availability zones: the public subnets would be /{public_prefix}, and AWS subnets can be at most /28; use a larger VPC CIDR such as /16"
        ));
    }
    let blocks: Vec<Ipv4Net> = vpc
        .subnets(u8::try_from(block_prefix).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?
        .collect();
    let last_block = *blocks.last().ok_or("no blocks")?;
    let public_blocks: Vec<Ipv4Net> = last_block
        .subnets(u8::try_from(public_prefix).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?
        .collect();
    // There are more blocks than zones, and as many public blocks as zones
    // rounded up to a power of two.
    let mut plan = Vec::new();
    for ((zone, private), public) in zones.iter().zip(&blocks).zip(&public_blocks) {
        plan.push(SubnetPlan {
            availability_zone: zone.clone(),
            cidr: *private,
            public: false,
        });
        plan.push(SubnetPlan {
            availability_zone: zone.clone(),
            cidr: *public,
            public: true,
        });
    }
    Ok(plan)
}

/// AZ → subnet of the subnets a user passes in, and their VPC: one subnet
/// per zone, all in one VPC, two zones or more. Each subnet is
/// (id, availability zone, VPC id).
pub fn subnets_by_zone<'a>(
    subnets: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Result<(String, BTreeMap<String, String>), String> {
    let mut vpc: Option<String> = None;
    let mut by_zone = BTreeMap::new();
    for (id, zone, subnet_vpc) in subnets {
        if let Some(previous) = by_zone.insert(zone.to_string(), id.to_string()) {
            return Err(format!("subnets {previous} and {id} are both in {zone}; pass one private subnet per availability zone"));
        }
        match &vpc {
            Some(v) if v != subnet_vpc => {
                return Err(format!(
                "subnet {id} is in {subnet_vpc}, the others in {v}; all subnets must be in one VPC"
            ))
            }
            _ => vpc = Some(subnet_vpc.to_string()),
        }
    }
    if by_zone.len() < 2 {
        return Err("EKS needs subnets in at least two availability zones".to_string());
    }
    Ok((vpc.unwrap_or_default(), by_zone))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zones(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn cidrs(plan: &[SubnetPlan], public: bool) -> Vec<String> {
        plan.iter()
            .filter(|s| s.public == public)
            .map(|s| s.cidr.to_string())
            .collect()
    }

    #[test]
    fn three_zones_in_a_slash_16() {
        let plan = plan_subnets("10.0.0.0/16".parse().unwrap(), &zones(&["a", "b", "c"])).unwrap();
        assert_eq!(
            cidrs(&plan, false),
            ["10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18"]
        );
        assert_eq!(
            cidrs(&plan, true),
            ["10.0.192.0/20", "10.0.208.0/20", "10.0.224.0/20"]
        );
    }

    #[test]
    fn two_zones_leave_room_for_the_public_block() {
        let plan = plan_subnets("10.1.0.0/16".parse().unwrap(), &zones(&["a", "b"])).unwrap();
        assert_eq!(cidrs(&plan, false), ["10.1.0.0/18", "10.1.64.0/18"]);
        assert_eq!(cidrs(&plan, true), ["10.1.192.0/19", "10.1.224.0/19"]);
    }

    #[test]
    fn subnets_never_overlap() {
        for count in 1..=6 {
            let names: Vec<String> = (0..count).map(|i| format!("z{i}")).collect();
            let plan = plan_subnets("10.0.0.0/16".parse().unwrap(), &names).unwrap();
            for (i, a) in plan.iter().enumerate() {
                for b in &plan[i + 1..] {
                    assert!(
                        !a.cidr.contains(&b.cidr) && !b.cidr.contains(&a.cidr),
                        "{a:?} {b:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn too_small_a_vpc_is_refused() {
        let err =
            plan_subnets("10.0.0.0/26".parse().unwrap(), &zones(&["a", "b", "c"])).unwrap_err();
        assert!(err.contains("/28"), "{err}");
    }

    fn subnet<'a>(id: &'a str, zone: &'a str, vpc: &'a str) -> (&'a str, &'a str, &'a str) {
        (id, zone, vpc)
    }

    #[test]
    fn passed_subnets_map_by_zone() {
        let (vpc, by_zone) = subnets_by_zone([
            subnet("s1", "eu-west-1a", "v"),
            subnet("s2", "eu-west-1b", "v"),
        ])
        .unwrap();
        assert_eq!(vpc, "v");
        assert_eq!(by_zone.get("eu-west-1b").map(String::as_str), Some("s2"));
    }

    #[test]
    fn passed_subnets_must_be_one_per_zone_in_one_vpc() {
        assert!(subnets_by_zone([subnet("s1", "a", "v"), subnet("s2", "a", "v")]).is_err());
        assert!(subnets_by_zone([subnet("s1", "a", "v"), subnet("s2", "b", "w")]).is_err());
        assert!(subnets_by_zone([subnet("s1", "a", "v")]).is_err());
    }
}
