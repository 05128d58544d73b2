//! What an earlier create of the same platform name left when its provider
//! was killed before CreateCluster: Terraform recorded nothing, and the
//! next create draws a new suffix, so the old suffix's VPC, roles, assets
//! bucket and control-plane log group would stay forever. They carry the
//! marker `<name>-<old suffix>`, and no cluster does (the name is free in this
//! region, or the cluster is this create's): they are provably this
//! platform name's, cut short, and are removed.

use std::time::Duration;

use super::{discover, network};
use crate::aws::ec2::{internet_gateway, nat_gateway, vpc};
use crate::aws::iam::role;
use crate::aws::logs::log_group;
use crate::aws::s3::bucket;
use crate::aws::Aws;
use crate::error::Result;
use crate::platform::naming::{self, BucketPurpose, Owner, OWNER_TAG};

/// Removes what creates of `name` cut short left in this region; returns
/// a sentence for each one, naming what was removed. Only suffixes with a
/// VPC in this region count: IAM is global, and a role marked for a
/// platform of that name may belong to a live one in another region.
pub async fn remove_abandoned(
    aws: &Aws,
    name: &str,
    suffix: &str,
    timeout: Duration,
) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    for (other, vpc_id) in abandoned_vpcs(aws, name, suffix).await? {
        let owner = Owner::new(name, &other);
        let mut removed = Vec::new();
        if let Some(mut ids) = network::discover(aws, &vpc_id, &owner).await? {
            network::delete(aws, &mut ids, timeout).await?;
            removed.push(format!(
                "VPC {vpc_id} with its subnets, gateways and route tables"
            ));
        }
        // Pieces a kill left unattached, which the VPC does not lead to.
        let marker = owner.marker();
        for (gateway, attached) in
            internet_gateway::list_gateways_tagged(aws, OWNER_TAG, &marker).await?
        {
            if let Some(vpc_id) = attached {
                internet_gateway::detach_internet_gateway(aws, &gateway, &vpc_id, timeout).await?;
            }
            internet_gateway::delete_internet_gateway(aws, &gateway).await?;
            removed.push(format!("internet gateway {gateway}"));
        }
        for allocation in nat_gateway::list_addresses_tagged(aws, OWNER_TAG, &marker).await? {
            nat_gateway::release_address(aws, &allocation).await?;
            removed.push(format!("Elastic IP {allocation}"));
        }
        // The control-plane log group is made beside the network, before
        // the cluster: ours only with this suffix's marker.
        let group = naming::cluster_log_group(name);
        let account = aws.account_id().await?.to_string();
        let arn = naming::log_group_arn(&aws.partition, &aws.region, &account, &group);
        let tags = log_group::log_group_tags(aws, &group, &arn).await?;
        if tags.is_some_and(|tags| tags.get(OWNER_TAG) == Some(&marker)) {
            log_group::delete_log_group(aws, &group).await?;
            removed.push(format!("CloudWatch log group {group}"));
        }
        let assets = naming::bucket(BucketPurpose::Assets, name, &other);
        if bucket::bucket_exists(aws, &assets).await? {
            bucket::delete_bucket(aws, &assets).await?;
            removed.push(format!("S3 bucket {assets}"));
        }
        for found in discover::platform_roles(aws, &owner).await? {
            role::delete_role(aws, &found.name).await?;
            removed.push(format!("IAM role {}", found.name));
        }
        notes.push(format!(
            "An earlier create of platform \"{name}\" was cut short before its cluster was asked for (its objects carry {OWNER_TAG} = {}); removed: {}.",
            owner.marker(),
            removed.join(", ")
        ));
    }
    Ok(notes)
}

/// (suffix, VPC id) of the VPCs in this region marked for `name` with
/// another suffix than `suffix`.
async fn abandoned_vpcs(aws: &Aws, name: &str, suffix: &str) -> Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    for listed in vpc::list_vpcs_tagged(aws, OWNER_TAG).await? {
        let marker = listed
            .tags()
            .iter()
            .find(|t| t.key() == Some(OWNER_TAG))
            .and_then(|t| t.value());
        let other = marker.and_then(|m| other_suffix(m, name, suffix));
        if let (Some(other), Some(id)) = (other, listed.vpc_id()) {
            found.push((other.to_string(), id.to_string()));
        }
    }
    Ok(found)
}

/// The suffix of a marker of platform `name` when it is not `suffix`. A
/// suffix is what the provider draws (lowercase letters and digits), so a
/// marker of a platform whose name merely starts with `name-` is not taken.
fn other_suffix<'a>(marker: &'a str, name: &str, suffix: &str) -> Option<&'a str> {
    let other = marker.strip_prefix(name)?.strip_prefix('-')?;
    let drawn = other.len() == suffix.len()
        && other
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (drawn && other != suffix).then_some(other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_other_suffixes_of_this_platform_name_are_abandoned() {
        assert_eq!(
            other_suffix("analytics-ab12cd34", "analytics", "zz99yy88"),
            Some("ab12cd34")
        );
        assert_eq!(
            other_suffix("analytics-zz99yy88", "analytics", "zz99yy88"),
            None
        );
        // Platform "analytics-eu" is another platform, not a suffix of ours.
        assert_eq!(
            other_suffix("analytics-eu-ab12cd34", "analytics", "zz99yy88"),
            None
        );
        assert_eq!(
            other_suffix("analytics2-ab12cd34", "analytics", "zz99yy88"),
            None
        );
        assert_eq!(
            other_suffix("analytics-AB12CD34", "analytics", "zz99yy88"),
            None
        );
    }
}
