//! `emreks_platform` as Terraform sees it: the schema, the state it
//! exchanges with Terraform (`PlatformState`, every attribute a
//! `plugin::Value`), and the typed views of it the lifecycle works from:
//! the spec the planned state decodes into once, at apply, with every
//! default filled in and every value checked; and the record of what an
//! existing platform's state says. Past 600 lines: the schema's
//! descriptions are the resource's documentation, and each decoding sits
//! beside the model it decodes.

use std::collections::BTreeMap;
use std::time::Duration;

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::{Error, Result};
use crate::platform::compute::{Compute, NodeStack};
use crate::platform::default_profiles::{self, Layout};
use crate::platform::defaults::{self, Tooling};
use crate::platform::endpoint;
use crate::platform::iam_documents::Trust;
use crate::platform::job_profiles::{self, JobRunInput, ProfileSettings};
use crate::platform::jobs::ProfileSpec;
use crate::platform::network::{plan_subnets, SubnetPlan};
use crate::platform::pod_templates::JobProfile;
use crate::platform::studio::AuthMode;
use crate::platform::validate;
use crate::plugin::schema::{
    block, boolean, computed, list_of_strings, map_of_strings, nested, number, optional,
    optional_computed, required, string, Constraint, NestedBlock, Nesting, Schema,
};
use crate::plugin::{AttributePath, Value};
use crate::resources::timeouts::{self, Durations, Timeouts};
use crate::resources::values::{
    known, string_map, strings, to_list, to_map, Decimal, StringList, StringMap,
};

/// How long each operation may take unless the `timeouts` block says.
pub const DEFAULT_TIMEOUTS: Durations = Durations {
    create: Duration::from_secs(40 * 60),
    update: Duration::from_secs(60 * 60),
    delete: Duration::from_secs(40 * 60),
};

/// Arguments whose change means a new platform.
pub const FORCES_REPLACEMENT: [&str; 4] = ["name", "vpc_cidr", "availability_zones", "subnet_ids"];

