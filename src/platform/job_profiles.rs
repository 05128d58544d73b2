//! Spark settings of the three job profiles and the `start-job-run` request
//! users paste into `aws emr-containers start-job-run --cli-input-json`.

use crate::platform::pod_templates::{object_key, JobProfile, SparkRole};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const DEFAULT_ENTRY_POINT: &str = "local:///usr/lib/spark/examples/src/main/python/pi.py";

/// Spark's default memory overhead factor (`spark.{driver,executor}.memoryOverheadFactor`).
/// PySpark jobs on old Spark versions used 0.4; that is not the default here.
pub const DEFAULT_MEMORY_OVERHEAD_FACTOR: f64 = 0.1;
/// Spark never reserves less overhead than this.
const MIN_MEMORY_OVERHEAD_MIB: u64 = 384;
/// Spark refuses heaps under 450 MiB; ask for a little headroom.
const MIN_MEMORY_MIB: u64 = 512;

const GLUE_CATALOG_FACTORY: &str =
    "com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory";

/// How long an executor holding shuffle data stays after it goes idle
/// (`spark.dynamicAllocation.shuffleTracking.timeout`); node pools wait
/// longer than this before consolidating executors' nodes.
pub const SHUFFLE_TRACKING_TIMEOUT_SECS: u64 = 300;

/// Sizing of a profile's jobs. Cores are fractional Kubernetes CPU requests
/// (e.g. 7.7 so four executors fit a 32-vCPU node next to the DaemonSets).
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileSettings {
    pub min_executors: u32,
    pub max_executors: u32,
    pub allocation_batch_size: u32,
    pub executor_cores: f64,
    pub executor_memory: String,
    pub driver_cores: f64,
    pub driver_memory: String,
    /// `spark.executor.cores`, the tasks an executor runs at once; `None`
    /// rounds `executor_cores` up (see [`task_slots`]).
    pub executor_task_cores: Option<u32>,
    /// `spark.driver.cores`; `None` rounds `driver_cores` up.
    pub driver_task_cores: Option<u32>,
}

impl ProfileSettings {
    /// The reference platform's values.
    pub fn defaults(profile: JobProfile) -> Self {
        let (min, max, batch, executor_cores, executor_memory, driver_cores, driver_memory) =
            match profile {
                JobProfile::Critical => (8, 40, 8, 7.7, "20800m", 2.5, "6800m"),
                JobProfile::NonCritical => (8, 40, 8, 3.8, "10400m", 1.7, "4900m"),
                JobProfile::Notebook => (0, 20, 2, 3.7, "10200m", 1.6, "4700m"),
            };
        ProfileSettings {
            min_executors: min,
            max_executors: max,
            allocation_batch_size: batch,
            executor_cores,
            executor_memory: executor_memory.to_string(),
            driver_cores,
            driver_memory: driver_memory.to_string(),
            executor_task_cores: None,
            driver_task_cores: None,
        }
    }

    /// Checks settings after the user's overrides; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        cores(self.executor_cores).map_err(|why| format!("executor_cores: {why}"))?;
        cores(self.driver_cores).map_err(|why| format!("driver_cores: {why}"))?;
        memory_mib(&self.executor_memory).map_err(|why| format!("executor_memory: {why}"))?;
        memory_mib(&self.driver_memory).map_err(|why| format!("driver_memory: {why}"))?;
        for (name, value) in [
            ("executor_task_cores", self.executor_task_cores),
            ("driver_task_cores", self.driver_task_cores),
        ] {
            if value == Some(0) {
                return Err(format!(
                    "{name}: 0 tasks at once would run nothing; use at least 1 (Spark's `spark.*.cores`)"
                ));
            }
        }
        if self.min_executors > self.max_executors {
            return Err(format!(
                "min_executors ({}) is greater than max_executors ({}); raise max_executors or lower min_executors",
                self.min_executors, self.max_executors
            ));
        }
        if self.max_executors == 0 {
            return Err(
                "max_executors is 0, so no job could ever run; allow at least 1".to_string(),
            );
        }
        if self.allocation_batch_size == 0 {
            return Err(
                "allocation_batch_size must be at least 1 (executors requested per round)"
                    .to_string(),
            );
        }
        Ok(())
    }
}

