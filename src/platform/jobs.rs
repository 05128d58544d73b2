//! What users read off the platform for its jobs: where the pod
//! templates live, each profile's log group, and the ready-made
//! `start-job-run` requests.

use std::collections::BTreeMap;

use super::compute::Compute;
use super::job_profiles::{JobRunInput, ProfileSettings};
use super::naming;
use super::pod_templates::{object_key, pod_template, JobProfile, SparkRole};

const ROLES: [SparkRole; 2] = [SparkRole::Driver, SparkRole::Executor];

/// Short name of a template, e.g. `critical-driver`, `shared-executor`.
fn template_name(key: &str) -> String {
    key.rsplit('/')
        .next()
        .unwrap_or(key)
        .trim_end_matches(".yaml")
        .to_string()
}

fn templates() -> impl Iterator<Item = (JobProfile, SparkRole)> {
    JobProfile::ALL
        .into_iter()
        .flat_map(|profile| ROLES.into_iter().map(move |role| (profile, role)))
}

/// Every pod template for the platform's compute: (object key, body).
pub fn pod_template_objects(prefix: &str, compute: Compute) -> Vec<(String, String)> {
    templates()
        .map(|(profile, role)| {
            (
                object_key(prefix, profile, role),
                pod_template(profile, role, compute),
            )
        })
        .collect()
}

/// Template name → S3 URI.
pub fn pod_template_uris(bucket: &str, prefix: &str) -> BTreeMap<String, String> {
    templates()
        .map(|(profile, role)| object_key(prefix, profile, role))
        .map(|key| (template_name(&key), format!("s3://{bucket}/{key}")))
        .collect()
}

/// Job profile key (`critical`, `non_critical`, `notebook`) → log group.
pub fn log_group_names(platform: &str) -> BTreeMap<String, String> {
    JobProfile::ALL
        .into_iter()
        .map(|profile| {
            (
                profile.key().to_string(),
                naming::log_group(platform, profile),
            )
        })
        .collect()
}

/// The command that adds the cluster to the user's kubeconfig, as the
/// admin role when the platform grants one (the user's own identity may
/// have no access entry). Names, regions and ARNs need no shell quoting.
pub fn kubeconfig_command(region: &str, cluster: &str, admin_role_arn: Option<&str>) -> String {
    let mut command = format!("aws eks update-kubeconfig --region {region} --name {cluster}");
    if let Some(role) = admin_role_arn {
        command.push_str(&format!(" --role-arn {role}"));
    }
    command
}

/// The region of an ARN (`arn:aws:eks:eu-west-1:...` → `eu-west-1`).
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|region| !region.is_empty())
}

/// A configured job profile: which virtual cluster and execution role
/// (keys of the platform's maps) its jobs use, and their sizing.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileSpec {
    pub profile: JobProfile,
    pub virtual_cluster: String,
    pub execution_role: String,
    pub settings: ProfileSettings,
    /// `None` runs Spark's Pi example.
    pub entry_point: Option<String>,
    pub entry_point_arguments: Vec<String>,
    pub spark_submit_parameters: Option<String>,
    /// spark-defaults merged over the profile's.
    pub spark_properties: BTreeMap<String, String>,
}

impl ProfileSpec {
    /// A profile at the reference settings, running Spark's Pi example.
    pub fn reference(profile: JobProfile, virtual_cluster: &str, execution_role: &str) -> Self {
        ProfileSpec {
            profile,
            virtual_cluster: virtual_cluster.to_string(),
            execution_role: execution_role.to_string(),
            settings: ProfileSettings::defaults(profile),
            entry_point: None,
            entry_point_arguments: Vec::new(),
            spark_submit_parameters: None,
            spark_properties: BTreeMap::new(),
        }
    }
}

/// What the requests are built from, besides the configuration.
pub struct Built<'a> {
    pub bucket: &'a str,
    pub prefix: &'a str,
    pub virtual_cluster_ids: &'a BTreeMap<String, String>,
    pub execution_role_arns: &'a BTreeMap<String, String>,
}