pub fn schema() -> Schema {
    Schema {
        version: 1,
        block: block(
            "A Spark data platform on Amazon EMR on EKS: an EKS cluster with access entries and control-plane logging, in its own VPC or in subnets you pass in.",
            [
                ("id", computed(string(), "The platform's id: its EKS cluster name.")),
                ("name", required(string(), "Platform name, also the EKS cluster name: 1–100 letters, digits, `-` or `_`. Changing it replaces the platform.")),
                ("kubernetes_version", optional_computed(string(), "Kubernetes version of the cluster, e.g. `1.33`. Defaults to EKS's default. Raising it upgrades in place, one minor version at a time; lowering it replaces the platform.")),
                ("eks_admin_role_arn", optional(string(), "IAM role given cluster-admin through an EKS access entry (`AmazonEKSClusterAdminPolicy`).")),
                ("vpc_cidr", optional(string(), "CIDR block of the VPC the platform creates (with `availability_zones`), /16 to /28, e.g. `10.0.0.0/16`. Conflicts with `subnet_ids`. Changing it replaces the platform.")),
                ("availability_zones", optional(list_of_strings(), "Availability zones of the created VPC (two or more): one private and one public subnet, and one NAT gateway, per zone. Changing them replaces the platform.")),
                ("subnet_ids", optional(list_of_strings(), "Existing private subnets to use instead of creating a VPC: one per availability zone, two zones or more, all in one VPC. Changing them replaces the platform.")),
                ("endpoint_public_access_cidrs", optional_computed(list_of_strings(), "CIDR blocks allowed to reach the cluster's public Kubernetes API endpoint; the private endpoint is always on for the nodes. Terraform itself must reach the API (the provider writes Kubernetes objects), so list the addresses it connects from, e.g. `[\"203.0.113.7/32\"]`. Left out: `[\"0.0.0.0/0\"]` (with a plan warning), or none with `terraform_in_vpc`. An empty list means a private-only endpoint and requires `terraform_in_vpc = true`. Changes in place.")),
                ("terraform_in_vpc", optional(boolean(), "Set to `true` when Terraform runs inside the platform's VPC (or a network routed to it: VPN, peering, Transit Gateway), where the private endpoint answers: allows a private-only endpoint (`endpoint_public_access_cidrs = []`, the default then). Default `false`.")),
                ("tags", optional(map_of_strings(), "Tags for every AWS object of the platform, on top of the provider's `default_tags`.")),
                ("tags_all", computed(map_of_strings(), "All tags of the platform's objects: `default_tags`, `tags` and `emreks:platform`.")),
                ("cluster_name", computed(string(), "Name of the EKS cluster.")),
                ("arn", computed(string(), "ARN of the EKS cluster, as `cluster_arn`.")),
                ("cluster_arn", computed(string(), "ARN of the EKS cluster.")),
                ("cluster_endpoint", computed(string(), "URL of the cluster's Kubernetes API.")),
                ("cluster_certificate_authority_data", computed(string(), "Base64-encoded certificate of the cluster's certificate authority, for a kubeconfig's `certificate-authority-data` or a Kubernetes provider's `cluster_ca_certificate` (after `base64decode`).")),
                ("kubeconfig_command", computed(string(), "A ready `aws eks update-kubeconfig` command that adds the cluster to your kubeconfig (as `eks_admin_role_arn` when set), so `kubectl get pods --namespace=batchjob -w` follows the jobs.")),
                ("cluster_role_arn", computed(string(), "ARN of the IAM role of the EKS control plane.")),
                ("cluster_security_group_id", computed(string(), "Security group EKS created for the control plane and nodes.")),
                ("oidc_issuer_url", computed(string(), "OpenID Connect issuer URL of the cluster, for IAM roles for service accounts.")),
                ("vpc_id", computed(string(), "The VPC of the platform.")),
                ("subnet_ids_by_az", computed(map_of_strings(), "The private subnet of each availability zone, where nodegroups go.")),
                ("virtual_clusters", nested(Nesting::Map, Constraint::Optional, "EMR virtual clusters by name, e.g. `{ batchjob = { namespace = \"batchjob\" } }`. Each gets its Kubernetes namespace (created by the platform; one virtual cluster per namespace), and EMR sets up its access to it.", [("namespace", required(string(), "Kubernetes namespace of the virtual cluster (one virtual cluster per namespace)."))])),
                ("execution_roles", nested(Nesting::Map, Constraint::Optional, "IAM job execution roles by name: `{ jobs = { namespaces = [\"batchjob\"], policy = <IAM policy JSON or null>, trust = \"irsa\" } }`. `namespaces`: the virtual cluster namespaces whose jobs may use the role; `policy`: what the jobs need on top of the baseline every role gets (read the pod templates, write the logs), e.g. your data buckets; `trust`: `irsa` (IAM roles for service accounts; also when null) or `pod_identity` (EKS Pod Identity, EMR 7.3 and later).", [("namespaces", required(list_of_strings(), "Namespaces of `virtual_clusters` whose jobs may use the role.")), ("policy", optional(string(), "IAM policy JSON for what the jobs need beyond the baseline (e.g. your data buckets); may be left out.")), ("trust", optional(string(), "`irsa` (the default when left out) or `pod_identity`."))])),
                ("release_label", optional_computed(string(), "EMR release of the ready-made job requests, e.g. `emr-7.9.0-latest` (the default).")),
                ("log_retention_days", optional_computed(number(), "Retention of the platform's CloudWatch log groups, in days (default 30; one of the values CloudWatch allows): the jobs' and the control plane's `/aws/eks/<name>/cluster`, which the platform makes before the cluster and deletes with it. Changes in place.")),
                ("compute", optional_computed(string(), "How the platform gets its nodes: `managed_nodegroups` (the default: a tooling nodegroup with Cluster Autoscaler, the EKS add-ons and AWS Load Balancer Controller; Spark nodes from `emreks_nodegroup`) or `auto_mode` (EKS Auto Mode with its compute, block storage and load balancing capabilities and the built-in `system` and `general-purpose` node pools; Spark batch nodes from `emreks_node_pool`; without a `studio` block nothing of the platform's runs on nodes). Changes in place both ways; turning Auto Mode off terminates the nodes it runs (see the plan's warning). `auto_mode` allows no `tooling` block. With a `studio` block the notebooks run on `emreks_nodegroup` resources with the `notebook_driver` and `notebook_executor` roles (AWS documents interactive endpoints on managed nodegroups only), and the platform installs the `vpc-cni`, `kube-proxy`, `coredns` and `eks-pod-identity-agent` add-ons, Cluster Autoscaler and AWS Load Balancer Controller for them, the two controllers on Auto Mode's `system` pool.")),
                ("auto_mode_node_role_name", computed(string(), "With `compute = \"auto_mode\"`: name of the IAM role of the nodes Auto Mode runs (its built-in pools' and `emreks_node_pool`'s NodeClasses'), which has an EC2 access entry with `AmazonEKSAutoNodePolicy`. Null otherwise.")),
                ("auto_mode_node_role_arn", computed(string(), "With `compute = \"auto_mode\"`: ARN of that role. Null otherwise.")),
                ("node_ssm_access", optional(boolean(), "Attach `AmazonSSMManagedInstanceCore` to the nodes' role, so AWS Systems Manager Session Manager can open shells on the nodes. Off unless set to `true`: it lets anyone with SSM access into every node. Changes in place.")),
                ("tooling_nodegroup_name", computed(string(), "Name of the managed nodegroup for system pods.")),
                ("node_role_arn", computed(string(), "IAM role of the platform's nodes, for `emreks_nodegroup`.")),
                ("oidc_provider_arn", computed(string(), "IAM OIDC provider of the cluster (IAM roles for service accounts).")),
                ("addon_versions", computed(map_of_strings(), "EKS add-ons and their versions: EKS's default for the cluster's Kubernetes version.")),
                ("assets_bucket", computed(string(), "S3 bucket holding the Spark pod templates.")),
                ("pod_template_uris", computed(map_of_strings(), "S3 URI of each pod template, e.g. `critical-driver`, `shared-executor`.")),
                ("log_group_names", computed(map_of_strings(), "CloudWatch log group of each job profile.")),
                ("virtual_cluster_ids", computed(map_of_strings(), "Id of each EMR virtual cluster.")),
                ("execution_role_arns", computed(map_of_strings(), "ARN of each job execution role.")),
                ("job_run_requests", computed(map_of_strings(), "For each job profile, a request `aws emr-containers start-job-run --cli-input-json` accepts as it is. Without `job_profile` blocks: `critical` and `non_critical` (and `notebook` with a Studio) when the virtual cluster and execution role to use are unambiguous.")),
                ("job_run_request_objects", nested(Nesting::Map, Constraint::Computed, "The requests of `job_run_requests` as objects, for `aws_emrcontainers_job_template` or an Airflow `EmrContainerOperator`.", [
                    ("name", computed(string(), "Name of the job run.")),
                    ("virtual_cluster_id", computed(string(), "Id of the virtual cluster the job runs in.")),
                    ("execution_role_arn", computed(string(), "ARN of the execution role the job runs as.")),
                    ("release_label", computed(string(), "EMR release, e.g. `emr-7.9.0-latest`.")),
                    ("entry_point", computed(string(), "Entry point of the Spark job.")),
                    ("entry_point_arguments", computed(list_of_strings(), "Arguments of the entry point.")),
                    ("spark_submit_parameters", computed(string(), "spark-submit parameters, or null.")),
                    ("spark_properties", computed(map_of_strings(), "The `spark-defaults` classification's properties.")),
                    ("log_group_name", computed(string(), "CloudWatch log group of the job's logs.")),
                    ("log_stream_name_prefix", computed(string(), "Prefix of the job's log streams.")),
                ])),
                ("studio_id", computed(string(), "Id of the EMR Studio.")),
                ("studio_url", computed(string(), "URL of the EMR Studio.")),
                ("studio_engine_security_group_id", computed(string(), "Security group of the notebooks' engines (managed endpoints).")),
                ("studio_workspace_security_group_id", computed(string(), "Security group of the Studio's workspaces.")),
            ],
            [
                ("tooling", NestedBlock::Optional(block(
                    "The managed nodegroup for system pods (CoreDNS, Cluster Autoscaler) across all private subnets; the defaults are the reference's. Sizes change in place; other changes replace the nodegroup only.",
                    [
                        ("instance_types", optional_computed(list_of_strings(), "Instance types (default `[\"t3.medium\"]`).")),
                        ("ami_type", optional_computed(string(), "EKS AMI type: `AL2023_x86_64_STANDARD` (default), `AL2023_ARM_64_STANDARD`, `BOTTLEROCKET_x86_64` or `BOTTLEROCKET_ARM_64`.")),
                        ("min_size", optional_computed(number(), "Minimum number of nodes (default 2).")),
                        ("max_size", optional_computed(number(), "Maximum number of nodes (default 10).")),
                        ("desired_size", optional_computed(number(), "Desired number of nodes (default 2).")),
                    ],
                    [],
                ))),
                ("job_profile", NestedBlock::Map(block(
                    "A job profile, labelled `critical` (on-demand nodes), `non_critical` (spot executors) or `notebook`; unset values take the reference platform's. Each profile gets a ready-made request in `job_run_requests`.",
                    [
                        ("virtual_cluster", required(string(), "Key of `virtual_clusters` the profile's jobs run in.")),
                        ("execution_role", required(string(), "Key of `execution_roles` the profile's jobs run as.")),
                        ("min_executors", optional_computed(number(), "Dynamic allocation minimum (reference: 8, notebook 0).")),
                        ("max_executors", optional_computed(number(), "Dynamic allocation maximum (reference: 40, notebook 20).")),
                        ("allocation_batch_size", optional_computed(number(), "Executors requested per allocation round (reference: 8, notebook 2).")),
                        ("executor_cores", optional_computed(number(), "CPU request of an executor, may be fractional (reference: critical 7.7, non_critical 3.8, notebook 3.7).")),
                        ("executor_memory", optional_computed(string(), "Executor heap, e.g. `20800m` (reference: critical 20800m, non_critical 10400m, notebook 10200m).")),
                        ("driver_cores", optional_computed(number(), "CPU request of the driver (reference: 2.5, 1.7, 1.6).")),
                        ("driver_memory", optional_computed(string(), "Driver heap (reference: 6800m, 4900m, 4700m).")),
                        ("executor_task_cores", optional(number(), "Tasks an executor runs at once, `spark.executor.cores` (default: `executor_cores` rounded up). The walkthrough's job: 8, with `executor_cores = 7`.")),
                        ("driver_task_cores", optional(number(), "`spark.driver.cores` (default: `driver_cores` rounded up).")),
                        ("entry_point", optional_computed(string(), "Entry point of the ready-made request (default: Spark's Pi example).")),
                        ("entry_point_arguments", optional(list_of_strings(), "Arguments of the entry point.")),
                        ("spark_submit_parameters", optional(string(), "spark-submit parameters of the request, e.g. `--conf spark.sql.shuffle.partitions=400`.")),
                        ("spark_properties", optional(map_of_strings(), "spark-defaults merged over the profile's, e.g. `{ \"spark.sql.adaptive.enabled\" = \"true\" }`. The sizes have their own arguments (`executor_memory`, ...), which the nodegroups' sizing reads.")),
                    ],
                    [],
                ))),
                ("studio", NestedBlock::Optional(block(
                    "An EMR Studio for the platform's notebooks: service role, workspace and engine security groups, an encrypted workspace bucket. Changing it replaces the Studio only.",
                    [
                        ("name", required(string(), "Name of the EMR Studio.")),
                        ("auth_mode", required(string(), "`IAM` or `SSO` (IAM Identity Center).")),
                        ("idc_instance_arn", optional(string(), "IAM Identity Center instance ARN; required with `SSO`.")),
                        ("virtual_cluster", optional_computed(string(), "Key of `virtual_clusters` the Studio's notebooks attach to. May be left out when the choice is obvious: the one a `notebook` job profile names, else the only virtual cluster.")),
                    ],
                    [],
                ))),
                ("timeouts", timeouts::schema("40m", "60m", "40m")),
            ],
        ),
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct PlatformState {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub kubernetes_version: Value<String>,
    #[serde(default)]
    pub eks_admin_role_arn: Value<String>,
    #[serde(default)]
    pub vpc_cidr: Value<String>,
    #[serde(default)]
    pub availability_zones: StringList,
    #[serde(default)]
    pub subnet_ids: StringList,
    #[serde(default)]
    pub endpoint_public_access_cidrs: StringList,
    #[serde(default)]
    pub terraform_in_vpc: Value<bool>,
    #[serde(default)]
    pub tags: StringMap,
    #[serde(default)]
    pub tags_all: StringMap,
    #[serde(default)]
    pub cluster_name: Value<String>,
    #[serde(default)]
    pub arn: Value<String>,
    #[serde(default)]
    pub cluster_arn: Value<String>,
    #[serde(default)]
    pub cluster_endpoint: Value<String>,
    #[serde(default)]
    pub cluster_certificate_authority_data: Value<String>,
    #[serde(default)]
    pub kubeconfig_command: Value<String>,
    #[serde(default)]
    pub cluster_role_arn: Value<String>,
    #[serde(default)]
    pub cluster_security_group_id: Value<String>,
    #[serde(default)]
    pub oidc_issuer_url: Value<String>,
    #[serde(default)]
    pub vpc_id: Value<String>,
    #[serde(default)]
    pub subnet_ids_by_az: StringMap,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub tooling: Value<ToolingState>,
    #[serde(default)]
    pub node_ssm_access: Value<bool>,
    #[serde(default)]
    pub compute: Value<String>,
    #[serde(default)]
    pub auto_mode_node_role_name: Value<String>,
    #[serde(default)]
    pub auto_mode_node_role_arn: Value<String>,
    #[serde(default)]
    pub tooling_nodegroup_name: Value<String>,
    #[serde(default)]
    pub virtual_clusters: Value<BTreeMap<String, Value<VirtualClusterState>>>,
    #[serde(default)]
    pub execution_roles: Value<BTreeMap<String, Value<ExecutionRoleState>>>,
    #[serde(default)]
    pub release_label: Value<String>,
    #[serde(default)]
    pub log_retention_days: Value<i64>,
    #[serde(default, rename = "job_profile")]
    pub job_profiles: Value<BTreeMap<String, Value<JobProfileState>>>,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub studio: Value<StudioState>,
    #[serde(default)]
    pub node_role_arn: Value<String>,
    #[serde(default)]
    pub oidc_provider_arn: Value<String>,
    #[serde(default)]
    pub addon_versions: StringMap,
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
    pub job_run_request_objects: Value<BTreeMap<String, Value<JobRunState>>>,
    #[serde(default)]
    pub studio_id: Value<String>,
    #[serde(default)]
    pub studio_url: Value<String>,
    #[serde(default)]
    pub studio_engine_security_group_id: Value<String>,
    #[serde(default)]
    pub studio_workspace_security_group_id: Value<String>,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub timeouts: Value<Timeouts>,
}

/// The managed nodegroup for system pods (CoreDNS, Cluster Autoscaler, ...).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ToolingState {
    #[serde(default)]
    pub instance_types: StringList,
    #[serde(default)]
    pub ami_type: Value<String>,
    #[serde(default)]
    pub min_size: Value<i64>,
    #[serde(default)]
    pub max_size: Value<i64>,
    #[serde(default)]
    pub desired_size: Value<i64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct VirtualClusterState {
    #[serde(default)]
    pub namespace: Value<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct ExecutionRoleState {
    #[serde(default)]
    pub namespaces: StringList,
    #[serde(default)]
    pub policy: Value<String>,
    #[serde(default)]
    pub trust: Value<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct JobProfileState {
    #[serde(default)]
    pub virtual_cluster: Value<String>,
    #[serde(default)]
    pub execution_role: Value<String>,
    #[serde(default)]
    pub min_executors: Value<i64>,
    #[serde(default)]
    pub max_executors: Value<i64>,
    #[serde(default)]
    pub allocation_batch_size: Value<i64>,
    #[serde(default)]
    pub executor_cores: Value<Decimal>,
    #[serde(default)]
    pub executor_memory: Value<String>,
    #[serde(default)]
    pub driver_cores: Value<Decimal>,
    #[serde(default)]
    pub driver_memory: Value<String>,
    #[serde(default)]
    pub executor_task_cores: Value<i64>,
    #[serde(default)]
    pub driver_task_cores: Value<i64>,
    #[serde(default)]
    pub entry_point: Value<String>,
    #[serde(default)]
    pub entry_point_arguments: StringList,
    #[serde(default)]
    pub spark_submit_parameters: Value<String>,
    #[serde(default)]
    pub spark_properties: StringMap,
}

/// A ready-made request as an object (`job_run_request_objects`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct JobRunState {
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub virtual_cluster_id: Value<String>,
    #[serde(default)]
    pub execution_role_arn: Value<String>,
    #[serde(default)]
    pub release_label: Value<String>,
    #[serde(default)]
    pub entry_point: Value<String>,
    #[serde(default)]
    pub entry_point_arguments: StringList,
    #[serde(default)]
    pub spark_submit_parameters: Value<String>,
    #[serde(default)]
    pub spark_properties: StringMap,
    #[serde(default)]
    pub log_group_name: Value<String>,
    #[serde(default)]
    pub log_stream_name_prefix: Value<String>,
}

impl JobRunState {
    pub fn of(input: &JobRunInput) -> Self {
        let text = |v: &str| Value::Value(v.to_string());
        JobRunState {
            name: text(&input.name),
            virtual_cluster_id: text(&input.virtual_cluster_id),
            execution_role_arn: text(&input.execution_role_arn),
            release_label: text(&input.release_label),
            entry_point: text(job_profiles::entry_point(input)),
            entry_point_arguments: to_list(input.entry_point_arguments.iter().cloned()),
            spark_submit_parameters: input.spark_submit_parameters.clone().into(),
            spark_properties: to_map(&job_profiles::spark_properties(input)),
            log_group_name: text(&input.log_group_name),
            log_stream_name_prefix: text(&input.log_stream_name_prefix),
        }
    }
}

/// Both forms of the ready-made requests, from the same inputs.
pub fn job_run_outputs(
    runs: &BTreeMap<String, JobRunInput>,
) -> (StringMap, Value<BTreeMap<String, Value<JobRunState>>>) {
    let requests = runs
        .iter()
        .map(|(key, input)| {
            (
                key.clone(),
                job_profiles::start_job_run_request(input).to_string(),
            )
        })
        .collect();
    let objects = runs
        .iter()
        .map(|(key, input)| (key.clone(), Value::Value(JobRunState::of(input))))
        .collect();
    (to_map(&requests), Value::Value(objects))
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct StudioState {
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub auth_mode: Value<String>,
    #[serde(default)]
    pub idc_instance_arn: Value<String>,
    #[serde(default)]
    pub virtual_cluster: Value<String>,
}

/// The platform as the configuration asks for it, decoded once at apply.
#[derive(Clone, Debug, PartialEq)]
pub struct PlatformSpec {
    pub name: String,
    /// `None` takes EKS's default.
    pub kubernetes_version: Option<String>,
    pub admin_role_arn: Option<String>,
    pub network: NetworkSpec,
    /// Empty for a private endpoint only.
    pub public_access_cidrs: Vec<String>,
    /// Every tag of every object: `default_tags`, `tags`, the platform tag.
    pub tags: BTreeMap<String, String>,
    pub tooling: Tooling,
    /// Whether the nodes' role may be reached by Session Manager.
    pub node_ssm_access: bool,
    pub compute: Compute,
    /// Virtual cluster key → its namespace.
    pub virtual_clusters: BTreeMap<String, String>,
    pub execution_roles: BTreeMap<String, ExecutionRoleSpec>,
    pub release_label: String,
    pub log_retention_days: i32,
    pub job_profiles: Vec<ProfileSpec>,
    pub studio: Option<StudioSpec>,
    pub timeouts: Durations,
}

/// Where the cluster runs.
#[derive(Clone, Debug, PartialEq)]
pub enum NetworkSpec {
    /// A VPC of its own, laid out over the zones.
    Own {
        cidr: Ipv4Net,
        subnets: Vec<SubnetPlan>,
    },
    /// Private subnets the user passes in, one per zone.
    Given { subnet_ids: Vec<String> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExecutionRoleSpec {
    pub namespaces: Vec<String>,
    /// What the jobs need beyond the baseline.
    pub policy: Option<Json>,
    pub trust: Trust,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StudioSpec {
    pub name: String,
    pub auth_mode: AuthMode,
    pub idc_instance_arn: Option<String>,
    pub virtual_cluster: String,
}

impl PlatformSpec {
    /// What the platform runs for managed nodes.
    pub fn node_stack(&self) -> NodeStack {
        self.compute.node_stack(self.studio.is_some())
    }

    /// Decodes a state whose arguments are all known (a planned state at
    /// apply); a value the provider cannot act on is a configuration error
    /// on its attribute.
    pub fn decode(state: &PlatformState) -> Result<PlatformSpec> {
        let config = |path: AttributePath| move |why: String| Error::config(path, why);
        let network = match known(&state.vpc_cidr) {
            Some(cidr) => {
                let cidr =
                    validate::vpc_cidr(cidr).map_err(config(AttributePath::new("vpc_cidr")))?;
                let subnets = plan_subnets(cidr, &strings(&state.availability_zones))
                    .map_err(config(AttributePath::new("vpc_cidr")))?;
                NetworkSpec::Own { cidr, subnets }
            }
            None => NetworkSpec::Given {
                subnet_ids: strings(&state.subnet_ids),
            },
        };
        let retention = state
            .log_retention_days
            .as_ref_option()
            .copied()
            .unwrap_or(defaults::LOG_RETENTION_DAYS);
        let log_retention_days = validate::check_retention(retention)
            .map_err(config(AttributePath::new("log_retention_days")))?;
        let mut execution_roles = BTreeMap::new();
        for (key, role) in state.execution_roles.iter().flatten() {
            let Some(role) = role.as_ref_option() else {
                continue;
            };
            let path = || AttributePath::new("execution_roles").key(key.clone());
            let policy = known(&role.policy)
                .map(validate::policy_document)
                .transpose()
                .map_err(config(path().attribute("policy")))?;
            let trust =
                Trust::parse(known(&role.trust)).map_err(config(path().attribute("trust")))?;
            execution_roles.insert(
                key.clone(),
                ExecutionRoleSpec {
                    namespaces: strings(&role.namespaces),
                    policy,
                    trust,
                },
            );
        }
        let studio = match state.studio.as_ref_option() {
            None => None,
            Some(studio) => Some(StudioSpec {
                name: known(&studio.name).unwrap_or_default().to_string(),
                auth_mode: AuthMode::parse(known(&studio.auth_mode).unwrap_or_default()).map_err(
                    config(AttributePath::new("studio").index(0).attribute("auth_mode")),
                )?,
                idc_instance_arn: known(&studio.idc_instance_arn).map(str::to_string),
                virtual_cluster: match known(&studio.virtual_cluster) {
                    Some(cluster) => cluster.to_string(),
                    None => notebook_cluster(state).map_err(config(
                        AttributePath::new("studio")
                            .index(0)
                            .attribute("virtual_cluster"),
                    ))?,
                },
            }),
        };
        Ok(PlatformSpec {
            name: known(&state.name).unwrap_or_default().to_string(),
            kubernetes_version: known(&state.kubernetes_version).map(str::to_string),
            admin_role_arn: known(&state.eks_admin_role_arn).map(str::to_string),
            network,
            public_access_cidrs: match &state.endpoint_public_access_cidrs {
                Value::Value(_) => strings(&state.endpoint_public_access_cidrs),
                _ => endpoint::default_public_cidrs(
                    state.terraform_in_vpc.as_ref_option() == Some(&true),
                ),
            },
            tags: string_map(&state.tags_all),
            tooling: tooling(state),
            node_ssm_access: state
                .node_ssm_access
                .as_ref_option()
                .copied()
                .unwrap_or(false),
            compute: Compute::parse(known(&state.compute))
                .map_err(config(AttributePath::new("compute")))?,
            virtual_clusters: virtual_clusters(state),
            execution_roles,
            release_label: release_label(state).to_string(),
            log_retention_days,
            job_profiles: profile_specs(state),
            studio,
            timeouts: Durations::of(&state.timeouts, DEFAULT_TIMEOUTS),
        })
    }
}

/// What the state records of a platform that exists: its arguments as
/// they were last applied or refreshed, and the ids AWS gave. Update,
/// destroy and the rediscovery of lost ids start from it; unlike a spec it
/// refuses nothing, since a refresh may have read back values to repair.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// The cluster's name (the id; the name before there was one).
    pub name: String,
    pub kubernetes_version: Option<String>,
    pub admin_role_arn: Option<String>,
    pub public_access_cidrs: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub cluster_arn: Option<String>,
    pub cluster_role_arn: Option<String>,
    pub vpc_id: Option<String>,
    pub subnets_by_zone: BTreeMap<String, String>,
    pub assets_bucket: Option<String>,
    pub oidc_provider_arn: Option<String>,
    pub studio: Option<RecordedStudio>,
    pub timeouts: Durations,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordedStudio {
    pub id: Option<String>,
    pub url: Option<String>,
    pub workspace_security_group: Option<String>,
    pub engine_security_group: Option<String>,
    /// Whether its users sign in through IAM Identity Center.
    pub sso: bool,
}

impl Recorded {
    pub fn decode(state: &PlatformState) -> Recorded {
        let text = |value: &Value<String>| known(value).map(str::to_string);
        Recorded {
            name: known(&state.id)
                .or(known(&state.name))
                .unwrap_or_default()
                .to_string(),
            kubernetes_version: text(&state.kubernetes_version),
            admin_role_arn: text(&state.eks_admin_role_arn),
            public_access_cidrs: strings(&state.endpoint_public_access_cidrs),
            tags: string_map(&state.tags_all),
            cluster_arn: text(&state.cluster_arn),
            cluster_role_arn: text(&state.cluster_role_arn),
            vpc_id: text(&state.vpc_id),
            subnets_by_zone: string_map(&state.subnet_ids_by_az),
            assets_bucket: text(&state.assets_bucket),
            oidc_provider_arn: text(&state.oidc_provider_arn),
            studio: Some(RecordedStudio {
                id: text(&state.studio_id),
                url: text(&state.studio_url),
                workspace_security_group: text(&state.studio_workspace_security_group_id),
                engine_security_group: text(&state.studio_engine_security_group_id),
                sso: state
                    .studio
                    .as_ref_option()
                    .is_some_and(|s| known(&s.auth_mode) == Some("SSO")),
            })
            // A create whose Studio failed records its security groups only.
            .filter(|s| {
                s.id.is_some()
                    || s.workspace_security_group.is_some()
                    || s.engine_security_group.is_some()
            }),
            timeouts: Durations::of(&state.timeouts, DEFAULT_TIMEOUTS),
        }
    }
}

/// The release of the ready-made requests: the configuration's, else the reference's.
pub fn release_label(state: &PlatformState) -> &str {
    known(&state.release_label).unwrap_or(defaults::RELEASE_LABEL)
}

/// The tooling nodegroup after defaults.
pub fn tooling(state: &PlatformState) -> Tooling {
    let tooling = state.tooling.as_ref_option().cloned().unwrap_or_default();
    let reference = Tooling::default();
    let size = |v: &Value<i64>, d: i32| {
        v.as_ref_option()
            .map_or(d, |n| i32::try_from(*n).unwrap_or(d))
    };
    let instance_types = strings(&tooling.instance_types);
    Tooling {
        instance_types: if instance_types.is_empty() {
            reference.instance_types
        } else {
            instance_types
        },
        ami_type: known(&tooling.ami_type).map_or(reference.ami_type, str::to_string),
        min_size: size(&tooling.min_size, reference.min_size),
        max_size: size(&tooling.max_size, reference.max_size),
        desired_size: size(&tooling.desired_size, reference.desired_size),
    }
}

/// Virtual cluster key → namespace, for those whose namespace is known.
pub fn virtual_clusters(state: &PlatformState) -> BTreeMap<String, String> {
    state
        .virtual_clusters
        .iter()
        .flatten()
        .filter_map(|(key, vc)| {
            Some((
                key.clone(),
                known(&vc.as_ref_option()?.namespace)?.to_string(),
            ))
        })
        .collect()
}

/// Execution role key → the namespaces whose jobs may use it.
pub fn execution_role_namespaces(state: &PlatformState) -> BTreeMap<String, Vec<String>> {
    state
        .execution_roles
        .iter()
        .flatten()
        .filter_map(|(key, role)| Some((key.clone(), strings(&role.as_ref_option()?.namespaces))))
        .collect()
}

/// The key of the `notebook` job profile's virtual cluster, when configured.
fn notebook_profile_cluster(state: &PlatformState) -> Option<&str> {
    let profiles = state.job_profiles.as_ref_option()?;
    let profile = profiles.get(JobProfile::Notebook.key())?.as_ref_option()?;
    known(&profile.virtual_cluster)
}

/// The Studio's virtual cluster when `studio.virtual_cluster` is left out
/// (see [`default_profiles::notebook_cluster`]); `Err` says what to set.
pub fn notebook_cluster(state: &PlatformState) -> std::result::Result<String, String> {
    default_profiles::notebook_cluster(&virtual_clusters(state), notebook_profile_cluster(state))
}

/// Whether the configuration has no job_profile block, so the platform
/// chooses the walkthrough's profiles itself.
pub fn profiles_left_out(state: &PlatformState) -> bool {
    match &state.job_profiles {
        Value::Null => true,
        Value::Value(profiles) => profiles.is_empty(),
        Value::Unknown => false,
    }
}

/// The Studio's virtual cluster, given or chosen; `None` without a Studio
/// or while it cannot be told.
fn studio_cluster(state: &PlatformState) -> Option<String> {
    let studio = state.studio.as_ref_option()?;
    match &studio.virtual_cluster {
        Value::Value(cluster) => Some(cluster.clone()),
        Value::Null => notebook_cluster(state).ok(),
        Value::Unknown => None,
    }
}

/// What the platform chooses for a configuration without job_profile
/// blocks, and what it could not choose.
pub fn default_profile_choice(
    state: &PlatformState,
) -> (
    Vec<default_profiles::Chosen>,
    Vec<default_profiles::NoChoice>,
) {
    let clusters = virtual_clusters(state);
    let roles = execution_role_namespaces(state);
    let notebooks = studio_cluster(state);
    default_profiles::choose(&Layout {
        virtual_clusters: &clusters,
        execution_roles: &roles,
        notebook_cluster: notebooks.as_deref(),
    })
}

/// The job profiles the requests are made for: the configured ones whose
/// virtual cluster and execution role are known or, without any
/// job_profile block, those the platform chooses, at the reference sizes.
pub fn profile_specs(state: &PlatformState) -> Vec<ProfileSpec> {
    if profiles_left_out(state) {
        return default_profile_choice(state)
            .0
            .into_iter()
            .map(|chosen| {
                ProfileSpec::reference(
                    chosen.profile,
                    &chosen.virtual_cluster,
                    &chosen.execution_role,
                )
            })
            .collect();
    }
    let Value::Value(profiles) = &state.job_profiles else {
        return Vec::new();
    };
    profiles
        .iter()
        .filter_map(|(key, profile)| {
            let (Some(kind), Value::Value(profile)) = (JobProfile::from_key(key), profile) else {
                return None;
            };
            Some(ProfileSpec {
                profile: kind,
                virtual_cluster: known(&profile.virtual_cluster)?.to_string(),
                execution_role: known(&profile.execution_role)?.to_string(),
                settings: profile_settings(profile, kind),
                entry_point: known(&profile.entry_point).map(str::to_string),
                entry_point_arguments: strings(&profile.entry_point_arguments),
                spark_submit_parameters: known(&profile.spark_submit_parameters)
                    .map(str::to_string),
                spark_properties: string_map(&profile.spark_properties),
            })
        })
        .collect()
}

/// A whole number of task slots; out-of-range values read as 0, which
/// validation refuses.
fn task_cores(value: &Value<i64>) -> Option<u32> {
    value
        .as_ref_option()
        .map(|n| u32::try_from(*n).unwrap_or(0))
}

/// A profile's settings: its block's known values over the reference's.
pub fn profile_settings(profile: &JobProfileState, kind: JobProfile) -> ProfileSettings {
    let reference = ProfileSettings::defaults(kind);
    let number = |v: &Value<i64>, d: u32| {
        v.as_ref_option()
            .map_or(d, |n| u32::try_from((*n).max(0)).unwrap_or(u32::MAX))
    };
    let cores =
        |v: &Value<Decimal>, d: f64| v.as_ref_option().and_then(Decimal::to_f64).unwrap_or(d);
    ProfileSettings {
        min_executors: number(&profile.min_executors, reference.min_executors),
        max_executors: number(&profile.max_executors, reference.max_executors),
        allocation_batch_size: number(
            &profile.allocation_batch_size,
            reference.allocation_batch_size,
        ),
        executor_cores: cores(&profile.executor_cores, reference.executor_cores),
        executor_memory: known(&profile.executor_memory)
            .map_or(reference.executor_memory.clone(), str::to_string),
        driver_cores: cores(&profile.driver_cores, reference.driver_cores),
        driver_memory: known(&profile.driver_memory)
            .map_or(reference.driver_memory.clone(), str::to_string),
        executor_task_cores: task_cores(&profile.executor_task_cores),
        driver_task_cores: task_cores(&profile.driver_task_cores),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::values::to_list;

    fn planned() -> PlatformState {
        PlatformState {
            name: Value::Value("analytics".into()),
            vpc_cidr: Value::Value("10.0.0.0/16".into()),
            availability_zones: to_list(["eu-west-1a".to_string(), "eu-west-1b".to_string()]),
            ..Default::default()
        }
    }

    #[test]
    fn the_spec_fills_in_the_reference_values() {
        let spec = PlatformSpec::decode(&planned()).unwrap();
        assert_eq!(spec.release_label, defaults::RELEASE_LABEL);
        assert_eq!(spec.log_retention_days, 30);
        assert_eq!(spec.tooling, Tooling::default());
        assert_eq!(spec.timeouts, DEFAULT_TIMEOUTS);
        let NetworkSpec::Own { subnets, .. } = &spec.network else {
            panic!("a VPC of its own: {:?}", spec.network);
        };
        assert_eq!(subnets.len(), 4);
    }

    #[test]
    fn a_value_refused_at_apply_points_at_its_attribute() {
        let mut state = planned();
        state.execution_roles = Value::Value(BTreeMap::from([(
            "jobs".to_string(),
            Value::Value(ExecutionRoleState {
                namespaces: to_list(["batch".to_string()]),
                policy: Value::Value("{not json".into()),
                trust: Value::Null,
            }),
        )]));
        let Err(Error::Config { path, .. }) = PlatformSpec::decode(&state) else {
            panic!("a configuration error");
        };
        assert_eq!(path.to_string(), "execution_roles[\"jobs\"].policy");

        let mut state = planned();
        state.log_retention_days = Value::Value(31);
        let Err(Error::Config { path, .. }) = PlatformSpec::decode(&state) else {
            panic!("a configuration error");
        };
        assert_eq!(path.to_string(), "log_retention_days");
    }

    fn walkthrough_layout() -> PlatformState {
        let mut state = planned();
        let cluster = |ns: &str| {
            Value::Value(VirtualClusterState {
                namespace: Value::Value(ns.to_string()),
            })
        };
        state.virtual_clusters = Value::Value(BTreeMap::from([
            ("batchjob".to_string(), cluster("batchjob")),
            ("emrvcplatform".to_string(), cluster("dataanalysis")),
        ]));
        let role = |ns: &str| {
            Value::Value(ExecutionRoleState {
                namespaces: to_list([ns.to_string()]),
                ..Default::default()
            })
        };
        state.execution_roles = Value::Value(BTreeMap::from([
            ("jobs".to_string(), role("batchjob")),
            ("notebooks".to_string(), role("dataanalysis")),
        ]));
        state
    }

    #[test]
    fn without_job_profiles_the_platform_chooses_them() {
        let mut state = walkthrough_layout();
        let keys = |state: &PlatformState| {
            profile_specs(state)
                .iter()
                .map(|p| (p.profile.key(), p.virtual_cluster.clone()))
                .collect::<Vec<_>>()
        };
        // No Studio: the two batch profiles, but which cluster is unclear.
        assert_eq!(keys(&state), []);
        state.studio = Value::Value(StudioState {
            name: Value::Value("platform".into()),
            auth_mode: Value::Value("IAM".into()),
            virtual_cluster: Value::Value("emrvcplatform".into()),
            ..Default::default()
        });
        assert_eq!(
            keys(&state),
            [
                ("critical", "batchjob".to_string()),
                ("non_critical", "batchjob".to_string()),
                ("notebook", "emrvcplatform".to_string()),
            ]
        );
    }

    #[test]
    fn the_studio_cluster_left_out_is_chosen_or_asked_for() {
        let mut state = walkthrough_layout();
        state.studio = Value::Value(StudioState {
            name: Value::Value("platform".into()),
            auth_mode: Value::Value("IAM".into()),
            ..Default::default()
        });
        let Err(Error::Config { path, why }) = PlatformSpec::decode(&state) else {
            panic!("two virtual clusters and no notebook profile: ambiguous");
        };
        assert_eq!(path.to_string(), "studio[0].virtual_cluster");
        assert!(why.contains("set `studio.virtual_cluster`"), "{why}");

        state.job_profiles = Value::Value(BTreeMap::from([(
            "notebook".to_string(),
            Value::Value(JobProfileState {
                virtual_cluster: Value::Value("emrvcplatform".into()),
                execution_role: Value::Value("notebooks".into()),
                ..Default::default()
            }),
        )]));
        let spec = PlatformSpec::decode(&state).unwrap();
        assert_eq!(
            spec.studio.map(|s| s.virtual_cluster).as_deref(),
            Some("emrvcplatform")
        );
    }

    #[test]
    fn the_record_reads_what_exists() {
        let mut state = planned();
        state.id = Value::Value("analytics".into());
        state.studio_id = Value::Value("es-1".into());
        state.studio = Value::Value(StudioState {
            auth_mode: Value::Value("SSO".into()),
            ..Default::default()
        });
        let recorded = Recorded::decode(&state);
        assert_eq!(recorded.name, "analytics");
        assert_eq!(
            recorded.studio.map(|s| (s.id, s.sso)),
            Some((Some("es-1".to_string()), true))
        );
    }

    #[test]
    fn a_studio_that_failed_is_recorded_by_its_security_groups() {
        let mut state = planned();
        state.id = Value::Value("analytics".into());
        assert_eq!(Recorded::decode(&state).studio, None);
        state.studio_engine_security_group_id = Value::Value("sg-1".into());
        let recorded = Recorded::decode(&state).studio;
        assert_eq!(
            recorded.map(|s| (s.id, s.engine_security_group)),
            Some((None, Some("sg-1".to_string())))
        );
    }
}