/// A CPU request: positive, at most 3 decimals (Kubernetes counts millicores).
pub fn cores(value: f64) -> Result<(), String> {
    let millicores = value * 1000.0;
    if !value.is_finite() || value <= 0.0 {
        return Err(format!(
            "{value} is not a positive number of cores; use e.g. 3.8"
        ));
    }
    if (millicores - millicores.round()).abs() > 1e-6 {
        return Err(format!(
            "{value} is finer than Kubernetes' millicore; use at most 3 decimals, e.g. 3.875"
        ));
    }
    Ok(())
}

/// Spark task slots for a fractional CPU request: rounded up. The request
/// (`spark.kubernetes.*.request.cores`) is what the scheduler reserves and
/// is kept just under a share of the node; `spark.*.cores` must be an
/// integer and sets how many tasks run at once. Rounding up keeps the slot
/// the fraction pays for (7.7 → 8 tasks, as the reference does) at the cost
/// of a slight CPU oversubscription, which tasks waiting on I/O absorb;
/// rounding down would leave most of a core idle on every executor.
fn task_slots(request_cores: f64) -> u64 {
    request_cores.ceil().max(1.0) as u64
}

/// Parses a Spark memory size (`20800m`, `28g`, `6G`, `512mb`; no suffix
/// means MiB, as Spark reads it) into MiB.
pub fn memory_mib(value: &str) -> Result<u64, String> {
    let invalid = || {
        format!(
            "\"{value}\" is not a Spark memory size; use a whole number with a unit k, m, g or t (optionally followed by b), e.g. \"20800m\" or \"28g\""
        )
    };
    let lower = value.trim().to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(digits_end);
    let amount: u64 = number.parse().map_err(|_| invalid())?;
    let mib = match unit {
        "k" | "kb" => amount / 1024,
        "" | "m" | "mb" => amount,
        "g" | "gb" => amount.checked_mul(1024).ok_or_else(invalid)?,
        "t" | "tb" => amount.checked_mul(1024 * 1024).ok_or_else(invalid)?,
        _ => return Err(invalid()),
    };
    if mib < MIN_MEMORY_MIB {
        return Err(format!(
            "\"{value}\" is too little memory: Spark needs at least {MIN_MEMORY_MIB}m for a driver or executor"
        ));
    }
    Ok(mib)
}

/// Memory Kubernetes reserves for a driver or executor pod: the heap plus
/// Spark's overhead, `max(384 MiB, factor × heap)` (factor 0.1 by default,
/// see [`DEFAULT_MEMORY_OVERHEAD_FACTOR`]). Used to check that a pod fits a
/// node's allocatable memory.
pub fn memory_with_overhead_mib(memory: &str, overhead_factor: f64) -> Result<u64, String> {
    if !overhead_factor.is_finite() || overhead_factor <= 0.0 || overhead_factor > 1.0 {
        return Err(format!(
            "memory overhead factor {overhead_factor} is out of range; use a fraction above 0 and at most 1, e.g. 0.1"
        ));
    }
    let heap = memory_mib(memory)?;
    // Spark truncates the product to whole MiB.
    let overhead = ((heap as f64) * overhead_factor) as u64;
    Ok(heap + overhead.max(MIN_MEMORY_OVERHEAD_MIB))
}

/// Everything a `start-job-run` request needs besides the profile settings.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRunInput {
    pub name: String,
    pub virtual_cluster_id: String,
    pub execution_role_arn: String,
    pub release_label: String,
    pub profile: JobProfile,
    pub settings: ProfileSettings,
    /// `None` runs Spark's Pi example, [`DEFAULT_ENTRY_POINT`].
    pub entry_point: Option<String>,
    pub entry_point_arguments: Vec<String>,
    pub spark_submit_parameters: Option<String>,
    /// Bucket and key prefix the pod templates are stored under.
    pub pod_template_bucket: String,
    pub pod_template_prefix: String,
    pub log_group_name: String,
    pub log_stream_name_prefix: String,
    /// Extra spark-defaults; they win over the profile's.
    pub extra_spark_properties: BTreeMap<String, String>,
}

