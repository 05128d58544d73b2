//! What a notebook user needs from its platform: the Studio and how it
//! signs users in, the notebook virtual cluster, the execution roles, the
//! saved arguments (the notebook job profile, the release), and the
//! endpoints' defaults those give.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::naming::{self, Owner};
use crate::platform::pod_templates::JobProfile;
use crate::platform::studio::{self, AuthMode};
use crate::platform::{defaults, jobs};
use crate::plugin::AttributePath;
use crate::resources::platform::lookup;
use crate::resources::platform::PlatformState;
use crate::resources::values::known;

pub struct Notebooks {
    pub cluster: String,
    pub auth_mode: AuthMode,
    pub studio_id: String,
    pub studio_url: Option<String>,
    /// The Studio's engine security group, which endpoints open their gateway to.
    pub engine_security_group: Option<String>,
    pub studio_arn: String,
    /// The Workspaces the Studio's users may open (see `access_policy`).
    pub editors_arn: String,
    pub virtual_cluster_id: String,
    pub virtual_cluster_arn: String,
    pub role_arns: BTreeMap<String, String>,
    saved: PlatformState,
    /// The platform's assets bucket: pod templates and the users' settings.
    pub bucket: String,
    /// Tags of the endpoints the users make.
    pub tags: BTreeMap<String, String>,
    /// The platform whose marker what the users make carries.
    pub owner: Owner,
}

/// One endpoint as it will be made.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSpec {
    pub name: String,
    pub release_label: String,
    pub execution_role: String,
    pub overrides: Json,
}

impl Notebooks {
    /// The notebooks of the platform of that id, which must have a Studio.
    pub async fn of(aws: &Aws, platform_id: &str) -> Result<Notebooks> {
        let resource = format!("platform \"{platform_id}\"");
        let platform = lookup::platform(aws, platform_id).await?;
        let saved = lookup::saved_arguments(aws, &platform, platform_id)
            .await?
            .ok_or_else(|| {
                Error::aws_message(
                    "s3:GetObject",
                    &resource,
                    "the platform has no saved settings; was it made by emreks_platform?",
                )
            })?;
        let studio_config = saved.studio.as_ref_option().cloned().ok_or_else(|| {
            Error::config(
                AttributePath::new("platform_id"),
                "the platform has no `studio` block: notebook users need its EMR Studio",
            )
        })?;
        let auth_mode = AuthMode::parse(known(&studio_config.auth_mode).unwrap_or_default())
            .map_err(|why| Error::config(AttributePath::new("platform_id"), why))?;
        let studio = lookup::studio_ids(
            aws,
            &platform,
            platform_id,
            known(&studio_config.name).unwrap_or_default(),
            auth_mode,
        )
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "elasticmapreduce:ListStudios",
                &resource,
                "the platform's Studio does not exist (yet)",
            )
        })?;
        // The platform's plan fills in the cluster it chose, so the saved
        // settings name it; the choice is made again should they not.
        let vc_name = known(&studio_config.virtual_cluster)
            .map(str::to_string)
            .or_else(|| crate::resources::platform::schema::notebook_cluster(&saved).ok())
            .unwrap_or_default();
        let vc_name = vc_name.as_str();
        let virtual_cluster_id = lookup::running_virtual_cluster(aws, platform_id, vc_name)
            .await?
            .ok_or_else(|| {
                Error::aws_message(
                    "emr-containers:ListVirtualClusters",
                    &resource,
                    format!("the notebook virtual cluster \"{vc_name}\" is not running"),
                )
            })?;
        let account = aws.account_id().await?.to_string();
        let studio_id = studio.studio_id.clone().unwrap_or_default();
        Ok(Notebooks {
            cluster: platform_id.to_string(),
            auth_mode,
            studio_arn: naming::studio_arn(&aws.partition, &aws.region, &account, &studio_id),
            editors_arn: naming::editors_arn(&aws.partition, &aws.region, &account),
            virtual_cluster_arn: naming::virtual_cluster_arn(
                &aws.partition,
                &aws.region,
                &account,
                &virtual_cluster_id,
            ),
            studio_id,
            studio_url: studio.url,
            engine_security_group: studio.engine_security_group,
            virtual_cluster_id,
            role_arns: lookup::execution_role_arns(aws, &platform).await?,
            bucket: platform.assets_bucket(platform_id),
            saved,
            // Endpoints carry the platform's marker, like all it makes.
            tags: platform.owner.tag(&naming::object_tags(
                &aws.default_tags,
                &BTreeMap::new(),
                platform_id,
            )),
            owner: platform.owner.clone(),
        })
    }

    /// An endpoint with the platform's defaults filled in.
    pub fn endpoint(
        &self,
        name: &str,
        release: Option<&str>,
        role: Option<&str>,
        overrides: Option<&str>,
    ) -> std::result::Result<EndpointSpec, String> {
        let release_label = release
            .or(known(&self.saved.release_label))
            .unwrap_or(defaults::RELEASE_LABEL)
            .to_string();
        let role = role.ok_or_else(|| format!("endpoint \"{name}\" needs an execution_role"))?;
        let execution_role = if role.starts_with("arn:") {
            role.to_string()
        } else {
            self.role_arns.get(role).cloned().ok_or_else(|| {
                format!(
                    "\"{role}\" is not an execution role of the platform; use one of: {}",
                    self.role_arns
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?
        };
        let overrides = match overrides {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| format!("configuration_overrides of \"{name}\" is not JSON: {e}"))?,
            None => {
                let profile = lookup::job_profile(Some(&self.saved), JobProfile::Notebook);
                let log_groups = jobs::log_group_names(&self.cluster);
                studio::default_overrides(
                    &profile,
                    &self.bucket,
                    &naming::pod_template_prefix(&self.cluster),
                    log_groups
                        .get(JobProfile::Notebook.key())
                        .map(String::as_str)
                        .unwrap_or_default(),
                )
            }
        };
        Ok(EndpointSpec {
            name: name.to_string(),
            release_label,
            execution_role,
            overrides,
        })
    }
}
