//! Managed endpoints (Jupyter Enterprise Gateways for notebooks) on a
//! virtual cluster: find by name, create, describe, wait until active, tag
//! for the users who need one, delete and wait until terminated; and the
//! API's configuration overrides from the JSON users write.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_emrcontainers::types::{
    CloudWatchMonitoringConfiguration, Configuration, ConfigurationOverrides, Endpoint,
    EndpointState, MonitoringConfiguration, PersistentAppUi, S3MonitoringConfiguration,
};
use serde_json::Value as Json;

use crate::aws::tags::hash_map;
use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::Aws;
use crate::error::{AwsContext, NotFound, Result};

pub fn endpoint_resource(name: &str) -> String {
    format!("managed endpoint \"{name}\"")
}

/// Whether an endpoint in that state is live or on its way (ACTIVE, CREATING).
pub fn is_live(state: Option<&EndpointState>) -> bool {
    matches!(state, Some(EndpointState::Active | EndpointState::Creating))
}

/// Whether an endpoint in that state is gone or going.
pub fn is_terminated(state: Option<&EndpointState>) -> bool {
    matches!(
        state,
        Some(EndpointState::Terminated | EndpointState::TerminatedWithErrors)
    )
}

/// The first endpoint of that name on the virtual cluster whose state
/// `wanted` accepts: (id, ARN).
pub async fn find_endpoint_by_name(
    aws: &Aws,
    virtual_cluster: &str,
    name: &str,
    wanted: impl Fn(Option<&EndpointState>) -> bool,
) -> Result<Option<(String, String)>> {
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

/// Every endpoint of that name on the virtual cluster, in any state
/// (terminated ones included, while EMR still lists them), by id.
pub async fn endpoints_named(
    aws: &Aws,
    virtual_cluster: &str,
    name: &str,
) -> Result<Vec<Endpoint>> {
    let endpoints = aws
        .emrcontainers
        .list_managed_endpoints()
        .virtual_cluster_id(virtual_cluster)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .context(
            "emr-containers:ListManagedEndpoints",
            endpoint_resource(name),
        )?;
    let mut named: Vec<Endpoint> = endpoints
        .into_iter()
        .filter(|e| e.name() == Some(name))
        .collect();
    named.sort_by(|a, b| a.id().cmp(&b.id()));
    Ok(named)
}

/// Every endpoint on the virtual cluster not yet terminated: (id, name).
pub async fn list_running_endpoints(
    aws: &Aws,
    virtual_cluster: &str,
) -> Result<Vec<(String, String)>> {
    let endpoints = aws
        .emrcontainers
        .list_managed_endpoints()
        .virtual_cluster_id(virtual_cluster)
        .into_paginator()
        .items()
        .send()
        .collect::<std::result::Result<Vec<_>, _>>()
        .await
        .context(
            "emr-containers:ListManagedEndpoints",
            format!("virtual cluster {virtual_cluster}"),
        )?;
    Ok(endpoints
        .into_iter()
        .filter(|e| !is_terminated(e.state()))
        .filter_map(|e| Some((e.id?, e.name.unwrap_or_default())))
        .collect())
}

/// The endpoint as EMR describes it; `None` when EMR no longer knows it.
pub async fn find_endpoint(
    aws: &Aws,
    virtual_cluster: &str,
    id: &str,
    resource: &str,
) -> Result<Option<Endpoint>> {
    let out = aws
        .emrcontainers
        .describe_managed_endpoint()
        .id(id)
        .virtual_cluster_id(virtual_cluster)
        .send()
        .await
        .context("emr-containers:DescribeManagedEndpoint", resource)
        .found()?;
    Ok(out.and_then(|o| o.endpoint))
}

pub struct EndpointRequest<'a> {
    pub name: &'a str,
    pub virtual_cluster: &'a str,
    pub release_label: &'a str,
    pub execution_role_arn: &'a str,
    pub overrides: ConfigurationOverrides,
    pub tags: &'a BTreeMap<String, String>,
    pub client_token: &'a str,
}

/// Creates a Jupyter Enterprise Gateway endpoint: (id, ARN).
pub async fn create_endpoint(aws: &Aws, request: EndpointRequest<'_>) -> Result<(String, String)> {
    let out = aws
        .emrcontainers
        .create_managed_endpoint()
        .name(request.name)
        .virtual_cluster_id(request.virtual_cluster)
        .r#type("JUPYTER_ENTERPRISE_GATEWAY")
        .release_label(request.release_label)
        .execution_role_arn(request.execution_role_arn)
        .configuration_overrides(request.overrides)
        .client_token(request.client_token)
        .set_tags(Some(hash_map(request.tags)))
        .send()
        .await
        .context(
            "emr-containers:CreateManagedEndpoint",
            endpoint_resource(request.name),
        )?;
    Ok((out.id.unwrap_or_default(), out.arn.unwrap_or_default()))
}

/// Waits for ACTIVE; a FAILED endpoint is reported with AWS's own reasons.
/// Returns the endpoint's security group.
pub async fn wait_endpoint_active(
    aws: &Aws,
    virtual_cluster: &str,
    id: &str,
    name: &str,
    timeout: Duration,
) -> Result<Option<String>> {
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
                Some(EndpointState::Active) => {
                    Poll::Ready(endpoint.security_group().map(str::to_string))
                }
                Some(
                    EndpointState::TerminatedWithErrors
                    | EndpointState::Terminated
                    | EndpointState::Terminating,
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

pub async fn tag_endpoint(
    aws: &Aws,
    arn: &str,
    key: &str,
    value: &str,
    resource: &str,
) -> Result<()> {
    aws.emrcontainers
        .tag_resource()
        .resource_arn(arn)
        .tags(key, value)
        .send()
        .await
        .context("emr-containers:TagResource", resource)
        .map(drop)
}

pub async fn untag_endpoint(aws: &Aws, arn: &str, key: &str, resource: &str) -> Result<()> {
    aws.emrcontainers
        .untag_resource()
        .resource_arn(arn)
        .tag_keys(key)
        .send()
        .await
        .context("emr-containers:UntagResource", resource)
        .map(drop)
}

/// Deletes the endpoint and waits until EMR reports it terminated; one
/// already gone is deleted.
pub async fn delete_endpoint(
    aws: &Aws,
    virtual_cluster: &str,
    id: &str,
    resource: &str,
    timeout: Duration,
) -> Result<()> {
    aws.emrcontainers
        .delete_managed_endpoint()
        .id(id)
        .virtual_cluster_id(virtual_cluster)
        .send()
        .await
        .context("emr-containers:DeleteManagedEndpoint", resource)
        .ignore_not_found()?;
    wait::until(
        "emr-containers:DescribeManagedEndpoint",
        resource,
        timeout,
        Backoff::SLOW,
        || async {
            let endpoint = find_endpoint(aws, virtual_cluster, id, resource).await?;
            Ok(match endpoint.and_then(|e| e.state().cloned()) {
                None | Some(EndpointState::Terminated | EndpointState::TerminatedWithErrors) => {
                    Poll::Ready(())
                }
                Some(state) => Poll::Pending(state.as_str().to_string()),
            })
        },
    )
    .await
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
}