/// spark-defaults of a profile: Glue Data Catalog as metastore, dynamic
/// allocation with shuffle tracking, the sizing, and the pod templates.
pub fn spark_defaults(
    profile: JobProfile,
    settings: &ProfileSettings,
    pod_template_bucket: &str,
    pod_template_prefix: &str,
) -> BTreeMap<String, String> {
    let template_uri = |role| {
        format!(
            "s3://{pod_template_bucket}/{}",
            object_key(pod_template_prefix, profile, role)
        )
    };
    let properties = [
        (
            "spark.hadoop.hive.metastore.client.factory.class",
            GLUE_CATALOG_FACTORY.to_string(),
        ),
        ("spark.sql.catalogImplementation", "hive".to_string()),
        ("spark.dynamicAllocation.enabled", "true".to_string()),
        (
            "spark.dynamicAllocation.shuffleTracking.enabled",
            "true".to_string(),
        ),
        (
            "spark.dynamicAllocation.shuffleTracking.timeout",
            format!("{SHUFFLE_TRACKING_TIMEOUT_SECS}s"),
        ),
        (
            "spark.dynamicAllocation.executorAllocationRatio",
            "1".to_string(),
        ),
        (
            "spark.dynamicAllocation.minExecutors",
            settings.min_executors.to_string(),
        ),
        (
            "spark.dynamicAllocation.maxExecutors",
            settings.max_executors.to_string(),
        ),
        (
            "spark.kubernetes.allocation.batch.size",
            settings.allocation_batch_size.to_string(),
        ),
        (
            "spark.executor.cores",
            settings
                .executor_task_cores
                .map_or_else(|| task_slots(settings.executor_cores), u64::from)
                .to_string(),
        ),
        (
            "spark.kubernetes.executor.request.cores",
            settings.executor_cores.to_string(),
        ),
        ("spark.executor.memory", settings.executor_memory.clone()),
        (
            "spark.driver.cores",
            settings
                .driver_task_cores
                .map_or_else(|| task_slots(settings.driver_cores), u64::from)
                .to_string(),
        ),
        (
            "spark.kubernetes.driver.request.cores",
            settings.driver_cores.to_string(),
        ),
        ("spark.driver.memory", settings.driver_memory.clone()),
        (
            "spark.kubernetes.driver.podTemplateFile",
            template_uri(SparkRole::Driver),
        ),
        (
            "spark.kubernetes.executor.podTemplateFile",
            template_uri(SparkRole::Executor),
        ),
    ];
    properties
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect()
}

/// spark-defaults of a request: the profile's, with the user's
/// `spark_properties` merged over them.
pub fn spark_properties(input: &JobRunInput) -> BTreeMap<String, String> {
    let mut properties = spark_defaults(
        input.profile,
        &input.settings,
        &input.pod_template_bucket,
        &input.pod_template_prefix,
    );
    properties.extend(input.extra_spark_properties.clone());
    properties
}

/// The entry point a request runs.
pub fn entry_point(input: &JobRunInput) -> &str {
    input.entry_point.as_deref().unwrap_or(DEFAULT_ENTRY_POINT)
}

/// Spark properties a profile sets through its own arguments, so that
/// sizing sees them: `spark_properties` may not set them. Each with the
/// argument to use instead.
pub const PROPERTIES_OF_ARGUMENTS: [(&str, &str); 9] = [
    ("spark.executor.cores", "executor_task_cores"),
    ("spark.kubernetes.executor.request.cores", "executor_cores"),
    ("spark.executor.memory", "executor_memory"),
    ("spark.driver.cores", "driver_task_cores"),
    ("spark.kubernetes.driver.request.cores", "driver_cores"),
    ("spark.driver.memory", "driver_memory"),
    ("spark.dynamicAllocation.minExecutors", "min_executors"),
    ("spark.dynamicAllocation.maxExecutors", "max_executors"),
    (
        "spark.kubernetes.allocation.batch.size",
        "allocation_batch_size",
    ),
];

/// Checks a profile's `spark_properties`; the message names the argument
/// that sets a property the profile owns.
pub fn check_spark_property(key: &str, value: &str) -> Result<(), String> {
    if let Some((_, argument)) = PROPERTIES_OF_ARGUMENTS.iter().find(|(k, _)| *k == key) {
        return Err(format!(
            "\"{key}\" is set by the profile's `{argument}` argument, which the nodegroups' sizing checks read; set `{argument}` instead"
        ));
    }
    if !key.starts_with("spark.") || key.trim() != key || key.len() == "spark.".len() {
        return Err(format!(
            "\"{key}\" is not a Spark property; spark-defaults keys start with \"spark.\", e.g. \"spark.sql.shuffle.partitions\""
        ));
    }
    if value.is_empty() {
        return Err(format!(
            "\"{key}\" has an empty value; leave the property out to keep Spark's default"
        ));
    }
    Ok(())
}

