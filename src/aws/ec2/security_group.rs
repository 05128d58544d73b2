//! Security groups: create one, the rules between groups (one group's TCP
//! port open to another's), HTTPS out, and delete once AWS's network
//! interfaces let go of it.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType, UserIdGroupPair};

use super::{created_id, in_vpc};
use crate::aws::tags::ec2_tag_spec;
use crate::aws::{wait, Aws};
use crate::error::{AwsContext, NotFound, Result};

/// Creates the group in the VPC; `tags` get the group's `Name` added.
pub async fn create_security_group(
    aws: &Aws,
    vpc_id: &str,
    name: &str,
    description: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String> {
    let group = aws
        .ec2
        .create_security_group()
        .group_name(name)
        .description(description)
        .vpc_id(vpc_id)
        .tag_specifications(ec2_tag_spec(ResourceType::SecurityGroup, tags, name))
        .send()
        .await
        .context("ec2:CreateSecurityGroup", name)?;
    created_id(
        group.group_id(),
        "ec2:CreateSecurityGroup",
        name,
        "group id",
    )
}

/// The group of that name in the VPC, with its tags: one a create cut
/// short (its provider killed) made and could not record.
pub async fn find_security_group(
    aws: &Aws,
    vpc_id: &str,
    name: &str,
) -> Result<Option<(String, BTreeMap<String, String>)>> {
    let groups = aws
        .ec2
        .describe_security_groups()
        .filters(in_vpc(vpc_id))
        .filters(Filter::builder().name("group-name").values(name).build())
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .context("ec2:DescribeSecurityGroups", name)?;
    Ok(groups
        .into_iter()
        .find(|group| group.group_name() == Some(name))
        .and_then(|group| {
            let tags = group
                .tags()
                .iter()
                .filter_map(|tag| Some((tag.key()?.to_string(), tag.value()?.to_string())))
                .collect();
            Some((group.group_id()?.to_string(), tags))
        }))
}

/// TCP `port` to or from another security group.
pub fn port_from_group(port: i32, group_id: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .user_id_group_pairs(UserIdGroupPair::builder().group_id(group_id).build())
        .build()
}

/// HTTPS anywhere.
pub fn https_anywhere() -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build()
}

/// The allow-all egress rule EC2 gives every new group.
pub fn everything_anywhere() -> IpPermission {
    IpPermission::builder()
        .ip_protocol("-1")
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build()
}

/// Lets the group send to `rule`; a rule it has already is opened.
pub async fn authorize_egress(aws: &Aws, group: &str, rule: IpPermission) -> Result<()> {
    let opened = aws
        .ec2
        .authorize_security_group_egress()
        .group_id(group)
        .ip_permissions(rule)
        .send()
        .await
        .map(drop)
        .context("ec2:AuthorizeSecurityGroupEgress", group);
    match opened {
        Err(e) if e.has_code("InvalidPermission.Duplicate") => Ok(()),
        other => other,
    }
}

/// Opens the group to `rule`; a rule it has already is opened.
pub async fn authorize_ingress(aws: &Aws, group: &str, rule: IpPermission) -> Result<()> {
    let opened = aws
        .ec2
        .authorize_security_group_ingress()
        .group_id(group)
        .ip_permissions(rule)
        .send()
        .await
        .map(drop)
        .context("ec2:AuthorizeSecurityGroupIngress", group);
    match opened {
        Err(e) if e.has_code("InvalidPermission.Duplicate") => Ok(()),
        other => other,
    }
}

/// A rule that is already gone, or whose group is, needs no revoking.
fn ignore_missing_rule(result: Result<()>) -> Result<()> {
    match result {
        Err(err) if err.has_code("InvalidPermission.NotFound") => Ok(()),
        other => other.ignore_not_found(),
    }
}

pub async fn revoke_egress(aws: &Aws, group: &str, rule: IpPermission) -> Result<()> {
    ignore_missing_rule(
        aws.ec2
            .revoke_security_group_egress()
            .group_id(group)
            .ip_permissions(rule)
            .send()
            .await
            .map(drop)
            .context("ec2:RevokeSecurityGroupEgress", group),
    )
}

pub async fn revoke_ingress(aws: &Aws, group: &str, rule: IpPermission) -> Result<()> {
    ignore_missing_rule(
        aws.ec2
            .revoke_security_group_ingress()
            .group_id(group)
            .ip_permissions(rule)
            .send()
            .await
            .map(drop)
            .context("ec2:RevokeSecurityGroupIngress", group),
    )
}

/// Deletes the group, waiting while network interfaces (EMR's, a load
/// balancer's) still use it. One already gone is deleted.
pub async fn delete_security_group(aws: &Aws, group: &str, timeout: Duration) -> Result<()> {
    let op = "ec2:DeleteSecurityGroup";
    wait::delete_when_released(op, group, timeout, || async {
        aws.ec2
            .delete_security_group()
            .group_id(group)
            .send()
            .await
            .map(drop)
            .context(op, group)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_rule_names_the_other_group_on_18888_only() {
        let rule = port_from_group(18888, "sg-1");
        assert_eq!(rule.ip_protocol(), Some("tcp"));
        assert_eq!(
            (rule.from_port(), rule.to_port()),
            (Some(18888), Some(18888))
        );
        assert_eq!(rule.user_id_group_pairs()[0].group_id(), Some("sg-1"));
        assert!(rule.ip_ranges().is_empty());
        assert_eq!(https_anywhere().from_port(), Some(443));
    }
}
