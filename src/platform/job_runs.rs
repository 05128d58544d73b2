//! One job run from a profile's ready-made `start-job-run` request: the
//! request with the run's own entry point, arguments, spark-submit
//! parameters, extra Spark properties and name; and what EMR's job run
//! states mean for whoever waits on them.

use std::collections::BTreeMap;

use serde_json::{json, Value};

/// What one run changes of the profile's request; `None` keeps the request's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunOverrides {
    pub name: Option<String>,
    pub entry_point: Option<String>,
    pub entry_point_arguments: Option<Vec<String>>,
    pub spark_submit_parameters: Option<String>,
    /// Added to the request's spark-defaults; they win over the profile's.
    pub spark_properties: BTreeMap<String, String>,
}

/// The request for one run: the ready request (JSON, as the platform
/// exports it) with the overrides applied.
pub fn run_request(ready: &str, overrides: &RunOverrides) -> Result<Value, String> {
    let mut request: Value = serde_json::from_str(ready)
        .map_err(|e| format!("the profile's job request is not JSON: {e}"))?;
    if let Some(name) = &overrides.name {
        request["name"] = json!(name);
    }
    let submit = request
        .pointer_mut("/jobDriver/sparkSubmitJobDriver")
        .and_then(Value::as_object_mut)
        .ok_or("the profile's job request has no jobDriver.sparkSubmitJobDriver")?;
    if let Some(entry_point) = &overrides.entry_point {
        submit.insert("entryPoint".into(), json!(entry_point));
    }
    if let Some(arguments) = &overrides.entry_point_arguments {
        submit.insert("entryPointArguments".into(), json!(arguments));
    }
    if let Some(parameters) = &overrides.spark_submit_parameters {
        submit.insert("sparkSubmitParameters".into(), json!(parameters));
    }
    if !overrides.spark_properties.is_empty() {
        let configurations = request
            .pointer_mut("/configurationOverrides/applicationConfiguration")
            .and_then(Value::as_array_mut)
            .ok_or("the profile's job request has no applicationConfiguration")?;
        let defaults = configurations
            .iter_mut()
            .find(|c| c["classification"] == "spark-defaults")
            .and_then(|c| c["properties"].as_object_mut())
            .ok_or("the profile's job request has no spark-defaults")?;
        for (key, value) in &overrides.spark_properties {
            defaults.insert(key.clone(), json!(value));
        }
    }
    Ok(request)
}

/// Where a job run is, as EMR on EKS reports its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunPhase {
    /// PENDING, SUBMITTED, RUNNING: keep waiting.
    Going,
    Completed,
    /// FAILED, CANCELLED, CANCEL_PENDING: it will not complete.
    Failed,
}

pub fn run_phase(state: &str) -> RunPhase {
    match state {
        "COMPLETED" => RunPhase::Completed,
        "FAILED" | "CANCELLED" | "CANCEL_PENDING" => RunPhase::Failed,
        _ => RunPhase::Going,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READY: &str = r#"{
        "name": "analytics-critical",
        "virtualClusterId": "vc-1",
        "jobDriver": {"sparkSubmitJobDriver": {"entryPoint": "local:///pi.py"}},
        "configurationOverrides": {"applicationConfiguration": [
            {"classification": "spark-defaults", "properties": {"spark.executor.memory": "20800m"}}
        ]}
    }"#;

    #[test]
    fn no_overrides_keep_the_request() {
        let request = run_request(READY, &RunOverrides::default());
        let ready: Value = serde_json::from_str(READY).unwrap_or_default();
        assert_eq!(request, Ok(ready));
    }

    #[test]
    fn overrides_change_the_driver_name_and_properties() {
        let overrides = RunOverrides {
            name: Some("nightly".into()),
            entry_point: Some("s3://code/job.py".into()),
            entry_point_arguments: Some(vec!["--day".into(), "2024-01-01".into()]),
            spark_submit_parameters: Some("--conf spark.x=1".into()),
            spark_properties: BTreeMap::from([
                ("spark.executor.memory".into(), "10g".into()),
                ("spark.sql.shuffle.partitions".into(), "64".into()),
            ]),
        };
        let request = run_request(READY, &overrides).unwrap_or_default();
        assert_eq!(request["name"], "nightly");
        let submit = &request["jobDriver"]["sparkSubmitJobDriver"];
        assert_eq!(submit["entryPoint"], "s3://code/job.py");
        assert_eq!(
            submit["entryPointArguments"],
            json!(["--day", "2024-01-01"])
        );
        assert_eq!(submit["sparkSubmitParameters"], "--conf spark.x=1");
        let properties =
            &request["configurationOverrides"]["applicationConfiguration"][0]["properties"];
        assert_eq!(properties["spark.executor.memory"], "10g");
        assert_eq!(properties["spark.sql.shuffle.partitions"], "64");
        assert_eq!(request["virtualClusterId"], "vc-1");
    }

    #[test]
    fn a_request_of_another_shape_is_refused() {
        assert!(run_request("not json", &RunOverrides::default()).is_err());
        assert!(run_request("{}", &RunOverrides::default()).is_err());
    }

    #[test]
    fn phases() {
        for state in ["PENDING", "SUBMITTED", "RUNNING"] {
            assert_eq!(run_phase(state), RunPhase::Going);
        }
        assert_eq!(run_phase("COMPLETED"), RunPhase::Completed);
        for state in ["FAILED", "CANCELLED", "CANCEL_PENDING"] {
            assert_eq!(run_phase(state), RunPhase::Failed);
        }
    }
}
