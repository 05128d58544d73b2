//! The `emreks_platform` data source: an existing platform read by its
//! name, for configurations that build on a platform another workspace
//! owns. It reads the platform as `emreks_platform`'s import does, and
//! refuses an EKS cluster emreks did not make.

use async_trait::async_trait;
use aws_sdk_eks::types::Cluster;
use serde::{Deserialize, Serialize};

use crate::aws::eks::cluster::find_cluster;
use crate::aws::{Aws, SharedAws};
use crate::platform::naming;
use crate::plugin::data_source::DataSource;
use crate::plugin::schema::{block, computed, map_of_strings, required, string, Schema};
use crate::plugin::{AttributePath, Diagnostics, Value};
use crate::resources::configured;
use crate::resources::platform::{lookup, PlatformState};
use crate::resources::values::{known, unknown_as_null, StringMap};

pub struct PlatformDataSource {
    aws: SharedAws,
}

impl PlatformDataSource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: block(
            "An existing `emreks_platform`, read by its name: what configurations that build on a platform (nodegroups, notebook users, jobs) need from it, without owning it.",
            [
                ("name", required(string(), "The platform's name (its EKS cluster name, the `id` of the `emreks_platform`).")),
                ("id", computed(string(), "The platform's id: its EKS cluster name.")),
                ("kubernetes_version", computed(string(), "Kubernetes version of the cluster.")),
                ("cluster_arn", computed(string(), "ARN of the EKS cluster.")),
                ("cluster_endpoint", computed(string(), "URL of the cluster's Kubernetes API.")),
                ("certificate_authority_data", computed(string(), "The cluster's certificate authority, base64 of PEM.")),
                ("cluster_security_group_id", computed(string(), "Security group EKS created for the control plane and nodes.")),
                ("oidc_issuer_url", computed(string(), "OpenID Connect issuer URL of the cluster.")),
                ("oidc_provider_arn", computed(string(), "IAM OIDC provider of the cluster.")),
                ("vpc_id", computed(string(), "The VPC of the platform.")),
                ("subnet_ids_by_az", computed(map_of_strings(), "The private subnet of each availability zone.")),
                ("node_role_arn", computed(string(), "IAM role of the platform's nodes.")),
                ("compute", computed(string(), "How the platform gets its nodes: `managed_nodegroups` or `auto_mode` (EKS Auto Mode), as EKS reports it.")),
                ("auto_mode_node_role_name", computed(string(), "With Auto Mode: name of the IAM role of the nodes Auto Mode runs (a NodeClass's `role`). Null otherwise.")),
                ("auto_mode_node_role_arn", computed(string(), "With Auto Mode: ARN of that role. Null otherwise.")),
                ("release_label", computed(string(), "EMR release of the ready-made job requests.")),
                ("assets_bucket", computed(string(), "S3 bucket holding the Spark pod templates.")),
                ("pod_template_uris", computed(map_of_strings(), "S3 URI of each pod template, e.g. `critical-driver`.")),
                ("log_group_names", computed(map_of_strings(), "CloudWatch log group of each job profile.")),
                ("virtual_cluster_ids", computed(map_of_strings(), "Id of each EMR virtual cluster.")),
                ("execution_role_arns", computed(map_of_strings(), "ARN of each job execution role.")),
                ("job_run_requests", computed(map_of_strings(), "For each job profile, a request `aws emr-containers start-job-run --cli-input-json` accepts as it is.")),
                ("studio_id", computed(string(), "Id of the EMR Studio, when the platform has one.")),
                ("studio_url", computed(string(), "URL of the EMR Studio, when the platform has one.")),
                ("tags_all", computed(map_of_strings(), "All tags of the platform's cluster.")),
            ],
            [],
        ),
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct PlatformData {
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub kubernetes_version: Value<String>,
    #[serde(default)]
    pub cluster_arn: Value<String>,
    #[serde(default)]
    pub cluster_endpoint: Value<String>,
    #[serde(default)]
    pub certificate_authority_data: Value<String>,
    #[serde(default)]
    pub cluster_security_group_id: Value<String>,
    #[serde(default)]
    pub oidc_issuer_url: Value<String>,
    #[serde(default)]
    pub oidc_provider_arn: Value<String>,
    #[serde(default)]
    pub vpc_id: Value<String>,
    #[serde(default)]
    pub subnet_ids_by_az: StringMap,
    #[serde(default)]
    pub node_role_arn: Value<String>,
    #[serde(default)]
    pub compute: Value<String>,
    #[serde(default)]
    pub auto_mode_node_role_name: Value<String>,
    #[serde(default)]
    pub auto_mode_node_role_arn: Value<String>,
    #[serde(default)]
    pub release_label: Value<String>,
    #[serde(default)]
    pub assets_bucket: Value<String>,
    #[serde(default)]
    pub pod_template_uris: StringMap,
    #[serde(default)]
    pub log_group_names: StringMap,
    #[serde(default)]
    pub virtual_cluster_ids: StringMap,
    #[serde(default)]
    pub execution_role_arns: StringMap,
    #[serde(default)]
    pub job_run_requests: StringMap,
    #[serde(default)]
    pub studio_id: Value<String>,
    #[serde(default)]
    pub studio_url: Value<String>,
    #[serde(default)]
    pub tags_all: StringMap,
}

