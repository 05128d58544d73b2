//! `emreks_spark_job`, an action: one Spark job run on a platform, started
//! from a job profile's ready-made request with the run's own entry point,
//! arguments and properties, its progress streamed to Terraform until it
//! ends, and a failed run failing the invocation with EMR's reason. Run it
//! with `terraform apply -invoke=action.emreks_spark_job.<name>` or from a
//! resource's `action_trigger`.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::aws::emrcontainers::job_run::{job_run_status, start_job_run};
use crate::aws::wait::{jittered, Backoff};
use crate::aws::{Aws, SharedAws};
use crate::platform::job_runs::{run_phase, run_request, RunOverrides, RunPhase};
use crate::platform::pod_templates::JobProfile;
use crate::plugin::action::{Action, Progress};
use crate::plugin::schema::{
    block, boolean, list_of_strings, map_of_strings, optional, required, string, Schema,
};
use crate::plugin::{AttributePath, Diagnostics, Value};
use crate::resources::platform_data::read_existing;
use crate::resources::timeouts::parse_duration;
use crate::resources::values::{known, string_map, strings, StringList, StringMap};
use crate::resources::{configured, random_token};

/// How long a run is waited for unless `timeout` says.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// Job runs take minutes: their state is read every few seconds, so each
/// step shows soon after it happens.
const POLL: Backoff = Backoff {
    first: Duration::from_secs(1),
    cap: Duration::from_secs(5),
};

pub struct SparkJobAction {
    aws: SharedAws,
}

impl SparkJobAction {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: block(
            "Runs one Spark job on a platform: starts a job run from a job profile's ready-made request (its virtual cluster, execution role, pod templates, sizing and logs) with the run's own entry point, arguments and properties, streams its progress (PENDING, SUBMITTED, RUNNING, then how it ended) and fails with EMR's reason when the job fails.",
            [
                ("platform_id", required(string(), "The `id` of the `emreks_platform`.")),
                ("profile", required(string(), "The job profile whose request the run starts from: `critical`, `non_critical` or `notebook` (one the platform has a `job_profile` block for).")),
                ("entry_point", optional(string(), "The Spark application (`s3://...` or `local://...`); default: the profile's, Spark's Pi example unless the platform set one.")),
                ("entry_point_arguments", optional(list_of_strings(), "Arguments of the application.")),
                ("spark_submit_parameters", optional(string(), "Extra `spark-submit` parameters, e.g. `--conf spark.executor.instances=2`.")),
                ("spark_properties", optional(map_of_strings(), "Spark properties added to the profile's spark-defaults (they win over the profile's).")),
                ("name", optional(string(), "Name of the job run (default: the profile request's, `<platform>-<profile>`).")),
                ("wait", optional(boolean(), "Wait until the run ends and fail when it fails (default `true`); `false` returns once it started.")),
                ("timeout", optional(string(), "How long to wait for the run to end, e.g. `30m` (default `60m`); the run goes on after a timeout.")),
            ],
            [],
        ),
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct SparkJob {
    #[serde(default)]
    pub platform_id: Value<String>,
    #[serde(default)]
    pub profile: Value<String>,
    #[serde(default)]
    pub entry_point: Value<String>,
    #[serde(default)]
    pub entry_point_arguments: StringList,
    #[serde(default)]
    pub spark_submit_parameters: Value<String>,
    #[serde(default)]
    pub spark_properties: StringMap,
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub wait: Value<bool>,
    #[serde(default)]
    pub timeout: Value<String>,
}

/// The checks that need no AWS call; the wait's timeout when they pass.
fn check(diags: &mut Diagnostics, config: &SparkJob) -> Option<Duration> {
    if let Some(profile) = known(&config.profile) {
        if JobProfile::from_key(profile).is_none() {
            diags.error(
                "Unknown job profile",
                format!(
                    "{profile:?} is no job profile: use `critical`, `non_critical` or `notebook`."
                ),
                AttributePath::new("profile"),
            );
        }
    }
    let timeout = match known(&config.timeout) {
        Some(text) => match parse_duration(text) {
            Ok(duration) if !duration.is_zero() => duration,
            Ok(_) => {
                diags.error(
                    "Invalid timeout",
                    "The timeout must be longer than zero, e.g. `30m`.",
                    AttributePath::new("timeout"),
                );
                return None;
            }
            Err(why) => {
                diags.error(
                    "Invalid timeout",
                    format!("{why}; write a duration such as `30m` or `1h30m`."),
                    AttributePath::new("timeout"),
                );
                return None;
            }
        },
        None => DEFAULT_TIMEOUT,
    };
    (!diags.has_errors()).then_some(timeout)
}

fn overrides(config: &SparkJob) -> RunOverrides {
    RunOverrides {
        name: known(&config.name).map(str::to_string),
        entry_point: known(&config.entry_point).map(str::to_string),
        entry_point_arguments: config
            .entry_point_arguments
            .is_value()
            .then(|| strings(&config.entry_point_arguments)),
        spark_submit_parameters: known(&config.spark_submit_parameters).map(str::to_string),
        spark_properties: string_map(&config.spark_properties),
    }
}

/// The profile's ready request on the platform, or a diagnostic saying why not.
async fn ready_request(
    aws: &Aws,
    diags: &mut Diagnostics,
    platform_id: &str,
    profile: &str,
) -> Option<String> {
    let (state, _) = read_existing(aws, diags, platform_id, "platform_id").await?;
    let requests = string_map(&state.job_run_requests);
    let found = requests.get(profile).cloned();
    if found.is_none() {
        let have: Vec<&str> = requests.keys().map(String::as_str).collect();
        diags.error(
            "No such job profile on the platform",
            format!(
                "The platform {platform_id:?} has no ready request for the profile {profile:?} (it has: {}); add a `job_profile \"{profile}\"` block to it or pick another profile.",
                if have.is_empty() { "none".to_string() } else { have.join(", ") }
            ),
            AttributePath::new("profile"),
        );
    }
    found
}

/// Waits for the run to end, reporting each new state; `Err` says why it
/// did not complete.
async fn follow(
    aws: &Aws,
    progress: &Progress,
    cluster: &str,
    id: &str,
    timeout: Duration,
) -> Result<(), String> {
    let started = Instant::now();
    let mut last = String::new();
    let mut attempt = 0;
    loop {
        let status = job_run_status(aws, cluster, id)
            .await
            .map_err(|err| err.to_string())?;
        if status.state != last {
            progress.report(format!("Job run {id}: {}", status.state));
            last = status.state.clone();
        }
        match run_phase(&status.state) {
            RunPhase::Completed => return Ok(()),
            RunPhase::Failed => {
                let reason = status
                    .failure_reason
                    .unwrap_or_else(|| "no failure reason".into());
                let details = status.state_details.unwrap_or_default();
                return Err(format!(
                    "the job run {id} ended {}: {reason}: {details}",
                    status.state
                ));
            }
            RunPhase::Going => {}
        }
        let elapsed = started.elapsed();
        if elapsed >= timeout {
            return Err(format!(
                "the job run {id} is still {} after {}s; it goes on running (raise `timeout` to wait longer)",
                status.state,
                elapsed.as_secs()
            ));
        }
        let delay = jittered(POLL.delay(attempt)).min(timeout - elapsed);
        if crate::plugin::stop::sleep_or_stop(delay).await {
            return Err(format!(
                "Terraform was interrupted while the job run {id} was {}; it goes on running",
                status.state
            ));
        }
        attempt = attempt.saturating_add(1);
    }
}

#[async_trait]
impl Action for SparkJobAction {
    type Config = SparkJob;

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Self::Config) {
        check(diags, &config);
    }

