//! What the resources that live on a platform (`emreks_nodegroup`,
//! `emreks_notebook_user`) learn of it from AWS: its subnets, node role and
//! suffix, the arguments it saved, its execution roles, virtual clusters
//! and Studio.

use std::collections::BTreeMap;

use aws_sdk_emrcontainers::types::VirtualClusterState;

use super::apply::cluster::not_ours;
use super::apply::discover::platform_roles;
use super::apply::owns_cluster;
use super::schema::{profile_settings, PlatformState};
use super::settings;
use crate::aws::ec2::subnet;
use crate::aws::eks::cluster::{auto_mode_enabled, find_cluster_shared};
use crate::aws::emrcontainers::virtual_cluster;
use crate::aws::iam::role;
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::compute::Compute;
use crate::platform::job_profiles::ProfileSettings;
use crate::platform::naming::{self, BucketPurpose, Owner, PlatformRole};
use crate::platform::pod_templates::JobProfile;

use super::apply::studio::find_studio_ids;
use super::private::StudioIds;
use crate::platform::studio::AuthMode;

/// What a nodegroup needs from its platform.
#[derive(Clone)]
pub struct Platform {
    pub subnets_by_zone: BTreeMap<String, String>,
    pub node_role_arn: String,
    pub suffix: String,
    pub vpc_id: Option<String>,
    /// Its name and suffix: what the objects made on it carry.
    pub owner: Owner,
    /// How it gets its nodes, as EKS reports it.
    pub compute: Compute,
    /// With EKS Auto Mode: the role of its nodes, for the NodeClasses of
    /// the node pools made on it (`emreks_node_pool`, built on this).
    pub auto_mode_node_role: Option<AutoModeNodeRole>,
}

/// The role EKS Auto Mode's nodes take, by name (a NodeClass's `role`) and ARN.
#[derive(Clone, Debug)]
#[allow(dead_code)]
pub struct AutoModeNodeRole {
    pub name: String,
    pub arn: String,
}

impl Platform {
    /// The platform's assets bucket, where its saved arguments live.
    pub fn assets_bucket(&self, platform_id: &str) -> String {
        naming::bucket(BucketPurpose::Assets, platform_id, &self.suffix)
    }
}

/// The platform of that id, as `emreks_platform` made it; read once per
/// process for all the resources on it.
pub async fn platform(aws: &Aws, platform_id: &str) -> Result<Platform> {
    aws.reads
        .read(platform_id, "platform", || read_platform(aws, platform_id))
        .await
}

/// The platform's EKS cluster, proven the platform's: its role carries a
/// platform suffix and the cluster the marker made with it. A cluster of
/// that name that another made is no platform.
pub async fn owned_cluster(
    aws: &Aws,
    platform_id: &str,
) -> Result<(aws_sdk_eks::types::Cluster, Owner)> {
    let resource = format!("platform \"{platform_id}\"");
    let described = find_cluster_shared(aws, platform_id)
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "eks:DescribeCluster",
                &resource,
                "no such platform: platform_id must be the id of an emreks_platform",
            )
        })?;
    // The IAM path alone may hold a namesake's roles: the marker decides.
    let suffix = described
        .role_arn()
        .and_then(naming::suffix_of_cluster_role_arn)
        .map(str::to_string)
        .ok_or_else(|| {
            Error::aws_message(
                "eks:DescribeCluster",
                &resource,
                "the cluster's role is not a platform's; platform_id must be the id of an emreks_platform",
            )
        })?;
    let owner = Owner::new(platform_id, &suffix);
    if !owns_cluster(&owner, &described) {
        return Err(not_ours(&owner, &described));
    }
    Ok((described, owner))
}

/// The cluster's (private) subnets by availability zone.
pub async fn subnets_by_zone(
    aws: &Aws,
    cluster: &aws_sdk_eks::types::Cluster,
) -> Result<BTreeMap<String, String>> {
    let subnet_ids: Vec<String> = cluster
        .resources_vpc_config()
        .map(|v| v.subnet_ids().to_vec())
        .unwrap_or_default();
    Ok(subnet::find_subnets(aws, &subnet_ids)
        .await?
        .iter()
        .filter_map(|s| {
            Some((
                s.availability_zone()?.to_string(),
                s.subnet_id()?.to_string(),
            ))
        })
        .collect())
}

