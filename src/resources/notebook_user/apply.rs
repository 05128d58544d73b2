//! `emreks_notebook_user`'s lifecycle: the user's endpoints (shared by
//! name between users: made once, tagged for each user who needs it,
//! deleted when the last one lets go), the user's access to the Studio
//! (an inline policy in IAM mode, a session mapping with a session policy
//! in IAM Identity Center mode), and the endpoints saved for import.

use std::collections::BTreeMap;
use std::time::Duration;

use super::notebooks::{EndpointSpec, Notebooks};
use super::schema::{NotebookUserPrivate, NotebookUserSpec, Recorded};
use crate::aws::ec2::security_group::{authorize_ingress, port_from_group};
use crate::aws::emr::session_mapping;
use crate::aws::emrcontainers::managed_endpoint::{
    self as endpoints, endpoint_resource, overrides_from_json, EndpointRequest,
};
use crate::aws::iam::{policy, role};
use crate::aws::s3::object;
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::naming;
use crate::platform::studio::{access_policy, AuthMode, IdentityType, GATEWAY_PORT};
use crate::plugin::AttributePath;

/// The tag on an endpoint that says this user needs it.
pub fn user_tag(spec: &NotebookUserSpec) -> String {
    naming::endpoint_user_tag(spec.identity_type.as_str(), &spec.identity_name)
}

pub(super) fn settings_key(spec: &NotebookUserSpec) -> String {
    naming::notebook_user_settings_key(
        &spec.platform_id,
        spec.identity_type.as_str(),
        &spec.identity_name,
    )
}

/// The endpoint for this user: an existing one of that name gains the
/// user's tag, else a new one is made. Returns (id, arn).
async fn ensure_endpoint(
    aws: &Aws,
    notebooks: &Notebooks,
    spec: &EndpointSpec,
    path: AttributePath,
    user_tag: &str,
    timeout: Duration,
) -> Result<(String, String)> {
    let resource = endpoint_resource(&spec.name);
    // One listing decides both whether the endpoint exists and the token
    // of its creation: users applied at once then either see the same
    // endpoint, or all see none and send the same token.
    let named = endpoints::endpoints_named(aws, &notebooks.virtual_cluster_id, &spec.name).await?;
    let live = named.iter().find(|e| endpoints::is_live(e.state()));
    // Sharing is between the platform's users: an endpoint of that name
    // someone else made is neither tagged nor used.
    if let Some(foreign) = live.filter(|e| !owned_endpoint(notebooks, e)) {
        let tags = foreign.tags();
        return Err(Error::NotOurs {
            resource: format!("{resource} ({})", foreign.id().unwrap_or_default()),
            platform: notebooks.owner.marker(),
            owner: tags
                .and_then(|t| {
                    t.get(naming::OWNER_TAG)
                        .or_else(|| t.get(naming::PLATFORM_TAG))
                })
                .cloned(),
        });
    }
    let live = live.and_then(|e| Some((e.id()?.to_string(), e.arn()?.to_string())));
    let (id, arn) = match live {
        Some((id, arn)) => {
            endpoints::tag_endpoint(aws, &arn, user_tag, "true", &resource).await?;
            (id, arn)
        }
        None => {
            let overrides = overrides_from_json(&spec.overrides)
                .map_err(|why| Error::config(path.attribute("configuration_overrides"), why))?;
            // The same token makes EMR answer every user creating the
            // endpoint at once with one endpoint. It changes once an
            // endpoint of that name was made, so a deleted one is never
            // given back. The user's tag is put apart, so that every
            // user's request is the same.
            let listed: Vec<String> = named
                .iter()
                .filter_map(|e| e.id().map(str::to_string))
                .collect();
            let token =
                naming::endpoint_client_token(&notebooks.virtual_cluster_id, &spec.name, &listed);
            let (id, arn) = endpoints::create_endpoint(
                aws,
                EndpointRequest {
                    name: &spec.name,
                    virtual_cluster: &notebooks.virtual_cluster_id,
                    release_label: &spec.release_label,
                    execution_role_arn: &spec.execution_role,
                    overrides,
                    tags: &notebooks.tags,
                    client_token: &token,
                },
            )
            .await?;
            endpoints::tag_endpoint(aws, &arn, user_tag, "true", &resource).await?;
            (id, arn)
        }
    };
    let security_group = endpoints::wait_endpoint_active(
        aws,
        &notebooks.virtual_cluster_id,
        &id,
        &spec.name,
        timeout,
    )
    .await?;
    // Lets the Studio's engines reach the endpoint's gateway.
    if let (Some(group), Some(engine)) = (security_group, &notebooks.engine_security_group) {
        authorize_ingress(aws, &group, port_from_group(GATEWAY_PORT, engine)).await?;
    }
    Ok((id, arn))
}

