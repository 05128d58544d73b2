//! `emreks_notebook_user`: one person or group who may use the platform's
//! EMR Studio, with their own interactive endpoints (Jupyter Enterprise
//! Gateway) on the platform's notebook virtual cluster.

mod expand;
mod state;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::plugin::resource::Resource;
use crate::plugin::schema::{nested, Attribute, Constraint, Nesting, Schema};
use crate::plugin::Value;
use crate::plugin::{AttributePath, Diagnostics};
use async_trait::async_trait;
use aws_sdk_emrcontainers::types::EndpointState as AwsEndpointState;
use serde_json::Value as Json;

use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::{Aws, Error, SharedAws};
use crate::error::{AwsContext, NotFound};
use crate::platform::job_profiles::ProfileSettings;
use crate::platform::jobs;
use crate::platform::naming::{self, BucketPurpose};
use crate::platform::pod_templates::JobProfile;
use crate::platform::studio::{self, AuthMode};
use crate::plugin::schema::{
    block, computed, map_of_strings, optional, optional_computed, required, string,
};
use crate::resources::nodegroup::aws_io;
use crate::resources::platform::state::PlatformState;
use crate::resources::platform::{cluster, desired, layer, settings};
use crate::resources::values::{known, string_map, to_map, unknown_as_null};
use crate::timeouts::{self, Operation};
use expand::EndpointSpec;
pub use state::{NotebookUserPrivate, NotebookUserState};

const CREATE_TIMEOUT: Duration = Duration::from_secs(45 * 60);
const DELETE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
const FORCES_REPLACEMENT: [&str; 3] = ["platform_id", "identity_name", "identity_type"];

pub struct NotebookUserResource {
    aws: SharedAws,
}

impl NotebookUserResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

/// What a notebook user needs from its platform.
struct Notebooks {
    cluster: String,
    auth_mode: AuthMode,
    studio: crate::aws::studio::StudioIds,
    studio_arn: String,
    virtual_cluster_id: String,
    virtual_cluster_arn: String,
    role_arns: BTreeMap<String, String>,
    saved: PlatformState,
    bucket: String,
    tags: BTreeMap<String, String>,
}

async fn notebooks(aws: &Aws, platform_id: &str) -> Result<Notebooks, Error> {
    let resource = format!("platform \"{platform_id}\"");
    let platform = aws_io::platform(aws, platform_id).await?;
    let bucket = naming::bucket(BucketPurpose::Assets, platform_id, &platform.suffix);
    let saved = settings::load(aws, &bucket, platform_id)
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
    let described = cluster::describe_cluster(aws, platform_id).await?;
    let vpc = described
        .as_ref()
        .and_then(|c| c.resources_vpc_config())
        .and_then(|v| v.vpc_id());
    let studio = layer::find_studio(aws, platform_id, &platform.suffix, &studio_config, vpc)
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "elasticmapreduce:ListStudios",
                &resource,
                "the platform's Studio does not exist (yet)",
            )
        })?;
    let vc_name = known(&studio_config.virtual_cluster).unwrap_or_default();
    let virtual_cluster_id = layer::virtual_cluster_id(aws, platform_id, vc_name)
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
        virtual_cluster_arn: naming::virtual_cluster_arn(
            &aws.partition,
            &aws.region,
            &account,
            &virtual_cluster_id,
        ),
        virtual_cluster_id,
        studio,
        role_arns: layer::execution_role_arns(aws, platform_id).await?,
        saved,
        bucket,
        tags: naming::object_tags(&aws.default_tags, &BTreeMap::new(), platform_id),
    })
}