async fn read_platform(aws: &Aws, platform_id: &str) -> Result<Platform> {
    let resource = format!("platform \"{platform_id}\"");
    let (described, owner) = owned_cluster(aws, platform_id).await?;
    let suffix = owner.suffix.clone();
    let vpc = described.resources_vpc_config();
    let subnets_by_zone = subnets_by_zone(aws, &described).await?;
    let node_role = PlatformRole::Node.name(platform_id, &suffix);
    let node_role_arn = role::role_arn_shared(aws, platform_id, &node_role)
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "iam:GetRole",
                &resource,
                format!(
                "the platform has no node role \"{node_role}\"; was it made by emreks_platform?"
            ),
            )
        })?;
    let compute = Compute::of_cluster(auto_mode_enabled(&described));
    let auto_mode_node_role = match compute {
        Compute::AutoMode => {
            let name = PlatformRole::AutoNode.name(platform_id, &suffix);
            role::role_arn_shared(aws, platform_id, &name)
                .await?
                .map(|arn| AutoModeNodeRole { name, arn })
        }
        Compute::ManagedNodegroups => None,
    };
    Ok(Platform {
        subnets_by_zone,
        node_role_arn,
        suffix,
        vpc_id: vpc.and_then(|v| v.vpc_id()).map(str::to_string),
        owner,
        compute,
        auto_mode_node_role,
    })
}

/// The arguments the platform saved beside its pod templates, read once
/// per process.
pub async fn saved_arguments(
    aws: &Aws,
    platform: &Platform,
    platform_id: &str,
) -> Result<Option<PlatformState>> {
    let bucket = platform.assets_bucket(platform_id);
    aws.reads
        .read(platform_id, "settings", || {
            settings::load(aws, &bucket, platform_id)
        })
        .await
}

/// A job profile's settings on the platform: its `job_profile` block, else the reference's.
pub fn job_profile(saved: Option<&PlatformState>, profile: JobProfile) -> ProfileSettings {
    saved
        .and_then(|state| state.job_profiles.as_ref_option())
        .and_then(|profiles| profiles.get(profile.key()))
        .and_then(|p| p.as_ref_option())
        .map(|p| profile_settings(p, profile))
        .unwrap_or_else(|| ProfileSettings::defaults(profile))
}

/// Execution role key → ARN, from the platform's own roles under its IAM
/// path; read once per process.
pub async fn execution_role_arns(
    aws: &Aws,
    platform: &Platform,
) -> Result<BTreeMap<String, String>> {
    let scope = platform.owner.platform.as_str();
    aws.reads
        .read(scope, "execution role arns", || async {
            let mut arns = BTreeMap::new();
            for found in platform_roles(aws, &platform.owner).await? {
                let key = found
                    .tags
                    .iter()
                    .find(|t| t.key() == naming::EXECUTION_ROLE_TAG)
                    .map(|t| t.value().to_string());
                if let Some(key) = key {
                    arns.insert(key, found.arn);
                }
            }
            Ok(arns)
        })
        .await
}

/// The platform's Studio as [`find_studio_ids`] finds it, read once per
/// process for all the platform's notebook users: EMR's ListStudios takes
/// no filter, so each search pages through the region's Studios.
pub async fn studio_ids(
    aws: &Aws,
    platform: &Platform,
    platform_id: &str,
    name: &str,
    auth_mode: AuthMode,
) -> Result<Option<StudioIds>> {
    let vpc_id = platform.vpc_id.as_deref();
    aws.reads
        .read(
            platform_id,
            &format!("studio {name:?} ({auth_mode:?}) in {vpc_id:?}"),
            || {
                find_studio_ids(
                    aws,
                    platform_id,
                    &platform.suffix,
                    name,
                    Some(auth_mode),
                    vpc_id,
                )
            },
        )
        .await
}

/// The id of the running virtual cluster of that name on the platform.
pub async fn running_virtual_cluster(
    aws: &Aws,
    platform_id: &str,
    name: &str,
) -> Result<Option<String>> {
    let running = virtual_cluster::list_virtual_clusters(
        aws,
        platform_id,
        Some(vec![VirtualClusterState::Running]),
    )
    .await?;
    Ok(running
        .iter()
        .find(|vc| vc.name() == Some(name))
        .and_then(|vc| vc.id().map(str::to_string)))
}

/// An existing platform as `emreks_platform` would hold it in its state:
/// imported by its cluster name, then refreshed. Errors of the refresh are
/// returned beside what was read.
pub async fn existing(aws: &Aws, name: &str) -> Result<(PlatformState, Vec<Error>)> {
    let (state, private) = super::read::import(aws, name).await?;
    match super::read::refresh(aws, state, &private).await {
        (super::read::Refreshed::Found(state), failures) => Ok((*state, failures)),
        (super::read::Refreshed::Gone, _) => Err(Error::aws_message(
            "eks:DescribeCluster",
            format!("platform \"{name}\""),
            "the platform was deleted while it was read",
        )),
    }
}