/// Drops the user's claim on an endpoint; the last user's release deletes
/// it. An endpoint without the platform's marker is someone else's: left
/// as it is, and forgotten.
async fn release_endpoint(
    aws: &Aws,
    notebooks: &Notebooks,
    id: &str,
    user_tag: &str,
    timeout: Duration,
) -> Result<()> {
    let virtual_cluster = notebooks.virtual_cluster_id.as_str();
    let resource = format!("managed endpoint {id}");
    let Some(endpoint) = endpoints::find_endpoint(aws, virtual_cluster, id, &resource).await?
    else {
        return Ok(());
    };
    if endpoints::is_terminated(endpoint.state()) || !owned_endpoint(notebooks, &endpoint) {
        return Ok(());
    }
    if other_users(&endpoint, user_tag) {
        let arn = endpoint.arn().unwrap_or_default();
        endpoints::untag_endpoint(aws, arn, user_tag, &resource).await?;
        // Users destroyed at once (Terraform's parallelism) may each have
        // seen the other and let go: whoever finds no user left after its
        // own release deletes the endpoint.
        let Some(endpoint) = endpoints::find_endpoint(aws, virtual_cluster, id, &resource).await?
        else {
            return Ok(());
        };
        if endpoints::is_terminated(endpoint.state()) || other_users(&endpoint, user_tag) {
            return Ok(());
        }
    }
    endpoints::delete_endpoint(aws, virtual_cluster, id, &resource, timeout).await
}

/// Whether the endpoint is the platform's: it carries the marker, or,
/// made before the marker existed, the platform tag (it lives in the
/// platform's own virtual cluster, which no one else's shares).
fn owned_endpoint(
    notebooks: &Notebooks,
    endpoint: &aws_sdk_emrcontainers::types::Endpoint,
) -> bool {
    let tags = endpoint.tags();
    let tag = |key: &str| tags.and_then(|t| t.get(key)).map(String::as_str);
    match tag(naming::OWNER_TAG) {
        Some(marker) => marker == notebooks.owner.marker(),
        None => tag(naming::PLATFORM_TAG) == Some(notebooks.cluster.as_str()),
    }
}

/// Whether the endpoint's tags name a user other than `user_tag`'s.
fn other_users(endpoint: &aws_sdk_emrcontainers::types::Endpoint, user_tag: &str) -> bool {
    endpoint.tags().is_some_and(|t| {
        t.keys()
            .any(|k| naming::parse_endpoint_user_tag(k).is_some() && k != user_tag)
    })
}