/// An existing platform's state and its EKS cluster, read as
/// `emreks_platform`'s import reads it; what fails (no such cluster, one
/// emreks did not make, a failed read) is reported on `attribute`, which
/// names the platform.
pub async fn read_existing(
    aws: &Aws,
    diags: &mut Diagnostics,
    name: &str,
    attribute: &str,
) -> Option<(PlatformState, Cluster)> {
    let cluster = match find_cluster(aws, name).await {
        Ok(found) => found,
        Err(err) => {
            err.report(diags, "Cannot read the platform");
            return None;
        }
    };
    let Some(cluster) = cluster else {
        diags.error(
            "No such platform",
            format!("There is no EKS cluster {name:?} in {} for these credentials; `{attribute}` must be an emreks_platform's name.", aws.region),
            AttributePath::new(attribute),
        );
        return None;
    };
    let owner = cluster
        .tags()
        .and_then(|tags| tags.get(naming::PLATFORM_TAG));
    if owner.map(String::as_str) != Some(name) {
        diags.error(
            "Not an emreks platform",
            format!("The EKS cluster {name:?} was not made by emreks_platform (it lacks the {:?} tag), so it has none of a platform's job requests, roles or pod templates.", naming::PLATFORM_TAG),
            AttributePath::new(attribute),
        );
        return None;
    }
    let (state, failures) = match lookup::existing(aws, name).await {
        Ok(read) => read,
        Err(err) => {
            err.report(diags, "Cannot read the platform");
            return None;
        }
    };
    for err in failures {
        err.report(diags, "Cannot read the platform");
    }
    (!diags.has_errors()).then_some((state, cluster))
}

#[async_trait]
impl DataSource for PlatformDataSource {
    type State = PlatformData;

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Self::State) {
        if known(&config.name).is_some_and(str::is_empty) {
            diags.error(
                "Empty platform name",
                "Set `name` to the name of an emreks_platform.",
                AttributePath::new("name"),
            );
        }
    }

    async fn read(&self, diags: &mut Diagnostics, config: Self::State) -> Option<Self::State> {
        let aws = configured(&self.aws, diags)?;
        let name = known(&config.name)?.to_string();
        let (state, cluster) = read_existing(&aws, diags, &name, "name").await?;
        let ca = cluster
            .certificate_authority()
            .and_then(|ca| ca.data())
            .map(str::to_string);
        let (studio_id, studio_url) = match &state.studio_id {
            Value::Value(_) => (state.studio_id.clone(), state.studio_url.clone()),
            _ => (Value::Null, Value::Null),
        };
        let mut data = PlatformData {
            name: config.name,
            id: state.id,
            kubernetes_version: state.kubernetes_version,
            cluster_arn: state.cluster_arn,
            cluster_endpoint: state.cluster_endpoint,
            certificate_authority_data: ca.into(),
            cluster_security_group_id: state.cluster_security_group_id,
            oidc_issuer_url: state.oidc_issuer_url,
            oidc_provider_arn: state.oidc_provider_arn,
            vpc_id: state.vpc_id,
            subnet_ids_by_az: state.subnet_ids_by_az,
            node_role_arn: state.node_role_arn,
            compute: state.compute,
            auto_mode_node_role_name: state.auto_mode_node_role_name,
            auto_mode_node_role_arn: state.auto_mode_node_role_arn,
            release_label: state.release_label,
            assets_bucket: state.assets_bucket,
            pod_template_uris: state.pod_template_uris,
            log_group_names: state.log_group_names,
            virtual_cluster_ids: state.virtual_cluster_ids,
            execution_role_arns: state.execution_role_arns,
            job_run_requests: state.job_run_requests,
            studio_id,
            studio_url,
            tags_all: state.tags_all,
        };
        // A value the refresh could not settle is absent, not unknown:
        // a data source's result is final.
        for value in [
            &mut data.id,
            &mut data.kubernetes_version,
            &mut data.cluster_arn,
            &mut data.cluster_endpoint,
            &mut data.cluster_security_group_id,
            &mut data.oidc_issuer_url,
            &mut data.oidc_provider_arn,
            &mut data.vpc_id,
            &mut data.node_role_arn,
            &mut data.compute,
            &mut data.auto_mode_node_role_name,
            &mut data.auto_mode_node_role_arn,
            &mut data.release_label,
            &mut data.assets_bucket,
        ] {
            unknown_as_null(value);
        }
        for map in [
            &mut data.subnet_ids_by_az,
            &mut data.pod_template_uris,
            &mut data.log_group_names,
            &mut data.virtual_cluster_ids,
            &mut data.execution_role_arns,
            &mut data.job_run_requests,
            &mut data.tags_all,
        ] {
            unknown_as_null(map);
        }
        Some(data)
    }
}