    async fn plan(&self, diags: &mut Diagnostics, config: Self::Config) {
        check(diags, &config);
    }

    async fn invoke(&self, diags: &mut Diagnostics, config: Self::Config, progress: Progress) {
        let Some(timeout) = check(diags, &config) else {
            return;
        };
        let Some(aws) = configured(&self.aws, diags) else {
            return;
        };
        let (Some(platform_id), Some(profile)) =
            (known(&config.platform_id), known(&config.profile))
        else {
            diags.root_error(
                "Unknown arguments",
                "`platform_id` and `profile` must be known when the job runs.",
            );
            return;
        };
        let Some(ready) = ready_request(&aws, diags, platform_id, profile).await else {
            return;
        };
        let request = match run_request(&ready, &overrides(&config)) {
            Ok(request) => request,
            Err(why) => {
                diags.root_error("Cannot build the job request", why);
                return;
            }
        };
        let started = match start_job_run(&aws, &request, &random_token(24)).await {
            Ok(started) => started,
            Err(err) => {
                err.report(diags, "Cannot start the job run");
                return;
            }
        };
        let name = request["name"].as_str().unwrap_or_default();
        progress.report(format!(
            "Started job run {} ({name}) on virtual cluster {}",
            started.id, started.virtual_cluster_id
        ));
        if config.wait == Value::Value(false) {
            return;
        }
        if let Err(why) = follow(
            &aws,
            &progress,
            &started.virtual_cluster_id,
            &started.id,
            timeout,
        )
        .await
        {
            diags.root_error("Spark job failed", why);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn checks_name_the_attribute() {
        let mut diags = Diagnostics::default();
        let config = SparkJob {
            profile: Value::Value("gold".into()),
            timeout: Value::Value("soon".into()),
            ..Default::default()
        };
        assert!(check(&mut diags, &config).is_none());
        let text = format!("{:?}", diags.to_proto());
        assert!(
            text.contains("profile") && text.contains("timeout"),
            "{text}"
        );

        let mut diags = Diagnostics::default();
        let config = SparkJob {
            profile: Value::Value("critical".into()),
            ..Default::default()
        };
        assert_eq!(check(&mut diags, &config), Some(DEFAULT_TIMEOUT));
        let config = SparkJob {
            timeout: Value::Value("90s".into()),
            ..Default::default()
        };
        assert_eq!(check(&mut diags, &config), Some(Duration::from_secs(90)));
    }

    #[test]
    fn overrides_come_from_the_arguments_set() {
        let config = SparkJob {
            entry_point: Value::Value("s3://code/job.py".into()),
            spark_properties: Value::Value(BTreeMap::from([(
                "spark.x".to_string(),
                Value::Value("1".to_string()),
            )])),
            ..Default::default()
        };
        let found = overrides(&config);
        assert_eq!(found.entry_point.as_deref(), Some("s3://code/job.py"));
        assert_eq!(found.entry_point_arguments, None);
        assert_eq!(
            found.spark_properties.get("spark.x").map(String::as_str),
            Some("1")
        );
    }
}