/// Profile key → everything its `start-job-run` request is made of, for
/// the profiles whose virtual cluster and execution role exist.
pub fn job_runs(
    platform: &str,
    release_label: &str,
    profiles: &[ProfileSpec],
    built: &Built<'_>,
) -> BTreeMap<String, JobRunInput> {
    let log_groups = log_group_names(platform);
    let mut requests = BTreeMap::new();
    for spec in profiles {
        let key = spec.profile.key();
        let cluster = built.virtual_cluster_ids.get(&spec.virtual_cluster);
        let role = built.execution_role_arns.get(&spec.execution_role);
        let (Some(cluster), Some(role)) = (cluster, role) else {
            continue;
        };
        let input = JobRunInput {
            name: naming::job_run_name(platform, key),
            virtual_cluster_id: cluster.clone(),
            execution_role_arn: role.clone(),
            release_label: release_label.to_string(),
            profile: spec.profile,
            settings: spec.settings.clone(),
            entry_point: spec.entry_point.clone(),
            entry_point_arguments: spec.entry_point_arguments.clone(),
            spark_submit_parameters: spec.spark_submit_parameters.clone(),
            pod_template_bucket: built.bucket.to_string(),
            pod_template_prefix: built.prefix.to_string(),
            log_group_name: log_groups.get(key).cloned().unwrap_or_default(),
            log_stream_name_prefix: naming::log_stream_prefix(key),
            extra_spark_properties: spec.spark_properties.clone(),
        };
        requests.insert(key.to_string(), input);
    }
    requests
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kubeconfig_command_names_region_cluster_and_admin_role() {
        assert_eq!(
            kubeconfig_command("eu-west-1", "analytics", None),
            "aws eks update-kubeconfig --region eu-west-1 --name analytics"
        );
        assert_eq!(
            kubeconfig_command(
                "eu-west-1",
                "analytics",
                Some("arn:aws:iam::123456789012:role/admin")
            ),
            "aws eks update-kubeconfig --region eu-west-1 --name analytics --role-arn arn:aws:iam::123456789012:role/admin"
        );
        assert_eq!(
            arn_region("arn:aws:eks:eu-west-1:123456789012:cluster/analytics"),
            Some("eu-west-1")
        );
        assert_eq!(arn_region("arn:aws:iam::123456789012:role/r"), None);
        assert_eq!(arn_region("nonsense"), None);
    }

    #[test]
    fn six_templates_with_short_names() {
        let uris = pod_template_uris("bucket", &naming::pod_template_prefix("analytics"));
        assert_eq!(uris.len(), 6);
        assert_eq!(
            uris.get("critical-driver").map(String::as_str),
            Some("s3://bucket/analytics/pod-template/critical-driver.yaml")
        );
        assert!(uris.contains_key("shared-executor"));
    }

    #[test]
    fn requests_use_the_platform_ids_and_the_profile_defaults() {
        let profiles = [ProfileSpec::reference(
            JobProfile::Critical,
            "batch",
            "jobs",
        )];
        let clusters = BTreeMap::from([("batch".to_string(), "vc-1".to_string())]);
        let roles = BTreeMap::from([("jobs".to_string(), "arn:aws:iam::1:role/r".to_string())]);
        let runs = job_runs(
            "analytics",
            crate::platform::defaults::RELEASE_LABEL,
            &profiles,
            &Built {
                bucket: "b",
                prefix: "analytics/pod-template",
                virtual_cluster_ids: &clusters,
                execution_role_arns: &roles,
            },
        );
        let request = crate::platform::job_profiles::start_job_run_request(&runs["critical"]);
        assert_eq!(request["virtualClusterId"], "vc-1");
        assert_eq!(request["executionRoleArn"], "arn:aws:iam::1:role/r");
        let properties =
            &request["configurationOverrides"]["applicationConfiguration"][0]["properties"];
        assert_eq!(properties["spark.kubernetes.executor.request.cores"], "7.7");
        assert_eq!(
            properties["spark.kubernetes.driver.podTemplateFile"],
            "s3://b/analytics/pod-template/critical-driver.yaml"
        );
        assert_eq!(
            request["configurationOverrides"]["monitoringConfiguration"]
                ["cloudWatchMonitoringConfiguration"]["logGroupName"],
            "/aws/emr-containers/analytics/critical"
        );
    }
}