impl Notebooks {
    /// An endpoint with the platform's defaults filled in.
    fn spec(
        &self,
        name: &str,
        release: Option<&str>,
        role: Option<&str>,
        overrides: Option<&str>,
    ) -> Result<EndpointSpec, String> {
        let release_label = release
            .or(known(&self.saved.release_label))
            .unwrap_or(crate::platform::defaults::RELEASE_LABEL)
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
                let profile = self
                    .saved
                    .job_profiles
                    .as_ref_option()
                    .and_then(|p| p.get("notebook"))
                    .and_then(|p| p.as_ref_option())
                    .map(|p| desired::profile_settings(p, JobProfile::Notebook))
                    .unwrap_or_else(|| ProfileSettings::defaults(JobProfile::Notebook));
                let log_groups = jobs::log_group_names(&self.cluster);
                studio::default_overrides(
                    &profile,
                    &self.bucket,
                    &naming::pod_template_prefix(&self.cluster),
                    log_groups
                        .get("notebook")
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

fn endpoint_resource(name: &str) -> String {
    format!("managed endpoint \"{name}\"")
}

/// A live endpoint of that name on the notebook virtual cluster: (id, arn).
async fn find_endpoint(
    aws: &Aws,
    virtual_cluster: &str,
    name: &str,
) -> Result<Option<(String, String)>, Error> {
    find(aws, virtual_cluster, name, |state| {
        matches!(
            state,
            Some(AwsEndpointState::Active | AwsEndpointState::Creating)
        )
    })
    .await
}

/// Any endpoint of that name that still exists (a FAILED one included).
async fn find_endpoint_any(
    aws: &Aws,
    virtual_cluster: &str,
    name: &str,
) -> Result<Option<(String, String)>, Error> {
    find(aws, virtual_cluster, name, |state| {
        !matches!(
            state,
            Some(AwsEndpointState::Terminated | AwsEndpointState::TerminatedWithErrors)
        )
    })
    .await
}

async fn find(
    aws: &Aws,
    virtual_cluster: &str,
    name: &str,
    wanted: impl Fn(Option<&AwsEndpointState>) -> bool,
) -> Result<Option<(String, String)>, Error> {
    let mut pages = aws
        .emrcontainers
        .list_managed_endpoints()
        .virtual_cluster_id(virtual_cluster)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.context(
            "emr-containers:ListManagedEndpoints",
            endpoint_resource(name),
        )?;
        let hit = page
            .endpoints()
            .iter()
            .find(|e| e.name() == Some(name) && wanted(e.state()))
            .and_then(|e| Some((e.id()?.to_string(), e.arn()?.to_string())));
        if hit.is_some() {
            return Ok(hit);
        }
    }
    Ok(None)
}

/// The endpoint for this user: an existing one of that name gains the
/// user's tag, else a new one is made. Returns (id, arn).
async fn ensure_endpoint(
    aws: &Aws,
    notebooks: &Notebooks,
    spec: &EndpointSpec,
    user_tag: &str,
    timeout: Duration,
) -> Result<(String, String), Error> {
    let resource = endpoint_resource(&spec.name);
    let (id, arn) = match find_endpoint(aws, &notebooks.virtual_cluster_id, &spec.name).await? {
        Some((id, arn)) => {
            aws.emrcontainers
                .tag_resource()
                .resource_arn(&arn)
                .tags(user_tag, "true")
                .send()
                .await
                .context("emr-containers:TagResource", &resource)?;
            (id, arn)
        }
        None => {
            let overrides = expand::overrides_from_json(&spec.overrides).map_err(|why| {
                Error::config(
                    AttributePath::new("managed_endpoints"),
                    format!("{}: {why}", spec.name),
                )
            })?;
            let mut all_tags = notebooks.tags.clone();
            all_tags.insert(user_tag.to_string(), "true".to_string());
            let out = aws
                .emrcontainers
                .create_managed_endpoint()
                .name(&spec.name)
                .virtual_cluster_id(&notebooks.virtual_cluster_id)
                .r#type("JUPYTER_ENTERPRISE_GATEWAY")
                .release_label(&spec.release_label)
                .execution_role_arn(&spec.execution_role)
                .configuration_overrides(overrides)
                // Fresh per attempt: a token EMR saw before would return that
                // (perhaps since deleted) endpoint again.
                .client_token(crate::resources::platform::random_token(32))
                .set_tags(Some(all_tags.into_iter().collect()))
                .send()
                .await
                .context("emr-containers:CreateManagedEndpoint", &resource)?;
            (out.id.unwrap_or_default(), out.arn.unwrap_or_default())
        }
    };
    let security_group =
        wait_active(aws, &notebooks.virtual_cluster_id, &id, &spec.name, timeout).await?;
    if let (Some(group), Some(engine)) = (security_group, &notebooks.studio.engine_security_group) {
        open_to_studio(aws, &group, engine).await?;
    }
    Ok((id, arn))
}

/// Waits for ACTIVE; a FAILED endpoint is reported with AWS's own reasons.
/// Returns the endpoint's security group.
async fn wait_active(
    aws: &Aws,
    virtual_cluster: &str,
    id: &str,
    name: &str,
    timeout: Duration,
) -> Result<Option<String>, Error> {
    let resource = endpoint_resource(name);
    wait::until(
        "emr-containers:DescribeManagedEndpoint",
        &resource,
        timeout,
        Backoff::SLOW,
        || async {
            let out = aws
                .emrcontainers
                .describe_managed_endpoint()
                .id(id)
                .virtual_cluster_id(virtual_cluster)
                .send()
                .await
                .context("emr-containers:DescribeManagedEndpoint", &resource)?;
            let Some(endpoint) = out.endpoint else {
                return Ok(Poll::Failed("the endpoint disappeared".into()));
            };
            Ok(match endpoint.state() {
                Some(AwsEndpointState::Active) => {
                    Poll::Ready(endpoint.security_group().map(str::to_string))
                }
                Some(
                    AwsEndpointState::TerminatedWithErrors
                    | AwsEndpointState::Terminated
                    | AwsEndpointState::Terminating,
                ) => Poll::Failed(format!(
                    "the endpoint was terminated: {}",
                    endpoint.state_details().unwrap_or_default()
                )),
                Some(state) if state.as_str() == "FAILED" => Poll::Failed(format!(
                    "the endpoint FAILED ({}): {}",
                    endpoint
                        .failure_reason()
                        .map(|r| r.as_str())
                        .unwrap_or("no reason given"),
                    endpoint.state_details().unwrap_or("no details")
                )),
                state => Poll::Pending(state.map(|s| s.as_str().to_string()).unwrap_or_default()),
            })
        },
    )
    .await
}

/// Lets the Studio's engines reach the endpoint's gateway (TCP 18888).
async fn open_to_studio(aws: &Aws, endpoint_group: &str, engine_group: &str) -> Result<(), Error> {
    let rule = aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(18888)
        .to_port(18888)
        .user_id_group_pairs(
            aws_sdk_ec2::types::UserIdGroupPair::builder()
                .group_id(engine_group)
                .build(),
        )
        .build();
    let opened = aws
        .ec2
        .authorize_security_group_ingress()
        .group_id(endpoint_group)
        .ip_permissions(rule)
        .send()
        .await
        .map(|_| ())
        .context("ec2:AuthorizeSecurityGroupIngress", endpoint_group);
    match opened {
        Err(e) if e.has_code("InvalidPermission.Duplicate") => Ok(()),
        other => other,
    }
}

/// Drops the user's claim on an endpoint; the last user's release deletes it.
async fn release_endpoint(
    aws: &Aws,
    virtual_cluster: &str,
    id: &str,
    user_tag: &str,
    timeout: Duration,
) -> Result<(), Error> {
    let resource = format!("managed endpoint {id}");
    let described = aws
        .emrcontainers
        .describe_managed_endpoint()
        .id(id)
        .virtual_cluster_id(virtual_cluster)
        .send()
        .await
        .context("emr-containers:DescribeManagedEndpoint", &resource)
        .found()?;
    let Some(endpoint) = described.and_then(|d| d.endpoint) else {
        return Ok(());
    };
    if matches!(
        endpoint.state(),
        Some(AwsEndpointState::Terminated | AwsEndpointState::TerminatedWithErrors)
    ) {
        return Ok(());
    }
    let others = endpoint
        .tags()
        .map(|t| {
            t.keys()
                .any(|k| naming::parse_endpoint_user_tag(k).is_some() && k != user_tag)
        })
        .unwrap_or(false);
    if others {
        let arn = endpoint.arn().unwrap_or_default();
        return aws
            .emrcontainers
            .untag_resource()
            .resource_arn(arn)
            .tag_keys(user_tag)
            .send()
            .await
            .map(|_| ())
            .context("emr-containers:UntagResource", &resource);
    }
    aws.emrcontainers
        .delete_managed_endpoint()
        .id(id)
        .virtual_cluster_id(virtual_cluster)
        .send()
        .await
        .context("emr-containers:DeleteManagedEndpoint", &resource)?;
    wait::until("emr-containers:DescribeManagedEndpoint", &resource, timeout, Backoff::SLOW, || async {
        let out = aws
            .emrcontainers
                .describe_managed_endpoint()
                .id(id)
                .virtual_cluster_id(virtual_cluster)
                .send()
                .await
                .context("emr-containers:DescribeManagedEndpoint", &resource).found()?;
        Ok(match out.and_then(|o| o.endpoint).and_then(|e| e.state().cloned()) {
            None | Some(AwsEndpointState::Terminated | AwsEndpointState::TerminatedWithErrors) => Poll::Ready(()),
            Some(state) => Poll::Pending(state.as_str().to_string()),
        })
    })
    .await
}

/// Gives the identity access to the Studio and its endpoints: an inline
/// policy on the IAM user or role (IAM mode), or a session mapping with a
/// session policy (IAM Identity Center mode).
async fn grant(
    aws: &Aws,
    notebooks: &Notebooks,
    state: &NotebookUserState,
    arns: &[String],
    private: &mut NotebookUserPrivate,
) -> Result<(), Error> {
    let name = known(&state.identity_name).unwrap_or_default();
    let kind = known(&state.identity_type).unwrap_or("USER");
    let document =
        studio::access_policy(&notebooks.studio_arn, &notebooks.virtual_cluster_arn, arns)
            .to_string();
    let resource = format!("{kind} \"{name}\"");
    match notebooks.auth_mode {
        AuthMode::Iam => {
            let as_user = aws
                .iam
                .put_user_policy()
                .user_name(name)
                .policy_name(naming::notebook_access_policy(&notebooks.cluster))
                .policy_document(&document)
                .send()
                .await
                .map(|_| ())
                .context("iam:PutUserPolicy", &resource);
            match as_user {
                Ok(()) => private.iam_kind = Some("user".into()),
                Err(e) if e.is_not_found() => {
                    aws.iam
                        .put_role_policy()
                        .role_name(name)
                        .policy_name(naming::notebook_access_policy(&notebooks.cluster))
                        .policy_document(&document)
                        .send()
                        .await
                        .context("iam:PutRolePolicy", &resource)?;
                    private.iam_kind = Some("role".into());
                }
                Err(e) => return Err(e),
            }
        }
        AuthMode::Sso => {
            let policy_arn = match private.session_policy_arn.clone() {
                Some(arn) => {
                    aws.iam
                        .create_policy_version()
                        .policy_arn(&arn)
                        .policy_document(&document)
                        .set_as_default(true)
                        .send()
                        .await
                        .context("iam:CreatePolicyVersion", &resource)?;
                    arn
                }
                None => {
                    let out = aws
                        .iam
                        .create_policy()
                        .policy_name(naming::session_policy(&notebooks.cluster, kind, name))
                        .path(naming::iam_path(&notebooks.cluster))
                        .policy_document(&document)
                        .send()
                        .await
                        .context("iam:CreatePolicy", &resource)?;
                    let arn = out.policy.and_then(|p| p.arn).unwrap_or_default();
                    private.session_policy_arn = Some(arn.clone());
                    aws.emr
                        .create_studio_session_mapping()
                        .studio_id(notebooks.studio.studio_id.clone().unwrap_or_default())
                        .identity_name(name)
                        .identity_type(kind.into())
                        .session_policy_arn(&arn)
                        .send()
                        .await
                        .context("elasticmapreduce:CreateStudioSessionMapping", &resource)?;
                    arn
                }
            };
            private.session_policy_arn = Some(policy_arn);
        }
    }
    Ok(())
}

async fn revoke(
    aws: &Aws,
    platform_id: &str,
    studio_id: Option<&str>,
    state: &NotebookUserState,
    private: &mut NotebookUserPrivate,
) -> Result<(), Error> {
    let name = known(&state.identity_name).unwrap_or_default();
    let kind = known(&state.identity_type).unwrap_or("USER");
    let resource = format!("{kind} \"{name}\"");
    match private.iam_kind.as_deref() {
        Some("user") => aws
            .iam
            .delete_user_policy()
            .user_name(name)
            .policy_name(naming::notebook_access_policy(platform_id))
            .send()
            .await
            .map(|_| ())
            .context("iam:DeleteUserPolicy", &resource)
            .ignore_not_found()?,
        Some("role") => aws
            .iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(naming::notebook_access_policy(platform_id))
            .send()
            .await
            .map(|_| ())
            .context("iam:DeleteRolePolicy", &resource)
            .ignore_not_found()?,
        _ => {}
    }
    private.iam_kind = None;
    if let Some(arn) = private.session_policy_arn.clone() {
        if let Some(studio_id) = studio_id {
            let unmapped = aws
                .emr
                .delete_studio_session_mapping()
                .studio_id(studio_id)
                .identity_name(name)
                .identity_type(kind.into())
                .send()
                .await
                .map(|_| ())
                .context("elasticmapreduce:DeleteStudioSessionMapping", &resource);
            match unmapped {
                Err(e) if e.has_code("InvalidRequestException") => {}
                other => other.ignore_not_found()?,
            }
        }
        let versions = aws
            .iam
            .list_policy_versions()
            .policy_arn(&arn)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .context("iam:ListPolicyVersions", &arn)
            .found()?;
        for version in versions.unwrap_or_default() {
            if !version.is_default_version() {
                if let Some(id) = version.version_id() {
                    aws.iam
                        .delete_policy_version()
                        .policy_arn(&arn)
                        .version_id(id)
                        .send()
                        .await
                        .map(|_| ())
                        .context("iam:DeletePolicyVersion", &arn)
                        .ignore_not_found()?;
                }
            }
        }

        aws.iam
            .delete_policy()
            .policy_arn(&arn)
            .send()
            .await
            .map(|_| ())
            .context("iam:DeletePolicy", &arn)
            .ignore_not_found()?;
        private.session_policy_arn = None;
    }
    Ok(())
}

fn user_tag_of(state: &NotebookUserState) -> String {
    naming::endpoint_user_tag(
        known(&state.identity_type).unwrap_or("USER"),
        known(&state.identity_name).unwrap_or_default(),
    )
}

fn settings_key(state: &NotebookUserState) -> String {
    naming::notebook_user_settings_key(
        known(&state.platform_id).unwrap_or_default(),
        known(&state.identity_type).unwrap_or("USER"),
        known(&state.identity_name).unwrap_or_default(),
    )
}

/// Brings the user's endpoints and access to the configuration.
async fn reconcile(
    aws: &Aws,
    prior: Option<&NotebookUserState>,
    state: &mut NotebookUserState,
    private: &mut NotebookUserPrivate,
    timeout: Duration,
) -> Result<(), Error> {
    let platform_id = known(&state.platform_id).unwrap_or_default().to_string();
    let notebooks = notebooks(aws, &platform_id).await?;
    let kind = known(&state.identity_type).unwrap_or("USER");
    if notebooks.auth_mode == AuthMode::Iam && kind == "GROUP" {
        return Err(Error::config(AttributePath::new("identity_type"), "the platform's Studio signs in with IAM, which has no groups: use identity_type = \"USER\" with an IAM user or role name, or a Studio with auth_mode = \"SSO\""));
    }
    let user_tag = user_tag_of(state);
    let wanted = expand::configured(state);
    let mut ids = string_map(
        &prior
            .map(|p| p.managed_endpoint_ids.clone())
            .unwrap_or_default(),
    );
    let mut arns = string_map(
        &prior
            .map(|p| p.managed_endpoint_arns.clone())
            .unwrap_or_default(),
    );
    let prior_specs = prior.map(expand::configured).unwrap_or_default();
    for (name, id) in ids.clone() {
        if wanted.get(&name) != prior_specs.get(&name) || !wanted.contains_key(&name) {
            release_endpoint(aws, &notebooks.virtual_cluster_id, &id, &user_tag, timeout).await?;
            ids.remove(&name);
            arns.remove(&name);
        }
    }
    let mut result = Ok(());
    for (name, (release, role, overrides)) in &wanted {
        if ids.contains_key(name) {
            continue;
        }
        let spec = notebooks
            .spec(
                name,
                release.as_deref(),
                role.as_deref(),
                overrides.as_deref(),
            )
            .map_err(|why| {
                Error::config(
                    AttributePath::new("managed_endpoints"),
                    format!("{name}: {why}"),
                )
            })?;
        match ensure_endpoint(aws, &notebooks, &spec, &user_tag, timeout).await {
            Ok((id, arn)) => {
                ids.insert(name.clone(), id);
                arns.insert(name.clone(), arn);
            }
            Err(err) => {
                // Keep what exists so destroy removes it; report the failure.
                if let Ok(Some((id, arn))) =
                    find_endpoint_any(aws, &notebooks.virtual_cluster_id, name).await
                {
                    ids.insert(name.clone(), id);
                    arns.insert(name.clone(), arn);
                }
                result = Err(err);
                break;
            }
        }
    }
    state.managed_endpoint_ids = to_map(&ids);
    state.managed_endpoint_arns = to_map(&arns);
    state.studio_login_url = notebooks.studio.url.clone().into();
    result?;
    let all_arns: Vec<String> = arns.values().cloned().collect();
    grant(aws, &notebooks, state, &all_arns, private).await?;
    let saved =
        serde_json::to_vec(&serde_json::json!({ "managed_endpoints": state.managed_endpoints }))
            .map_err(|e| Error::aws_message("s3:PutObject", settings_key(state), e.to_string()))?;
    crate::aws::bucket::put_object(
        aws,
        &notebooks.bucket,
        &settings_key(state),
        &saved,
        "application/json",
    )
    .await
}

async fn destroy_user(
    aws: &Aws,
    state: &NotebookUserState,
    private: &mut NotebookUserPrivate,
) -> Result<(), Error> {
    let platform_id = known(&state.platform_id).unwrap_or_default().to_string();
    let timeout = state
        .timeouts
        .as_ref_option()
        .cloned()
        .unwrap_or_default()
        .get(Operation::Delete, DELETE_TIMEOUT);
    // A platform that is gone took the endpoints with it; any other failure
    // to find it must stop the destroy, or endpoints would leak.
    let notebooks = match notebooks(aws, &platform_id).await {
        Ok(notebooks) => Some(notebooks),
        Err(_)
            if cluster::describe_cluster(aws, &platform_id)
                .await?
                .is_none() =>
        {
            None
        }
        Err(err) => return Err(err),
    };
    let user_tag = user_tag_of(state);
    if let Some(notebooks) = &notebooks {
        for id in string_map(&state.managed_endpoint_ids).values() {
            release_endpoint(aws, &notebooks.virtual_cluster_id, id, &user_tag, timeout).await?;
        }

        aws.s3
            .delete_object()
            .bucket(&notebooks.bucket)
            .key(settings_key(state))
            .send()
            .await
            .map(|_| ())
            .context("s3:DeleteObject", settings_key(state))
            .ignore_not_found()?;
    }
    let studio_id = notebooks.as_ref().and_then(|n| n.studio.studio_id.clone());
    revoke(aws, &platform_id, studio_id.as_deref(), state, private).await
}

/// Endpoints still live drop out of the maps when they are gone.
async fn read_user(aws: &Aws, state: &mut NotebookUserState) -> Result<(), Error> {
    let platform_id = known(&state.platform_id).unwrap_or_default().to_string();
    let Ok(notebooks) = notebooks(aws, &platform_id).await else {
        return Ok(());
    };
    let mut ids = string_map(&state.managed_endpoint_ids);
    let mut arns = string_map(&state.managed_endpoint_arns);
    for (name, id) in ids.clone() {
        let out = aws
            .emrcontainers
            .describe_managed_endpoint()
            .id(&id)
            .virtual_cluster_id(&notebooks.virtual_cluster_id)
            .send()
            .await
            .context(
                "emr-containers:DescribeManagedEndpoint",
                endpoint_resource(&name),
            )
            .found()?;
        // A FAILED endpoint still exists and is kept for destroy to remove.
        let gone = out
            .and_then(|o| o.endpoint)
            .and_then(|e| e.state().cloned())
            .is_none_or(|s| {
                matches!(
                    s,
                    AwsEndpointState::Terminated
                        | AwsEndpointState::TerminatedWithErrors
                        | AwsEndpointState::Terminating
                )
            });
        if gone {
            ids.remove(&name);
            arns.remove(&name);
        }
    }
    state.managed_endpoint_ids = to_map(&ids);
    state.managed_endpoint_arns = to_map(&arns);
    state.studio_login_url = notebooks.studio.url.clone().into();
    Ok(())
}

async fn import_user(aws: &Aws, id: &str) -> Result<NotebookUserState, Error> {
    let Some((platform_id, kind, name)) = naming::parse_notebook_user_id(id) else {
        return Err(Error::import_refused(
            format!("\"{id}\""),
            "the id is <platform id>:<USER|GROUP>:<identity name>, e.g. analytics:USER:analyst",
        ));
    };
    let notebooks = notebooks(aws, platform_id).await?;
    let mut state = NotebookUserState {
        id: Value::Value(id.to_string()),
        platform_id: Value::Value(platform_id.to_string()),
        identity_type: Value::Value(kind.to_string()),
        identity_name: Value::Value(name.to_string()),
        ..Default::default()
    };
    let key = settings_key(&state);
    let object = aws
        .s3
        .get_object()
        .bucket(&notebooks.bucket)
        .key(&key)
        .send()
        .await
        .context("s3:GetObject", &key)?;
    let bytes = object
        .body
        .collect()
        .await
        .map_err(|e| Error::aws_message("s3:GetObject", &key, e.to_string()))?
        .into_bytes();
    let saved: Json = serde_json::from_slice(&bytes)
        .map_err(|e| Error::aws_message("s3:GetObject", &key, e.to_string()))?;
    state.managed_endpoints =
        serde_json::from_value(saved["managed_endpoints"].clone()).unwrap_or_default();
    let (mut ids, mut arns) = (BTreeMap::new(), BTreeMap::new());
    for endpoint in expand::configured(&state).keys() {
        if let Some((endpoint_id, arn)) =
            find_endpoint(aws, &notebooks.virtual_cluster_id, endpoint).await?
        {
            ids.insert(endpoint.clone(), endpoint_id);
            arns.insert(endpoint.clone(), arn);
        }
    }
    state.managed_endpoint_ids = to_map(&ids);
    state.managed_endpoint_arns = to_map(&arns);
    state.studio_login_url = notebooks.studio.url.clone().into();
    Ok(state)
}

fn settle(state: &mut NotebookUserState) {
    unknown_as_null(&mut state.id);
    unknown_as_null(&mut state.studio_login_url);
    unknown_as_null(&mut state.managed_endpoint_ids);
    unknown_as_null(&mut state.managed_endpoint_arns);
}

/// The user's endpoints as nested attributes: only `name` must be written.
fn endpoints_attribute(doc: &str) -> Attribute {
    nested(
        Nesting::List,
        Constraint::Optional,
        doc,
        [
            ("name", crate::plugin::schema::required(string(), "Name of the managed endpoint; users naming the same endpoint share it.")),
            ("release_label", optional(string(), "EMR release of the endpoint, e.g. `emr-7.9.0-latest`; left out, the platform's.")),
            ("execution_role", optional(string(), "Key of the platform's `execution_roles`, or an IAM role ARN; left out, the notebook job profile's.")),
            ("configuration_overrides", optional(string(), "JSON as `aws emr-containers create-managed-endpoint --configuration-overrides` takes it; left out, the platform's notebook job profile's.")),
        ],
    )
}

/// At plan time, when the platform exists: the checks that need it.
async fn check_with_aws(aws: &Aws, diags: &mut Diagnostics, planned: &NotebookUserState) {
    let Some(platform_id) = known(&planned.platform_id) else {
        return;
    };
    let Ok(notebooks) = notebooks(aws, platform_id).await else {
        return;
    };
    if notebooks.auth_mode == AuthMode::Iam && known(&planned.identity_type) == Some("GROUP") {
        diags.error(
            "Identity type not supported",
            "The platform's Studio signs in with IAM, which has no groups: use identity_type = \"USER\" (an IAM user or role name), or give the platform's studio auth_mode = \"SSO\".",
            AttributePath::new("identity_type"),
        );
    }
    for (index, endpoint) in planned.managed_endpoints.iter().flatten().enumerate() {
        let Some(role) = endpoint
            .as_ref_option()
            .and_then(|e| known(&e.execution_role))
        else {
            continue;
        };
        if !role.starts_with("arn:") && !notebooks.role_arns.contains_key(role) {
            diags.error(
                "Unknown execution role",
                format!(
                    "\"{role}\" is not an execution role of the platform; use one of: {} (or a role ARN).",
                    notebooks.role_arns.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                AttributePath::new("managed_endpoints").index(index as i64).attribute("execution_role"),
            );
        }
    }
}

#[async_trait]
impl Resource for NotebookUserResource {
    type State = NotebookUserState;
    type Private = Option<NotebookUserPrivate>;

    fn schema(&self) -> Schema {
        Schema {
            version: 1,
            block: block(
                "A person or group who may use the platform's EMR Studio, with their own interactive endpoints (Jupyter Enterprise Gateway) on the platform's notebook virtual cluster.",
                [
                    ("id", computed(string(), "`<platform_id>:<identity_type>:<identity_name>`.")),
                    ("platform_id", required(string(), "The `id` of the `emreks_platform`; its `studio` block must be set.")),
                    ("identity_name", required(string(), "IAM user or role name (Studio auth mode IAM), or IAM Identity Center user or group name (SSO).")),
                    ("identity_type", optional_computed(string(), "`USER` (default) or `GROUP` (SSO only).")),
                    ("managed_endpoints", endpoints_attribute("The user's endpoints: `[{ name, release_label, execution_role, configuration_overrides }]`. `execution_role` is a key of the platform's `execution_roles` or a role ARN; `release_label` null takes the platform's; `configuration_overrides` (JSON, as `aws emr-containers create-managed-endpoint` takes it) null takes the platform's notebook job profile. Endpoints of the same name are shared between users: made once, deleted when no user needs them.")),
                    ("managed_endpoint_ids", computed(map_of_strings(), "Id of each endpoint, by name.")),
                    ("managed_endpoint_arns", computed(map_of_strings(), "ARN of each endpoint, by name.")),
                    ("studio_login_url", computed(string(), "Where the user signs in to the Studio.")),
                ],
                [("timeouts", timeouts::schema("45m", "45m", "30m"))],
            ),
        }
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Self::State) {
        expand::validate(diags, &config);
        if let Value::Value(t) = &config.timeouts {
            t.validate(diags);
        }
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        mut state: Self::State,
        private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = self.aws.get(diags)?;
        if let Err(err) = read_user(&aws, &mut state).await {
            err.report(diags, "Cannot read the notebook user");
        }
        Some((state, private_state))
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State,
        _config_state: Self::State,
    ) -> Option<(Self::State, Self::Private)> {
        let mut planned = proposed_state;
        if planned.identity_type.is_null() {
            planned.identity_type = Value::Value("USER".into());
        }
        planned.id = match (
            known(&planned.platform_id),
            known(&planned.identity_type),
            known(&planned.identity_name),
        ) {
            (Some(p), Some(t), Some(n)) => Value::Value(naming::notebook_user_id(p, t, n)),
            _ => Value::Unknown,
        };
        planned.managed_endpoint_ids = Value::Unknown;
        planned.managed_endpoint_arns = Value::Unknown;
        planned.studio_login_url = Value::Unknown;
        if let Some(aws) = self.aws.try_get() {
            check_with_aws(&aws, diags, &planned).await;
        }
        Some((planned, Some(NotebookUserPrivate::default())))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        proposed_state: Self::State,
        _config_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let mut planned = proposed_state;
        let names: Vec<String> = expand::configured(&planned).into_keys().collect();
        let have: Vec<String> = string_map(&prior_state.managed_endpoint_ids)
            .into_keys()
            .collect();
        if names != have
            || expand::configured(&planned) != expand::configured(&prior_state)
            || planned.managed_endpoints.is_unknown()
        {
            planned.managed_endpoint_ids = Value::Unknown;
            planned.managed_endpoint_arns = Value::Unknown;
        }
        if planned != prior_state {
            if let Some(aws) = self.aws.try_get() {
                check_with_aws(&aws, diags, &planned).await;
            }
        }
        let replace = FORCES_REPLACEMENT
            .iter()
            .map(|n| AttributePath::new(*n))
            .collect();
        Some((planned, prior_private_state, replace))
    }

    async fn plan_destroy(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State,
        prior_private_state: Self::Private,
    ) -> Option<Self::Private> {
        Some(prior_private_state)
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State,
        _config_state: Self::State,
        planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = self.aws.get(diags)?;
        let mut state = planned_state;
        let mut private = planned_private_state.unwrap_or_default();
        let timeout = state
            .timeouts
            .as_ref_option()
            .cloned()
            .unwrap_or_default()
            .get(Operation::Create, CREATE_TIMEOUT);
        if let Err(err) = reconcile(&aws, None, &mut state, &mut private, timeout).await {
            err.report(diags, "Cannot create the notebook user");
        }
        settle(&mut state);
        Some((state, Some(private)))
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        planned_state: Self::State,
        _config_state: Self::State,
        planned_private_state: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = self.aws.get(diags)?;
        let mut state = planned_state;
        let mut private = planned_private_state.unwrap_or_default();
        let timeout = state
            .timeouts
            .as_ref_option()
            .cloned()
            .unwrap_or_default()
            .get(Operation::Update, CREATE_TIMEOUT);
        if let Err(err) =
            reconcile(&aws, Some(&prior_state), &mut state, &mut private, timeout).await
        {
            err.report(diags, "Cannot update the notebook user");
        }
        settle(&mut state);
        Some((state, Some(private)))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State,
        planned_private_state: Self::Private,
    ) -> Option<()> {
        let aws = self.aws.get(diags)?;
        let mut private = planned_private_state.unwrap_or_default();
        if private.iam_kind.is_none() && private.session_policy_arn.is_none() {
            // Replaced or imported: the access may be on the user or the role.
            private.iam_kind = Some("user".into());
        }
        if let Err(err) = destroy_user(&aws, &prior_state, &mut private).await {
            err.report(diags, "Cannot destroy the notebook user");
        }
        Some(())
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = self.aws.get(diags)?;
        match import_user(&aws, &id).await {
            Ok(state) => Some((state, Some(NotebookUserPrivate::default()))),
            Err(err) => {
                err.report(diags, "Cannot import the notebook user");
                None
            }
        }
    }
}
