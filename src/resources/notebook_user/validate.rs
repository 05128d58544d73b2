//! Checks of `emreks_notebook_user`'s configuration: those that need no
//! AWS call, and at plan time, once the platform exists, those against it.

use serde_json::Value as Json;

use super::notebooks::Notebooks;
use super::schema::NotebookUserState;
use crate::aws::emrcontainers::managed_endpoint::overrides_from_json;
use crate::aws::Aws;
use crate::platform::studio::{AuthMode, IdentityType};
use crate::platform::validate;
use crate::plugin::{AttributePath, Diagnostics, Value};
use crate::resources::values::known;

/// Checks that need no AWS call; unknown values wait for apply.
pub fn validate(diags: &mut Diagnostics, config: &NotebookUserState) {
    if let Some(kind) = known(&config.identity_type) {
        if let Err(why) = IdentityType::parse(kind) {
            diags.error(
                "Invalid identity_type",
                why,
                AttributePath::new("identity_type"),
            );
        }
    }
    if let (Some(platform), Some(name)) = (known(&config.platform_id), known(&config.identity_name))
    {
        let kind = match &config.identity_type {
            Value::Value(kind) => Some(kind.as_str()),
            Value::Null => Some("USER"),
            Value::Unknown => None,
        };
        if let Some(Err(why)) =
            kind.map(|kind| validate::notebook_identity_names(platform, kind, name))
        {
            diags.error(
                "Invalid identity_name",
                why,
                AttributePath::new("identity_name"),
            );
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for (index, endpoint) in config.managed_endpoints.iter().flatten().enumerate() {
        let Value::Value(endpoint) = endpoint else {
            continue;
        };
        let path = || AttributePath::new("managed_endpoints").index(index as i64);
        if let Some(name) = known(&endpoint.name) {
            if let Err(why) = validate::managed_endpoint_name(name) {
                diags.error("Invalid endpoint name", why, path().attribute("name"));
            }
            if !names.insert(name.to_string()) {
                diags.error(
                    "Duplicate endpoint",
                    format!("Endpoint \"{name}\" is listed twice."),
                    path().attribute("name"),
                );
            }
        }
        if let Some(label) = known(&endpoint.release_label) {
            if let Err(why) = validate::release_label(label) {
                diags.error(
                    "Invalid release_label",
                    why,
                    path().attribute("release_label"),
                );
            }
        }
        if let Some(text) = known(&endpoint.configuration_overrides) {
            let parsed: Result<Json, String> =
                serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"));
            if let Err(why) = parsed.and_then(|json| overrides_from_json(&json).map(drop)) {
                diags.error("Invalid configuration_overrides", format!("{why}. Give a JSON object as `aws emr-containers create-managed-endpoint --configuration-overrides` takes it."), path().attribute("configuration_overrides"));
            }
        }
    }
}

/// At plan time, when the platform exists: the checks that need it.
pub async fn check_with_aws(aws: &Aws, diags: &mut Diagnostics, planned: &NotebookUserState) {
    let Some(platform_id) = known(&planned.platform_id) else {
        return;
    };
    let Ok(notebooks) = Notebooks::of(aws, platform_id).await else {
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

#[cfg(test)]
mod tests {
    use super::super::schema::EndpointState;
    use super::*;

    #[test]
    fn validation_names_attributes() {
        let state = NotebookUserState {
            identity_type: Value::Value("ROBOT".into()),
            managed_endpoints: Value::Value(vec![Value::Value(EndpointState {
                name: Value::Value("x".repeat(65)),
                release_label: Value::Value("seven".into()),
                execution_role: Value::Null,
                configuration_overrides: Value::Value("{not json".into()),
            })]),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate(&mut diags, &state);
        let found = format!("{:?}", diags.errors().collect::<Vec<_>>());
        for attribute in [
            "identity_type",
            "name",
            "release_label",
            "configuration_overrides",
        ] {
            assert!(found.contains(attribute), "{attribute}: {found}");
        }
    }

    #[test]
    fn an_identity_too_long_for_its_names_is_refused_on_identity_name() {
        let state = NotebookUserState {
            platform_id: Value::Value("p".repeat(100)),
            identity_name: Value::Value("Data Engineering Europe".into()),
            identity_type: Value::Value("GROUP".into()),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        validate(&mut diags, &state);
        let found = format!("{:?}", diags.errors().collect::<Vec<_>>());
        assert!(found.contains("identity_name"), "{found}");
        assert!(found.contains("session policy"), "{found}");
    }
}
