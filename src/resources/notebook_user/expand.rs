//! Pure parts of `emreks_notebook_user`: endpoint specs with the platform's
//! defaults, configuration overrides from JSON, the user's IAM policy, and
//! the checks that need no AWS call.

use std::collections::BTreeMap;

use crate::plugin::Value;
use crate::plugin::{AttributePath, Diagnostics};
use aws_sdk_emrcontainers::types::{
    CloudWatchMonitoringConfiguration, Configuration, ConfigurationOverrides,
    MonitoringConfiguration, PersistentAppUi, S3MonitoringConfiguration,
};
use serde_json::Value as Json;

use super::state::NotebookUserState;
use crate::platform::studio::IDENTITY_TYPES;
use crate::platform::validate;
use crate::resources::values::known;

/// One endpoint as it will be made.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSpec {
    pub name: String,
    pub release_label: String,
    pub execution_role: String,
    pub overrides: Json,
}

fn configuration(value: &Json) -> Result<Configuration, String> {
    let classification = value
        .get("classification")
        .and_then(Json::as_str)
        .ok_or("each applicationConfiguration entry needs a \"classification\"")?;
    let properties = match value.get("properties") {
        None | Some(Json::Null) => None,
        Some(Json::Object(map)) => Some(
            map.iter()
                .map(|(k, v)| match v {
                    Json::String(s) => Ok((k.clone(), s.clone())),
                    other => Ok((k.clone(), other.to_string())),
                })
                .collect::<Result<std::collections::HashMap<_, _>, String>>()?,
        ),
        Some(_) => {
            return Err(format!(
                "\"properties\" of \"{classification}\" must be an object"
            ))
        }
    };
    let nested = match value.get("configurations") {
        None | Some(Json::Null) => None,
        Some(Json::Array(items)) => Some(
            items
                .iter()
                .map(configuration)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("\"configurations\" must be a list".into()),
    };
    Configuration::builder()
        .classification(classification)
        .set_properties(properties)
        .set_configurations(nested)
        .build()
        .map_err(|e| e.to_string())
}

/// The API's `configurationOverrides` from the JSON users write (the same
/// shape `aws emr-containers create-managed-endpoint` takes).
pub fn overrides_from_json(value: &Json) -> Result<ConfigurationOverrides, String> {
    let object = value
        .as_object()
        .ok_or("configuration_overrides must be a JSON object")?;
    for key in object.keys() {
        if key != "applicationConfiguration" && key != "monitoringConfiguration" {
            return Err(format!("\"{key}\" is not a member of configurationOverrides; use applicationConfiguration and monitoringConfiguration"));
        }
    }
    let applications = match object.get("applicationConfiguration") {
        None | Some(Json::Null) => None,
        Some(Json::Array(items)) => Some(
            items
                .iter()
                .map(configuration)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => return Err("\"applicationConfiguration\" must be a list".into()),
    };
    let monitoring = match object.get("monitoringConfiguration") {
        None | Some(Json::Null) => None,
        Some(m) => {
            let text = |v: Option<&Json>| v.and_then(Json::as_str).map(str::to_string);
            let cloudwatch = match m.get("cloudWatchMonitoringConfiguration") {
                Some(c) => Some(
                    CloudWatchMonitoringConfiguration::builder()
                        .set_log_group_name(text(c.get("logGroupName")))
                        .set_log_stream_name_prefix(text(c.get("logStreamNamePrefix")))
                        .build()
                        .map_err(|e| e.to_string())?,
                ),
                None => None,
            };
            let s3 = match m.get("s3MonitoringConfiguration") {
                Some(c) => Some(
                    S3MonitoringConfiguration::builder()
                        .set_log_uri(text(c.get("logUri")))
                        .build()
                        .map_err(|e| e.to_string())?,
                ),
                None => None,
            };
            Some(
                MonitoringConfiguration::builder()
                    .set_persistent_app_ui(
                        text(m.get("persistentAppUI")).map(|v| PersistentAppUi::from(v.as_str())),
                    )
                    .set_cloud_watch_monitoring_configuration(cloudwatch)
                    .set_s3_monitoring_configuration(s3)
                    .build(),
            )
        }
    };
    Ok(ConfigurationOverrides::builder()
        .set_application_configuration(applications)
        .set_monitoring_configuration(monitoring)
        .build())
}

/// Checks that need no AWS call; unknown values wait for apply.
pub fn validate(diags: &mut Diagnostics, config: &NotebookUserState) {
    if let Some(kind) = known(&config.identity_type) {
        if !IDENTITY_TYPES.contains(&kind) {
            diags.error(
                "Invalid identity_type",
                format!("\"{kind}\" is not an identity type; use \"USER\" or \"GROUP\"."),
                AttributePath::new("identity_type"),
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

/// An endpoint as configured: release label, execution role, overrides
/// (`None` where the platform's defaults apply).
pub type Configured = (Option<String>, Option<String>, Option<String>);

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
                (
                    known(&e.release_label).map(str::to_string),
                    known(&e.execution_role).map(str::to_string),
                    known(&e.configuration_overrides).map(str::to_string),
                ),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overrides_convert_from_the_cli_json() {
        let json: Json = serde_json::from_str(r#"{
            "applicationConfiguration": [{"classification": "spark-defaults", "properties": {"spark.executor.cores": "4"}}],
            "monitoringConfiguration": {"persistentAppUI": "ENABLED", "cloudWatchMonitoringConfiguration": {"logGroupName": "/g"}}
        }"#).unwrap();
        let overrides = overrides_from_json(&json).unwrap();
        assert_eq!(
            overrides.application_configuration()[0].classification(),
            "spark-defaults"
        );
        let monitoring = overrides.monitoring_configuration().unwrap();
        assert_eq!(
            monitoring
                .cloud_watch_monitoring_configuration()
                .unwrap()
                .log_group_name(),
            "/g"
        );
    }

    #[test]
    fn malformed_overrides_are_refused() {
        assert!(overrides_from_json(&json!([])).is_err());
        assert!(
            overrides_from_json(&json!({"applicationConfiguration": [{"properties": {}}]}))
                .is_err()
        );
        assert!(overrides_from_json(&json!({"sparkSubmit": {}})).is_err());
    }

    #[test]
    fn validation_names_attributes() {
        let state = NotebookUserState {
            identity_type: Value::Value("ROBOT".into()),
            managed_endpoints: Value::Value(vec![Value::Value(
                super::super::state::EndpointState {
                    name: Value::Value("x".repeat(65)),
                    release_label: Value::Value("seven".into()),
                    execution_role: Value::Null,
                    configuration_overrides: Value::Value("{not json".into()),
                },
            )]),
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
}