/// The request body `aws emr-containers start-job-run --cli-input-json` takes.
pub fn start_job_run_request(input: &JobRunInput) -> Value {
    let properties = spark_properties(input);

    let mut submit = Map::new();
    submit.insert("entryPoint".into(), json!(entry_point(input)));
    if !input.entry_point_arguments.is_empty() {
        submit.insert(
            "entryPointArguments".into(),
            json!(input.entry_point_arguments),
        );
    }
    if let Some(parameters) = &input.spark_submit_parameters {
        submit.insert("sparkSubmitParameters".into(), json!(parameters));
    }

    json!({
        "name": input.name,
        "virtualClusterId": input.virtual_cluster_id,
        "executionRoleArn": input.execution_role_arn,
        "releaseLabel": input.release_label,
        "jobDriver": { "sparkSubmitJobDriver": submit },
        "configurationOverrides": {
            "applicationConfiguration": [{
                "classification": "spark-defaults",
                "properties": properties,
            }],
            "monitoringConfiguration": {
                "persistentAppUI": "ENABLED",
                "cloudWatchMonitoringConfiguration": {
                    "logGroupName": input.log_group_name,
                    "logStreamNamePrefix": input.log_stream_name_prefix,
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(profile: JobProfile) -> JobRunInput {
        JobRunInput {
            name: "pi".into(),
            virtual_cluster_id: "abcdefghijklmnopqrstuvwxy".into(),
            execution_role_arn: "arn:aws:iam::123456789012:role/analytics-exec".into(),
            release_label: "emr-7.5.0-latest".into(),
            profile,
            settings: ProfileSettings::defaults(profile),
            entry_point: None,
            entry_point_arguments: Vec::new(),
            spark_submit_parameters: None,
            pod_template_bucket: "assets".into(),
            pod_template_prefix: "analytics/pod-template/".into(),
            log_group_name: crate::platform::naming::log_group("analytics", profile),
            log_stream_name_prefix: "pi".into(),
            extra_spark_properties: BTreeMap::new(),
        }
    }

    #[test]
    fn reference_defaults() {
        let critical = ProfileSettings::defaults(JobProfile::Critical);
        assert_eq!(
            (
                critical.min_executors,
                critical.max_executors,
                critical.allocation_batch_size
            ),
            (8, 40, 8)
        );
        assert_eq!(
            (critical.executor_cores, critical.executor_memory.as_str()),
            (7.7, "20800m")
        );
        assert_eq!(
            (critical.driver_cores, critical.driver_memory.as_str()),
            (2.5, "6800m")
        );
        let shared = ProfileSettings::defaults(JobProfile::NonCritical);
        assert_eq!(
            (shared.executor_cores, shared.driver_memory.as_str()),
            (3.8, "4900m")
        );
        let notebook = ProfileSettings::defaults(JobProfile::Notebook);
        assert_eq!(
            (
                notebook.min_executors,
                notebook.max_executors,
                notebook.allocation_batch_size
            ),
            (0, 20, 2)
        );
        assert_eq!(
            (notebook.executor_memory.as_str(), notebook.driver_cores),
            ("10200m", 1.6)
        );
        for profile in JobProfile::ALL {
            assert_eq!(ProfileSettings::defaults(profile).validate(), Ok(()));
        }
    }

    #[test]
    fn fractional_requests_round_up_to_task_slots() {
        let props = spark_defaults(
            JobProfile::Critical,
            &ProfileSettings::defaults(JobProfile::Critical),
            "b",
            "p",
        );
        assert_eq!(props["spark.executor.cores"], "8");
        assert_eq!(props["spark.kubernetes.executor.request.cores"], "7.7");
        assert_eq!(props["spark.driver.cores"], "3");
        assert_eq!(props["spark.kubernetes.driver.request.cores"], "2.5");
        assert_eq!(task_slots(4.0), 4);
        assert_eq!(task_slots(0.25), 1);
    }

    #[test]
    fn explicit_task_cores_apart_from_the_request() {
        // The walkthrough's executor: 8 tasks on a 7-core request.
        let mut settings = ProfileSettings::defaults(JobProfile::Critical);
        settings.executor_cores = 7.0;
        settings.executor_task_cores = Some(8);
        settings.driver_cores = 2.0;
        settings.driver_task_cores = Some(2);
        let props = spark_defaults(JobProfile::Critical, &settings, "b", "p");
        assert_eq!(props["spark.executor.cores"], "8");
        assert_eq!(props["spark.kubernetes.executor.request.cores"], "7");
        assert_eq!(props["spark.driver.cores"], "2");
        assert_eq!(props["spark.kubernetes.driver.request.cores"], "2");
        assert_eq!(settings.validate(), Ok(()));
        settings.executor_task_cores = Some(0);
        assert!(settings
            .validate()
            .unwrap_err()
            .starts_with("executor_task_cores:"));
    }

    #[test]
    fn spark_properties_leave_the_sizes_to_their_arguments() {
        assert_eq!(
            check_spark_property("spark.sql.shuffle.partitions", "400"),
            Ok(())
        );
        for (key, argument) in PROPERTIES_OF_ARGUMENTS {
            let why = check_spark_property(key, "1").unwrap_err();
            assert!(why.contains(&format!("set `{argument}` instead")), "{why}");
        }
        assert!(check_spark_property("sql.shuffle", "1")
            .unwrap_err()
            .contains("start with \"spark.\""));
        assert!(check_spark_property("spark.", "1").is_err());
        assert!(check_spark_property("spark.x", "")
            .unwrap_err()
            .contains("empty value"));
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(memory_mib("20800m"), Ok(20800));
        assert_eq!(memory_mib("28g"), Ok(28 * 1024));
        assert_eq!(memory_mib("6G"), Ok(6144));
        assert_eq!(memory_mib("1t"), Ok(1024 * 1024));
        assert_eq!(memory_mib("2048"), Ok(2048));
        assert_eq!(memory_mib("4gb"), Ok(4096));
        assert_eq!(memory_mib("1048576k"), Ok(1024));
        for bad in [
            "",
            "g",
            "1.5g",
            "-1g",
            "28 GiB",
            "28x",
            "99999999999999999999t",
        ] {
            let why = memory_mib(bad).unwrap_err();
            assert!(why.contains("\"20800m\""), "{bad}: {why}");
        }
        assert!(memory_mib("256m").unwrap_err().contains("at least 512m"));
    }

    #[test]
    fn cores_checks() {
        assert!(cores(7.7).is_ok());
        assert!(cores(0.125).is_ok());
        assert!(cores(0.0).is_err());
        assert!(cores(-1.0).is_err());
        assert!(cores(f64::NAN).is_err());
        assert!(cores(f64::INFINITY).is_err());
        assert!(cores(1.2345).unwrap_err().contains("3 decimals"));
    }

    #[test]
    fn validation_names_the_setting() {
        let mut settings = ProfileSettings::defaults(JobProfile::NonCritical);
        settings.min_executors = 50;
        assert!(settings
            .validate()
            .unwrap_err()
            .contains("min_executors (50) is greater than max_executors (40)"));

        let mut settings = ProfileSettings::defaults(JobProfile::Notebook);
        settings.executor_memory = "lots".into();
        assert!(settings
            .validate()
            .unwrap_err()
            .starts_with("executor_memory:"));

        let mut settings = ProfileSettings::defaults(JobProfile::Notebook);
        settings.driver_cores = 0.0;
        assert!(settings
            .validate()
            .unwrap_err()
            .starts_with("driver_cores:"));

        let mut settings = ProfileSettings::defaults(JobProfile::Notebook);
        settings.allocation_batch_size = 0;
        assert!(settings
            .validate()
            .unwrap_err()
            .contains("allocation_batch_size"));

        let mut settings = ProfileSettings::defaults(JobProfile::Notebook);
        settings.max_executors = 0;
        assert!(settings
            .validate()
            .unwrap_err()
            .contains("max_executors is 0"));
    }

    #[test]
    fn overhead_is_ten_percent_with_a_384_mib_floor() {
        // 20800 MiB heap: 2080 MiB overhead.
        assert_eq!(
            memory_with_overhead_mib("20800m", DEFAULT_MEMORY_OVERHEAD_FACTOR),
            Ok(22880)
        );
        // 2 GiB heap: 10% is 204 MiB, under the floor.
        assert_eq!(
            memory_with_overhead_mib("2g", DEFAULT_MEMORY_OVERHEAD_FACTOR),
            Ok(2048 + 384)
        );
        // The walkthrough's 28G executor with the non-JVM factor.
        assert_eq!(memory_with_overhead_mib("28G", 0.4), Ok(28672 + 11468));
        assert!(memory_with_overhead_mib("2g", 0.0).is_err());
        assert!(memory_with_overhead_mib("2g", 1.5).is_err());
        assert!(memory_with_overhead_mib("2 g", 0.1).is_err());
    }

    #[test]
    fn start_job_run_request_has_the_cli_shape() {
        let request = start_job_run_request(&input(JobProfile::Critical));
        assert_eq!(request["name"], "pi");
        assert_eq!(request["virtualClusterId"], "abcdefghijklmnopqrstuvwxy");
        assert_eq!(
            request["executionRoleArn"],
            "arn:aws:iam::123456789012:role/analytics-exec"
        );
        assert_eq!(request["releaseLabel"], "emr-7.5.0-latest");
        let driver = &request["jobDriver"]["sparkSubmitJobDriver"];
        assert_eq!(driver["entryPoint"], DEFAULT_ENTRY_POINT);
        assert!(driver.get("entryPointArguments").is_none());
        assert!(driver.get("sparkSubmitParameters").is_none());

        let overrides = &request["configurationOverrides"];
        let config = &overrides["applicationConfiguration"][0];
        assert_eq!(config["classification"], "spark-defaults");
        let props = &config["properties"];
        assert_eq!(
            props["spark.hadoop.hive.metastore.client.factory.class"],
            GLUE_CATALOG_FACTORY
        );
        assert_eq!(props["spark.sql.catalogImplementation"], "hive");
        assert_eq!(
            props["spark.dynamicAllocation.shuffleTracking.timeout"],
            "300s"
        );
        assert_eq!(
            props["spark.dynamicAllocation.executorAllocationRatio"],
            "1"
        );
        assert_eq!(props["spark.dynamicAllocation.minExecutors"], "8");
        assert_eq!(props["spark.kubernetes.allocation.batch.size"], "8");
        assert_eq!(props["spark.executor.memory"], "20800m");
        assert_eq!(
            props["spark.kubernetes.driver.podTemplateFile"],
            "s3://assets/analytics/pod-template/critical-driver.yaml"
        );
        assert_eq!(
            props["spark.kubernetes.executor.podTemplateFile"],
            "s3://assets/analytics/pod-template/critical-executor.yaml"
        );
        // Every property value is a string, as the API requires.
        assert!(props.as_object().unwrap().values().all(Value::is_string));

        let monitoring = &overrides["monitoringConfiguration"];
        assert_eq!(monitoring["persistentAppUI"], "ENABLED");
        assert_eq!(
            monitoring["cloudWatchMonitoringConfiguration"]["logGroupName"],
            "/aws/emr-containers/analytics/critical"
        );
        assert_eq!(
            monitoring["cloudWatchMonitoringConfiguration"]["logStreamNamePrefix"],
            "pi"
        );
    }

    #[test]
    fn user_entry_point_arguments_and_overrides_win() {
        let mut job = input(JobProfile::NonCritical);
        job.entry_point = Some("s3://code/etl.py".into());
        job.entry_point_arguments = vec!["--date".into(), "2024-01-01".into()];
        job.spark_submit_parameters = Some("--conf spark.sql.shuffle.partitions=400".into());
        job.extra_spark_properties
            .insert("spark.executor.memory".into(), "12g".into());
        let request = start_job_run_request(&job);
        let driver = &request["jobDriver"]["sparkSubmitJobDriver"];
        assert_eq!(driver["entryPoint"], "s3://code/etl.py");
        assert_eq!(
            driver["entryPointArguments"],
            json!(["--date", "2024-01-01"])
        );
        assert_eq!(
            driver["sparkSubmitParameters"],
            "--conf spark.sql.shuffle.partitions=400"
        );
        let props = &request["configurationOverrides"]["applicationConfiguration"][0]["properties"];
        assert_eq!(props["spark.executor.memory"], "12g");
        assert_eq!(
            props["spark.kubernetes.executor.podTemplateFile"],
            "s3://assets/analytics/pod-template/shared-executor.yaml"
        );
    }
}
