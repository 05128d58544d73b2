//! The arguments AWS cannot tell back (job profiles, the exact policy texts,
//! the release label, ...), kept as a small JSON object in the platform's
//! assets bucket so `terraform import` rebuilds the configuration exactly.

use serde::{Deserialize, Serialize};

use super::schema::PlatformState;
use crate::aws::s3::object;
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::naming;

/// The configuration arguments of a platform, as the user wrote them.
#[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
pub struct Settings {
    pub state: PlatformState,
}

/// Keeps only the arguments: computed values are read from AWS on import.
pub fn arguments_of(state: &PlatformState) -> PlatformState {
    PlatformState {
        name: state.name.clone(),
        kubernetes_version: state.kubernetes_version.clone(),
        eks_admin_role_arn: state.eks_admin_role_arn.clone(),
        vpc_cidr: state.vpc_cidr.clone(),
        availability_zones: state.availability_zones.clone(),
        subnet_ids: state.subnet_ids.clone(),
        endpoint_public_access_cidrs: state.endpoint_public_access_cidrs.clone(),
        terraform_in_vpc: state.terraform_in_vpc,
        tags: state.tags.clone(),
        tooling: state.tooling.clone(),
        node_ssm_access: state.node_ssm_access,
        compute: state.compute.clone(),
        virtual_clusters: state.virtual_clusters.clone(),
        execution_roles: state.execution_roles.clone(),
        release_label: state.release_label.clone(),
        log_retention_days: state.log_retention_days,
        job_profiles: state.job_profiles.clone(),
        studio: state.studio.clone(),
        ..Default::default()
    }
}

pub async fn save(aws: &Aws, bucket: &str, cluster: &str, state: &PlatformState) -> Result<()> {
    let key = naming::settings_key(cluster);
    let body = serde_json::to_vec(&Settings {
        state: arguments_of(state),
    })
    .map_err(|e| Error::aws_message("s3:PutObject", &key, e.to_string()))?;
    object::put_object(aws, bucket, &key, &body, "application/json").await
}

/// The saved arguments, or `None` when the platform has none saved.
pub async fn load(aws: &Aws, bucket: &str, cluster: &str) -> Result<Option<PlatformState>> {
    let key = naming::settings_key(cluster);
    let Some(bytes) = object::get_object(aws, bucket, &key).await? else {
        return Ok(None);
    };
    let settings: Settings = serde_json::from_slice(&bytes).map_err(|e| {
        Error::aws_message(
            "s3:GetObject",
            format!("s3://{bucket}/{key}"),
            format!("unreadable settings: {e}"),
        )
    })?;
    Ok(Some(settings.state))
}
