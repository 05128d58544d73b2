//! EMR on EKS job runs: start one from a `start-job-run` request (the JSON
//! `aws emr-containers start-job-run --cli-input-json` takes) and read
//! where it is.

use std::collections::HashMap;

use aws_sdk_emrcontainers::types::{
    CloudWatchMonitoringConfiguration, Configuration, ConfigurationOverrides, JobDriver,
    MonitoringConfiguration, PersistentAppUi, SparkSubmitJobDriver,
};
use serde_json::Value;

use crate::aws::Aws;
use crate::error::{AwsContext, Error, Result};

const START: &str = "emr-containers:StartJobRun";

/// A started run: its id and virtual cluster.
pub struct StartedRun {
    pub id: String,
    pub virtual_cluster_id: String,
}

/// Where a run is: EMR's state, and its details and failure reason once it
/// has them.
pub struct RunStatus {
    pub state: String,
    pub state_details: Option<String>,
    pub failure_reason: Option<String>,
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    value.and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    })
}

fn overrides(request: &Value) -> Option<ConfigurationOverrides> {
    let overrides = request.get("configurationOverrides")?;
    let configurations = overrides
        .get("applicationConfiguration")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    let properties: HashMap<String, String> = item
                        .get("properties")
                        .and_then(Value::as_object)
                        .map(|p| {
                            p.iter()
                                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                                .collect()
                        })
                        .unwrap_or_default();
                    Configuration::builder()
                        .classification(item.get("classification")?.as_str()?)
                        .set_properties(Some(properties))
                        .build()
                        .ok()
                })
                .collect::<Vec<_>>()
        });
    let monitoring = overrides.get("monitoringConfiguration").map(|m| {
        let logs = m.get("cloudWatchMonitoringConfiguration").and_then(|c| {
            CloudWatchMonitoringConfiguration::builder()
                .log_group_name(c.get("logGroupName")?.as_str()?)
                .set_log_stream_name_prefix(text(c, "/logStreamNamePrefix").map(str::to_string))
                .build()
                .ok()
        });
        MonitoringConfiguration::builder()
            .set_persistent_app_ui(text(m, "/persistentAppUI").map(PersistentAppUi::from))
            .set_cloud_watch_monitoring_configuration(logs)
            .build()
    });
    Some(
        ConfigurationOverrides::builder()
            .set_application_configuration(configurations)
            .set_monitoring_configuration(monitoring)
            .build(),
    )
}

/// Starts the run `request` describes; `client_token` makes a retried
/// start the same run.
pub async fn start_job_run(aws: &Aws, request: &Value, client_token: &str) -> Result<StartedRun> {
    let name = text(request, "/name").unwrap_or_default();
    let resource = format!("job run {name:?}");
    let missing =
        |what: &str| Error::aws_message(START, &resource, format!("the job request has no {what}"));
    let cluster = text(request, "/virtualClusterId").ok_or_else(|| missing("virtualClusterId"))?;
    let driver = request
        .pointer("/jobDriver/sparkSubmitJobDriver")
        .ok_or_else(|| missing("jobDriver.sparkSubmitJobDriver"))?;
    let submit = SparkSubmitJobDriver::builder()
        .entry_point(text(driver, "/entryPoint").ok_or_else(|| missing("entryPoint"))?)
        .set_entry_point_arguments(strings(driver.get("entryPointArguments")))
        .set_spark_submit_parameters(text(driver, "/sparkSubmitParameters").map(str::to_string))
        .build()
        .map_err(|e| Error::aws_message(START, &resource, e.to_string()))?;
    let out = aws
        .emrcontainers
        .start_job_run()
        .name(name)
        .virtual_cluster_id(cluster)
        .client_token(client_token)
        .set_execution_role_arn(text(request, "/executionRoleArn").map(str::to_string))
        .set_release_label(text(request, "/releaseLabel").map(str::to_string))
        .job_driver(JobDriver::builder().spark_submit_job_driver(submit).build())
        .set_configuration_overrides(overrides(request))
        .send()
        .await
        .context(START, &resource)?;
    Ok(StartedRun {
        id: out.id.ok_or_else(|| missing("id in the response"))?,
        virtual_cluster_id: out
            .virtual_cluster_id
            .unwrap_or_else(|| cluster.to_string()),
    })
}

pub async fn job_run_status(aws: &Aws, virtual_cluster: &str, id: &str) -> Result<RunStatus> {
    let resource = format!("job run {id} on virtual cluster {virtual_cluster}");
    let out = aws
        .emrcontainers
        .describe_job_run()
        .virtual_cluster_id(virtual_cluster)
        .id(id)
        .send()
        .await
        .context("emr-containers:DescribeJobRun", &resource)?;
    let run = out.job_run.ok_or_else(|| {
        Error::aws_message(
            "emr-containers:DescribeJobRun",
            &resource,
            "no job run in the response",
        )
    })?;
    Ok(RunStatus {
        state: run
            .state
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        state_details: run.state_details,
        failure_reason: run.failure_reason.map(|r| r.as_str().to_string()),
    })
}
