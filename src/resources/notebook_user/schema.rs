//! `emreks_notebook_user` as Terraform sees it: the schema, the state it
//! exchanges with Terraform, the private state, and the typed spec of the
//! user's endpoints.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::platform::studio::IdentityType;
use crate::plugin::schema::{
    block, computed, map_of_strings, nested, optional, optional_computed, required, string,
    Attribute, Constraint, Nesting, Schema,
};
use crate::plugin::{AttributePath, Value};
use crate::resources::timeouts::{self, Durations, Timeouts};
use crate::resources::values::{known, string_map, StringMap};

/// How long each operation may take unless the `timeouts` block says.
pub const DEFAULT_TIMEOUTS: Durations = Durations {
    create: Duration::from_secs(45 * 60),
    update: Duration::from_secs(45 * 60),
    delete: Duration::from_secs(30 * 60),
};

/// Arguments whose change means a new notebook user.
pub const FORCES_REPLACEMENT: [&str; 3] = ["platform_id", "identity_name", "identity_type"];

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

pub fn schema() -> Schema {
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

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct NotebookUserState {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub platform_id: Value<String>,
    #[serde(default)]
    pub identity_name: Value<String>,
    #[serde(default)]
    pub identity_type: Value<String>,
    #[serde(default)]
    pub managed_endpoints: Value<Vec<Value<EndpointState>>>,
    #[serde(default)]
    pub managed_endpoint_ids: StringMap,
    #[serde(default)]
    pub managed_endpoint_arns: StringMap,
    #[serde(default)]
    pub studio_login_url: Value<String>,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub timeouts: Value<Timeouts>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct EndpointState {
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub release_label: Value<String>,
    #[serde(default)]
    pub execution_role: Value<String>,
    #[serde(default)]
    pub configuration_overrides: Value<String>,
}

/// Where the user's access lives, for update and destroy.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct NotebookUserPrivate {
    /// `user` or `role`: the IAM identity holding the inline policy (IAM mode).
    #[serde(default)]
    pub iam_kind: Option<String>,
    /// The session policy of the Studio session mapping (SSO mode).
    #[serde(default)]
    pub session_policy_arn: Option<String>,
}

/// The notebook user as the configuration asks for it, decoded at apply.
#[derive(Clone, Debug, PartialEq)]
pub struct NotebookUserSpec {
    pub platform_id: String,
    pub identity_name: String,
    pub identity_type: IdentityType,
    pub endpoints: BTreeMap<String, Configured>,
    /// Where each endpoint stands in `managed_endpoints`, for its errors.
    pub endpoint_paths: BTreeMap<String, AttributePath>,
    /// `managed_endpoints` as written, kept beside the platform for import.
    pub saved_endpoints: serde_json::Value,
    pub timeouts: Durations,
}

impl NotebookUserSpec {
    pub fn decode(state: &NotebookUserState) -> Result<NotebookUserSpec> {
        let identity_type = IdentityType::parse(known(&state.identity_type).unwrap_or("USER"))
            .map_err(|why| Error::config(AttributePath::new("identity_type"), why))?;
        Ok(NotebookUserSpec {
            platform_id: known(&state.platform_id).unwrap_or_default().to_string(),
            identity_name: known(&state.identity_name).unwrap_or_default().to_string(),
            identity_type,
            endpoints: configured(state),
            endpoint_paths: configured(state)
                .into_keys()
                .map(|name| {
                    let path = endpoint_path(state, &name);
                    (name, path)
                })
                .collect(),
            saved_endpoints: serde_json::json!({ "managed_endpoints": state.managed_endpoints }),
            timeouts: Durations::of(&state.timeouts, DEFAULT_TIMEOUTS),
        })
    }
}

/// What the state records of a notebook user's endpoints: those it
/// configured, and the ids and ARNs they were made with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recorded {
    pub endpoints: BTreeMap<String, Configured>,
    pub endpoint_ids: BTreeMap<String, String>,
    pub endpoint_arns: BTreeMap<String, String>,
}

impl Recorded {
    pub fn decode(state: &NotebookUserState) -> Recorded {
        Recorded {
            endpoints: configured(state),
            endpoint_ids: string_map(&state.managed_endpoint_ids),
            endpoint_arns: string_map(&state.managed_endpoint_arns),
        }
    }
}

/// The position of an endpoint in `managed_endpoints`, for its errors.
fn endpoint_path(state: &NotebookUserState, name: &str) -> AttributePath {
    let index = state
        .managed_endpoints
        .iter()
        .flatten()
        .position(|e| e.as_ref_option().and_then(|e| known(&e.name)) == Some(name));
    match index {
        Some(index) => AttributePath::new("managed_endpoints").index(index as i64),
        None => AttributePath::new("managed_endpoints"),
    }
}

/// An endpoint as configured: release label, execution role, overrides
/// (`None` where the platform's defaults apply).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Configured {
    pub release_label: Option<String>,
    pub execution_role: Option<String>,
    pub configuration_overrides: Option<String>,
}

/// Endpoint name → what the configuration says of it.
pub fn configured(state: &NotebookUserState) -> BTreeMap<String, Configured> {
    state
        .managed_endpoints
        .iter()
        .flatten()
        .filter_map(|e| {
            let e = e.as_ref_option()?;
            Some((
                known(&e.name)?.to_string(),
                Configured {
                    release_label: known(&e.release_label).map(str::to_string),
                    execution_role: known(&e.execution_role).map(str::to_string),
                    configuration_overrides: known(&e.configuration_overrides).map(str::to_string),
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(name: &str) -> Value<EndpointState> {
        Value::Value(EndpointState {
            name: Value::Value(name.into()),
            execution_role: Value::Value("notebooks".into()),
            ..Default::default()
        })
    }

    #[test]
    fn each_endpoint_keeps_its_place_for_errors() {
        let state = NotebookUserState {
            platform_id: Value::Value("analytics".into()),
            identity_name: Value::Value("analyst".into()),
            managed_endpoints: Value::Value(vec![endpoint("b"), endpoint("a")]),
            ..Default::default()
        };
        let spec = NotebookUserSpec::decode(&state).unwrap();
        assert_eq!(spec.identity_type, IdentityType::User);
        assert_eq!(spec.endpoint_paths["a"].to_string(), "managed_endpoints[1]");
        assert_eq!(
            spec.endpoints["b"].execution_role.as_deref(),
            Some("notebooks")
        );
        let robot = NotebookUserState {
            identity_type: Value::Value("ROBOT".into()),
            ..state
        };
        assert!(matches!(
            NotebookUserSpec::decode(&robot),
            Err(Error::Config { .. })
        ));
    }
}
