//! Refreshing `emreks_notebook_user` (endpoints that are gone drop out of
//! the maps), and importing one by `<platform id>:<USER|GROUP>:<identity
//! name>`, its endpoints from what the provider saved beside the platform's
//! pod templates.

use std::collections::BTreeMap;

use aws_sdk_emrcontainers::types::EndpointState;

use super::apply::settings_key;
use super::flatten;
use super::notebooks::Notebooks;
use super::schema::{configured, NotebookUserSpec, NotebookUserState};
use crate::aws::emrcontainers::managed_endpoint::{self as endpoints, endpoint_resource};
use crate::aws::s3::object;
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::naming;
use crate::plugin::Value;
use crate::resources::values::{known, string_map};

/// Reads the user's endpoints back. A platform that cannot be read leaves
/// the state as it is.
pub async fn refresh(aws: &Aws, state: &mut NotebookUserState) -> Result<()> {
    let platform_id = known(&state.platform_id).unwrap_or_default().to_string();
    let Ok(notebooks) = Notebooks::of(aws, &platform_id).await else {
        return Ok(());
    };
    let mut ids = string_map(&state.managed_endpoint_ids);
    let mut arns = string_map(&state.managed_endpoint_arns);
    for (name, id) in ids.clone() {
        let endpoint = endpoints::find_endpoint(
            aws,
            &notebooks.virtual_cluster_id,
            &id,
            &endpoint_resource(&name),
        )
        .await?;
        // A FAILED endpoint still exists and is kept for destroy to remove.
        let gone = endpoint
            .and_then(|e| e.state().cloned())
            .is_none_or(|s| endpoints::is_terminated(Some(&s)) || s == EndpointState::Terminating);
        if gone {
            ids.remove(&name);
            arns.remove(&name);
        }
    }
    flatten::endpoints(state, &ids, &arns, notebooks.studio_url.clone());
    Ok(())
}

pub async fn import(aws: &Aws, id: &str) -> Result<NotebookUserState> {
    let Some((platform_id, kind, name)) = naming::parse_notebook_user_id(id) else {
        return Err(Error::import_refused(
            format!("\"{id}\""),
            "the id is <platform id>:<USER|GROUP>:<identity name>, e.g. analytics:USER:analyst",
        ));
    };
    let notebooks = Notebooks::of(aws, platform_id).await?;
    let mut state = NotebookUserState {
        id: Value::Value(id.to_string()),
        platform_id: Value::Value(platform_id.to_string()),
        identity_type: Value::Value(kind.to_string()),
        identity_name: Value::Value(name.to_string()),
        ..Default::default()
    };
    let key = settings_key(&NotebookUserSpec::decode(&state)?);
    let bytes = object::get_object(aws, &notebooks.bucket, &key)
        .await?
        .ok_or_else(|| {
            Error::aws_message(
                "s3:GetObject",
                &key,
                "NoSuchKey: no endpoints were saved for this notebook user",
            )
        })?;
    let saved: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::aws_message("s3:GetObject", &key, e.to_string()))?;
    state.managed_endpoints =
        serde_json::from_value(saved["managed_endpoints"].clone()).unwrap_or_default();
    let (mut ids, mut arns) = (BTreeMap::new(), BTreeMap::new());
    for endpoint in configured(&state).keys() {
        let live = endpoints::find_endpoint_by_name(
            aws,
            &notebooks.virtual_cluster_id,
            endpoint,
            endpoints::is_live,
        )
        .await?;
        if let Some((endpoint_id, arn)) = live {
            ids.insert(endpoint.clone(), endpoint_id);
            arns.insert(endpoint.clone(), arn);
        }
    }
    flatten::endpoints(&mut state, &ids, &arns, notebooks.studio_url.clone());
    Ok(state)
}