/// Gives the identity access to the Studio and its endpoints: an inline
/// policy on the IAM user or role (IAM mode), or a session mapping with a
/// session policy (IAM Identity Center mode).
async fn grant(
    aws: &Aws,
    notebooks: &Notebooks,
    spec: &NotebookUserSpec,
    arns: &[String],
    private: &mut NotebookUserPrivate,
) -> Result<()> {
    let (name, kind) = (&spec.identity_name, spec.identity_type.as_str());
    let document = access_policy(
        &notebooks.studio_arn,
        &notebooks.editors_arn,
        &notebooks.virtual_cluster_arn,
        arns,
    );
    let resource = format!("{kind} \"{name}\"");
    let policy_name = naming::notebook_access_policy(&notebooks.cluster);
    match notebooks.auth_mode {
        AuthMode::Iam => {
            // The name is an IAM user's, or else a role's.
            match policy::put_user_policy(aws, name, &policy_name, &document, &resource).await {
                Ok(()) => private.iam_kind = Some("user".into()),
                Err(e) if e.is_not_found() => {
                    role::put_role_policy(aws, name, &policy_name, &document).await?;
                    private.iam_kind = Some("role".into());
                }
                Err(e) => return Err(e),
            }
        }
        AuthMode::Sso => {
            let policy_arn = match private.session_policy_arn.clone() {
                Some(arn) => {
                    policy::set_policy_document(aws, &arn, &document, &resource).await?;
                    arn
                }
                None => {
                    let arn = policy::create_policy(
                        aws,
                        &naming::session_policy(&notebooks.cluster, kind, name),
                        &naming::iam_path(&notebooks.cluster),
                        &document,
                        &notebooks.tags,
                        &resource,
                    )
                    .await?;
                    private.session_policy_arn = Some(arn.clone());
                    arn
                }
            };
            // The mapping is looked up, not assumed from the policy: an
            // apply whose CreateStudioSessionMapping failed after the
            // policy was made completes it on the next apply.
            let studio = &notebooks.studio_id;
            match session_mapping::find_session_mapping(aws, studio, name, kind, &resource).await? {
                None => {
                    session_mapping::create_session_mapping(
                        aws,
                        studio,
                        name,
                        kind,
                        &policy_arn,
                        &resource,
                    )
                    .await?
                }
                Some(mapped) if mapped != policy_arn => {
                    session_mapping::update_session_mapping(
                        aws,
                        studio,
                        name,
                        kind,
                        &policy_arn,
                        &resource,
                    )
                    .await?
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// What the identity was given, found in AWS when the private state does
/// not say (after import, or a state written before it was kept): the
/// inline policy of the platform on the IAM user or role of that name
/// when its document names the platform's Studio or notebook virtual
/// cluster, and the session mapping in the Studio with its session policy
/// when that carries the platform's marker. What is someone else's is left.
async fn discover_access(
    aws: &Aws,
    notebooks: &Notebooks,
    spec: &NotebookUserSpec,
    private: &mut NotebookUserPrivate,
) -> Result<()> {
    let (name, kind) = (&spec.identity_name, spec.identity_type.as_str());
    let resource = format!("{kind} \"{name}\"");
    match notebooks.auth_mode {
        AuthMode::Iam => {
            let policy_name = naming::notebook_access_policy(&notebooks.cluster);
            let ours = |document: &str| grants_this_platform(notebooks, document);
            if policy::user_policy_document(aws, name, &policy_name, &resource)
                .await?
                .is_some_and(|d| ours(&d))
            {
                private.iam_kind = Some("user".into());
            } else if role::role_policy_document(aws, name, &policy_name)
                .await?
                .is_some_and(|d| ours(&d))
            {
                private.iam_kind = Some("role".into());
            }
        }
        AuthMode::Sso => {
            let mapped = session_mapping::find_session_mapping(
                aws,
                &notebooks.studio_id,
                name,
                kind,
                &resource,
            )
            .await?;
            if let Some(arn) = owned_session_policy(aws, notebooks, kind, name, mapped).await? {
                private.session_policy_arn = Some(arn);
            }
        }
    }
    Ok(())
}

/// Whether an inline access policy's document is this platform's: it
/// names the platform's Studio or notebook virtual cluster.
pub(super) fn grants_this_platform(notebooks: &Notebooks, document: &str) -> bool {
    // The ids are letters, digits and '-', the same URL-encoded or not.
    document.contains(notebooks.studio_id.as_str())
        || document.contains(notebooks.virtual_cluster_id.as_str())
}

/// The ARN of the identity's session policy when it is the platform's:
/// the policy `mapped` to the identity in the platform's Studio (else the
/// one of the provider's name for it) carrying the platform's marker.
pub(super) async fn owned_session_policy(
    aws: &Aws,
    notebooks: &Notebooks,
    kind: &str,
    name: &str,
    mapped: Option<String>,
) -> Result<Option<String>> {
    let named = naming::session_policy_arn(
        &aws.partition,
        aws.account_id().await?,
        &notebooks.cluster,
        kind,
        name,
    );
    let in_our_studio = mapped.as_deref().filter(|arn| !arn.is_empty());
    let candidate = in_our_studio.unwrap_or(&named).to_string();
    let Some(tags) = policy::policy_tags(aws, &candidate).await? else {
        return Ok(None);
    };
    let marker = tags
        .iter()
        .find(|t| t.key() == naming::OWNER_TAG)
        .map(|t| t.value().to_string());
    // Policies made before the marker have none: the platform's own
    // Studio mapping the identity to the policy of our name says it is ours.
    let ours = match marker {
        Some(marker) => marker == notebooks.owner.marker(),
        None => in_our_studio == Some(named.as_str()),
    };
    Ok(ours.then_some(candidate))
}

/// Takes the identity's access away, forgetting each piece once gone.
async fn revoke(
    aws: &Aws,
    platform_id: &str,
    studio_id: Option<&str>,
    spec: &NotebookUserSpec,
    private: &mut NotebookUserPrivate,
) -> Result<()> {
    let (name, kind) = (&spec.identity_name, spec.identity_type.as_str());
    let resource = format!("{kind} \"{name}\"");
    let policy_name = naming::notebook_access_policy(platform_id);
    match private.iam_kind.as_deref() {
        Some("user") => policy::delete_user_policy(aws, name, &policy_name, &resource).await?,
        Some("role") => role::delete_role_policy(aws, name, &policy_name).await?,
        _ => {}
    }
    private.iam_kind = None;
    if let Some(arn) = private.session_policy_arn.clone() {
        if let Some(studio_id) = studio_id {
            // Only the mapping to our own policy: one made since by someone else stays.
            let mapped =
                session_mapping::find_session_mapping(aws, studio_id, name, kind, &resource)
                    .await?;
            if mapped.as_deref() == Some(arn.as_str()) {
                session_mapping::delete_session_mapping(aws, studio_id, name, kind, &resource)
                    .await?;
            }
        }
        policy::delete_policy(aws, &arn).await?;
        private.session_policy_arn = None;
    }
    Ok(())
}

/// What an apply learned: the user's endpoints and where to sign in.
#[derive(Debug, Default)]
pub struct Built {
    pub endpoint_ids: BTreeMap<String, String>,
    pub endpoint_arns: BTreeMap<String, String>,
    pub studio_login_url: Option<String>,
    /// Whether the endpoints above were learned (else the state keeps its own).
    pub learned: bool,
}

/// Brings the user's endpoints and access from what the state recorded
/// (nothing, at create) to the spec.
pub async fn reconcile(
    aws: &Aws,
    prior: &Recorded,
    spec: &NotebookUserSpec,
    private: &mut NotebookUserPrivate,
    timeout: Duration,
    built: &mut Built,
) -> Result<()> {
    let notebooks = Notebooks::of(aws, &spec.platform_id).await?;
    if notebooks.auth_mode == AuthMode::Iam && spec.identity_type == IdentityType::Group {
        return Err(Error::config(AttributePath::new("identity_type"), "the platform's Studio signs in with IAM, which has no groups: use identity_type = \"USER\" with an IAM user or role name, or a Studio with auth_mode = \"SSO\""));
    }
    let user_tag = user_tag(spec);
    let mut ids = prior.endpoint_ids.clone();
    let mut arns = prior.endpoint_arns.clone();
    for (name, id) in ids.clone() {
        if spec.endpoints.get(&name) != prior.endpoints.get(&name)
            || !spec.endpoints.contains_key(&name)
        {
            release_endpoint(aws, &notebooks, &id, &user_tag, timeout).await?;
            ids.remove(&name);
            arns.remove(&name);
        }
    }
    let mut result = Ok(());
    for (name, wanted) in &spec.endpoints {
        if ids.contains_key(name) {
            continue;
        }
        let path = spec
            .endpoint_paths
            .get(name)
            .cloned()
            .unwrap_or_else(|| AttributePath::new("managed_endpoints"));
        let endpoint = notebooks
            .endpoint(
                name,
                wanted.release_label.as_deref(),
                wanted.execution_role.as_deref(),
                wanted.configuration_overrides.as_deref(),
            )
            .map_err(|why| Error::config(path.clone(), why))?;
        match ensure_endpoint(aws, &notebooks, &endpoint, path, &user_tag, timeout).await {
            Ok((id, arn)) => {
                ids.insert(name.clone(), id);
                arns.insert(name.clone(), arn);
            }
            Err(err) => {
                // Keep what exists so destroy removes it; report the failure.
                let any = endpoints::find_endpoint_by_name(
                    aws,
                    &notebooks.virtual_cluster_id,
                    name,
                    |state| !endpoints::is_terminated(state),
                )
                .await;
                if let Ok(Some((id, arn))) = any {
                    ids.insert(name.clone(), id);
                    arns.insert(name.clone(), arn);
                }
                result = Err(err);
                break;
            }
        }
    }
    let all_arns: Vec<String> = arns.values().cloned().collect();
    *built = Built {
        endpoint_ids: ids,
        endpoint_arns: arns,
        studio_login_url: notebooks.studio_url.clone(),
        learned: true,
    };
    result?;
    grant(aws, &notebooks, spec, &all_arns, private).await?;
    let key = settings_key(spec);
    let saved = serde_json::to_vec(&spec.saved_endpoints)
        .map_err(|e| Error::aws_message("s3:PutObject", &key, e.to_string()))?;
    object::put_object(aws, &notebooks.bucket, &key, &saved, "application/json").await
}

/// Releases the user's endpoints, removes the saved endpoints and the access.
pub async fn destroy(
    aws: &Aws,
    prior: &Recorded,
    spec: &NotebookUserSpec,
    private: &mut NotebookUserPrivate,
) -> Result<()> {
    // A platform that is gone took the endpoints with it; any other failure
    // to find it must stop the destroy, or endpoints would leak.
    let notebooks = match Notebooks::of(aws, &spec.platform_id).await {
        Ok(notebooks) => Some(notebooks),
        Err(_)
            if crate::aws::eks::cluster::find_cluster(aws, &spec.platform_id)
                .await?
                .is_none() =>
        {
            None
        }
        Err(err) => return Err(err),
    };
    let user_tag = user_tag(spec);
    if let Some(notebooks) = &notebooks {
        for id in prior.endpoint_ids.values() {
            release_endpoint(aws, notebooks, id, &user_tag, spec.timeouts.delete).await?;
        }
        object::delete_object(aws, &notebooks.bucket, &settings_key(spec)).await?;
    }
    if let Some(notebooks) = &notebooks {
        if private.iam_kind.is_none() && private.session_policy_arn.is_none() {
            discover_access(aws, notebooks, spec, private).await?;
        }
    }
    let studio_id = notebooks.as_ref().map(|n| n.studio_id.clone());
    revoke(aws, &spec.platform_id, studio_id.as_deref(), spec, private).await
}
