//! IAM policy and trust documents of the platform, least privilege, as
//! `serde_json::Value` ready to serialize into IAM requests.

use crate::platform::base36::encode_role_name;
use serde_json::{json, Value};

const VERSION: &str = "2012-10-17";
fn document(statements: Vec<Value>) -> Value {
    json!({ "Version": VERSION, "Statement": statements })
}

/// One value as a string, several as a list (IAM accepts both; one string
/// keeps the stored document identical to what IAM echoes back).
fn one_or_many(values: Vec<String>) -> Value {
    match <[String; 1]>::try_from(values) {
        Ok([single]) => Value::String(single),
        Err(values) => json!(values),
    }
}

/// How a job execution role is assumed by the jobs' pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trust {
    /// IAM roles for service accounts, through the cluster's OIDC provider.
    Irsa,
    /// EKS Pod Identity (EMR 7.3 and later).
    PodIdentity,
}

impl Trust {
    /// The `trust` of an execution role; left out, IRSA.
    pub fn parse(value: Option<&str>) -> Result<Trust, String> {
        match value {
            None | Some("irsa") => Ok(Trust::Irsa),
            Some("pod_identity") => Ok(Trust::PodIdentity),
            Some(other) => Err(format!(
                "\"{other}\" is not a trust kind; use \"irsa\" or \"pod_identity\"."
            )),
        }
    }
}

/// Trust of the EKS control plane's role.
pub fn cluster_role_trust() -> Value {
    document(vec![json!({
        "Effect": "Allow",
        "Principal": { "Service": "eks.amazonaws.com" },
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    })])
}

/// What the EKS control plane needs, as AWS manages it.
pub const CLUSTER_ROLE_POLICIES: [&str; 1] = ["AmazonEKSClusterPolicy"];

/// Trust of the nodes' role: EC2 instances assume it.
pub fn node_role_trust() -> Value {
    document(vec![json!({
        "Effect": "Allow",
        "Principal": { "Service": "ec2.amazonaws.com" },
        "Action": "sts:AssumeRole",
    })])
}

/// What every EKS node needs: join the cluster and pull images. The VPC
/// CNI's network permissions are not among them: `aws-node` gets them on its
/// own role through EKS Pod Identity ([`VPC_CNI_POLICIES`]), so no pod on a
/// node can borrow them from the node's role.
pub const NODE_ROLE_POLICIES: [&str; 2] = [
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
];

/// Lets Session Manager open shells on the nodes; only when the platform's
/// `node_ssm_access` asks for it.
pub const NODE_SSM_POLICY: &str = "AmazonSSMManagedInstanceCore";

/// The VPC CNI's role (`kube-system/aws-node`): manage the nodes' network
/// interfaces and addresses, as AWS manages the policy.
pub const VPC_CNI_POLICIES: [&str; 1] = ["AmazonEKS_CNI_Policy"];

/// The EBS CSI driver's controller role (`kube-system/ebs-csi-controller-sa`):
/// make, attach and delete volumes and snapshots. AWS keeps this managed
/// policy under the `service-role/` path.
pub const EBS_CSI_POLICIES: [&str; 1] = ["service-role/AmazonEBSCSIDriverPolicy"];

/// Trust of a job execution role for IAM roles for service accounts: the
/// cluster's OIDC provider may issue web-identity tokens for the service
/// accounts EMR on EKS creates for this role in each of `namespaces`.
/// `oidc_issuer_host_path` is the issuer without scheme
/// (`oidc.eks.<region>.amazonaws.com/id/<id>`); a leading `https://` is
/// dropped. Fails when no namespace is given: such a trust admits no one.
pub fn irsa_trust(
    oidc_provider_arn: &str,
    oidc_issuer_host_path: &str,
    account_id: &str,
    role_name: &str,
    namespaces: &[String],
) -> Result<Value, String> {
    let issuer = oidc_issuer_host_path.trim_start_matches("https://");
    let encoded_role = encode_role_name(role_name);
    let mut subjects: Vec<String> = Vec::new();
    for namespace in namespaces {
        let subject = format!(
            "system:serviceaccount:{namespace}:emr-containers-sa-*-*-{account_id}-{encoded_role}"
        );
        if !subjects.contains(&subject) {
            subjects.push(subject);
        }
    }
    if subjects.is_empty() {
        return Err(format!(
            "the execution role \"{role_name}\" is trusted in no namespace; list at least one virtual cluster namespace whose jobs may use it"
        ));
    }
    Ok(document(vec![json!({
        "Effect": "Allow",
        "Principal": { "Federated": oidc_provider_arn },
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringLike": { format!("{issuer}:sub"): one_or_many(subjects) },
            "StringEquals": { format!("{issuer}:aud"): "sts.amazonaws.com" },
        },
    })]))
}

/// The session tags EKS Pod Identity puts on the role session it opens for
/// a pod (EKS User Guide, "Create IAM role with trust policy required by EKS
/// Pod Identity" and "Enable or disable session tags"): a trust policy binds
/// the role to a cluster, namespaces and service accounts through them.
pub const POD_IDENTITY_CLUSTER_TAG: &str = "aws:RequestTag/eks-cluster-arn";
pub const POD_IDENTITY_NAMESPACE_TAG: &str = "aws:RequestTag/kubernetes-namespace";
pub const POD_IDENTITY_SERVICE_ACCOUNT_TAG: &str = "aws:RequestTag/kubernetes-service-account";

/// Trust of a role used through EKS Pod Identity: the Pod Identity service
/// may assume it and tag the session (`sts:TagSession`), and only for pods
/// of this cluster running under one of `service_accounts` in one of
/// `namespaces` (EKS documents these conditions; `aws:SourceArn` is not
/// among them, so the cluster is matched by its session tag). The lists
/// come from validated configuration and are never empty.
pub fn pod_identity_trust(
    cluster_arn: &str,
    namespaces: &[String],
    service_accounts: &[String],
) -> Value {
    document(vec![json!({
        "Sid": "EksPodIdentity",
        "Effect": "Allow",
        "Principal": { "Service": "pods.eks.amazonaws.com" },
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {
            "StringEquals": {
                POD_IDENTITY_CLUSTER_TAG: cluster_arn,
                POD_IDENTITY_NAMESPACE_TAG: one_or_many(distinct(namespaces)),
                POD_IDENTITY_SERVICE_ACCOUNT_TAG: one_or_many(distinct(service_accounts)),
            }
        },
    })])
}

/// `values` without repeats, in their first order.
fn distinct(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        if !out.contains(value) {
            out.push(value.clone());
        }
    }
    out
}

/// Service accounts EMR on EKS runs a StartJobRun Spark job's pods under
/// when the job execution role is used through EKS Pod Identity (one pod
/// identity association each, in the virtual cluster's namespace). Pattern
/// `emr-containers-sa-<framework>-<component>-<account>-<base36 role name>`,
/// as `aws emr-containers create-role-associations` documents it.
pub fn pod_identity_service_accounts(account_id: &str, role_name: &str) -> Vec<String> {
    let encoded_role = encode_role_name(role_name);
    ["client", "driver", "executor"]
        .iter()
        .map(|component| format!("emr-containers-sa-spark-{component}-{account_id}-{encoded_role}"))
        .collect()
}

/// What every job needs whatever its data: read its pod templates (the job
/// submitter fetches them from S3 with the execution role) and write its
/// logs to the given CloudWatch log groups. `log_group_arns` may end in
/// `:*` (as `DescribeLogGroups` returns them) or not.
pub fn job_baseline_policy(
    partition: &str,
    bucket: &str,
    pod_template_prefix: &str,
    log_group_arns: &[String],
) -> Value {
    let prefix = folder(pod_template_prefix);
    let mut statements = vec![
        json!({
            "Sid": "ReadPodTemplates",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": format!("arn:{partition}:s3:::{bucket}/{prefix}*"),
        }),
        json!({
            "Sid": "ListPodTemplates",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": format!("arn:{partition}:s3:::{bucket}"),
            "Condition": { "StringLike": { "s3:prefix": format!("{prefix}*") } },
        }),
    ];
    let mut log_resources: Vec<String> = Vec::new();
    for arn in log_group_arns {
        let group = arn.trim_end_matches(":*");
        for resource in [group.to_string(), format!("{group}:*")] {
            if !log_resources.contains(&resource) {
                log_resources.push(resource);
            }
        }
    }
    if !log_resources.is_empty() {
        statements.push(json!({
            "Sid": "WriteJobLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": log_resources,
        }));
    }
    statements.push(json!({
        "Sid": "FindLogGroups",
        "Effect": "Allow",
        "Action": "logs:DescribeLogGroups",
        "Resource": "*",
    }));
    document(statements)
}

/// An S3 key prefix as a folder: no leading '/', one trailing '/' unless empty,
/// so `team` cannot also grant `team-other/`.
fn folder(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}/")
    }
}

/// Cluster Autoscaler with auto-discovery: it may read every group, but
/// resize or shrink only the Auto Scaling groups tagged as owned by this
/// cluster, and describe only this cluster's node groups.
pub fn cluster_autoscaler_policy(partition: &str, cluster_name: &str) -> Value {
    document(vec![
        json!({
            "Sid": "DiscoverGroupsAndInstanceTypes",
            "Effect": "Allow",
            "Action": [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
            ],
            "Resource": "*",
        }),
        json!({
            "Sid": "ResizeOwnedGroupsOnly",
            "Effect": "Allow",
            "Action": [
                "autoscaling:SetDesiredCapacity",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    format!("aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}"): "owned"
                }
            },
        }),
        json!({
            "Sid": "DescribeOwnNodegroups",
            "Effect": "Allow",
            "Action": "eks:DescribeNodegroup",
            "Resource": format!("arn:{partition}:eks:*:*:nodegroup/{cluster_name}/*"),
        }),
    ])
}

/// Bucket policy refusing any request not made over TLS.
pub fn tls_only_bucket_policy(partition: &str, bucket: &str) -> Value {
    document(vec![json!({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [
            format!("arn:{partition}:s3:::{bucket}"),
            format!("arn:{partition}:s3:::{bucket}/*"),
        ],
        "Condition": { "Bool": { "aws:SecureTransport": "false" } },
    })])
}

/// The condition keys the provider may write, per service, as the Service
/// Authorization Reference lists them ("Actions, resources, and condition
/// keys for <service>", and IAM's "AWS global condition context keys").
/// IAM accepts any key, so a key a service does not define silently never
/// matches: every generated document is checked against this table by a
/// unit test. A key ending in `/` takes a tag key after it.
#[cfg(test)]
pub const CONDITION_KEYS: &[(&str, &[&str])] = &[
    (
        "aws",
        &[
            "aws:SourceAccount",
            "aws:SourceArn",
            "aws:SecureTransport",
            "aws:RequestTag/",
            "aws:ResourceTag/",
            "aws:TagKeys",
        ],
    ),
    ("ec2", &["ec2:CreateAction", "ec2:ResourceTag/"]),
    (
        "elasticloadbalancing",
        &[
            "elasticloadbalancing:CreateAction",
            "elasticloadbalancing:ResourceTag/",
        ],
    ),
    ("iam", &["iam:AWSServiceName"]),
    (
        "elasticmapreduce",
        &[
            "elasticmapreduce:ExecutionRoleArn",
            "elasticmapreduce:RequestTag/",
            "elasticmapreduce:ResourceTag/",
        ],
    ),
    (
        "emr-containers",
        &[
            "emr-containers:ExecutionRoleArn",
            "emr-containers:JobTemplateArn",
        ],
    ),
    ("s3", &["s3:prefix", "s3:delimiter", "s3:max-keys"]),
];

/// The keys IAM defines for web-identity federation through an OpenID
/// Connect provider (IAM User Guide, "Available keys for AWS OIDC
/// federation"), prefixed by the provider's issuer without scheme.
#[cfg(test)]
const OIDC_KEYS: [&str; 3] = ["sub", "aud", "amr"];

/// Whether IAM or the key's service defines `key` (names compare without
/// case, as IAM does).
#[cfg(test)]
pub fn condition_key_known(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    if let Some((issuer, name)) = key.rsplit_once(':') {
        if issuer.starts_with("oidc.eks.") && issuer.contains("/id/") {
            return OIDC_KEYS.contains(&name);
        }
    }
    CONDITION_KEYS.iter().any(|(_, keys)| {
        keys.iter().any(|known| {
            let known = known.to_ascii_lowercase();
            match known.strip_suffix('/') {
                Some(_) => key.strip_prefix(&known).is_some_and(|tag| !tag.is_empty()),
                None => key == known,
            }
        })
    })
}

/// What the tests of every IAM document check.
#[cfg(test)]
pub(crate) mod checks {
    use serde_json::Value;

    use crate::platform::validate::policy_document;

    /// Every document must pass the provider's own policy check.
    pub fn assert_valid(doc: &Value) {
        policy_document(&doc.to_string()).expect("a valid policy document");
    }

    pub fn statement<'a>(doc: &'a Value, sid: &str) -> &'a Value {
        doc["Statement"]
            .as_array()
            .and_then(|s| s.iter().find(|st| st["Sid"] == sid))
            .unwrap_or_else(|| panic!("no statement {sid}"))
    }
}

#[cfg(test)]
mod tests {
    use super::checks::{assert_valid, statement};
    use super::*;

    const ACCOUNT: &str = "123456789012";
    const ISSUER: &str = "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789";

    fn provider_arn() -> String {
        format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}")
    }

    #[test]
    fn trust_policy_is_json() {
        let doc = cluster_role_trust();
        assert_valid(&doc);
        assert_eq!(
            doc["Statement"][0]["Principal"]["Service"],
            "eks.amazonaws.com"
        );
        assert_valid(&node_role_trust());
    }

    #[test]
    fn trust_kinds() {
        assert_eq!(Trust::parse(None), Ok(Trust::Irsa));
        assert_eq!(Trust::parse(Some("pod_identity")), Ok(Trust::PodIdentity));
        assert!(Trust::parse(Some("oidc")).is_err());
    }

    #[test]
    fn irsa_trust_for_one_namespace() {
        let doc = irsa_trust(
            &provider_arn(),
            ISSUER,
            ACCOUNT,
            "analytics-exec",
            &["batchjob".into()],
        )
        .unwrap();
        assert_valid(&doc);
        let st = &doc["Statement"][0];
        assert_eq!(st["Principal"]["Federated"], provider_arn());
        assert_eq!(st["Action"], "sts:AssumeRoleWithWebIdentity");
        assert_eq!(
            st["Condition"]["StringLike"][format!("{ISSUER}:sub")],
            "system:serviceaccount:batchjob:emr-containers-sa-*-*-123456789012-43txu6lo26m6qljfj4e2qr"
        );
        assert_eq!(
            st["Condition"]["StringEquals"][format!("{ISSUER}:aud")],
            "sts.amazonaws.com"
        );
    }

    #[test]
    fn irsa_trust_for_several_namespaces_lists_each_once() {
        let namespaces = vec![
            "batchjob".to_string(),
            "dataanalysis".into(),
            "batchjob".into(),
        ];
        let issuer_with_scheme = format!("https://{ISSUER}");
        let doc = irsa_trust(
            &provider_arn(),
            &issuer_with_scheme,
            ACCOUNT,
            "a",
            &namespaces,
        )
        .unwrap();
        let subjects = &doc["Statement"][0]["Condition"]["StringLike"][format!("{ISSUER}:sub")];
        assert_eq!(
            subjects,
            &json!([
                "system:serviceaccount:batchjob:emr-containers-sa-*-*-123456789012-2p",
                "system:serviceaccount:dataanalysis:emr-containers-sa-*-*-123456789012-2p"
            ])
        );
    }

    #[test]
    fn irsa_trust_without_namespaces_is_refused() {
        let why = irsa_trust(&provider_arn(), ISSUER, ACCOUNT, "exec", &[]).unwrap_err();
        assert!(why.contains("at least one"), "{why}");
    }

    const CLUSTER_ARN: &str = "arn:aws:eks:eu-west-1:123456789012:cluster/analytics";

    #[test]
    fn pod_identity_trust_document() {
        let accounts = pod_identity_service_accounts(ACCOUNT, "analytics-exec");
        let namespaces = ["batchjob".to_string(), "dataanalysis".to_string()];
        let doc = pod_identity_trust(CLUSTER_ARN, &namespaces, &accounts);
        assert_valid(&doc);
        let st = &doc["Statement"][0];
        assert_eq!(st["Principal"]["Service"], "pods.eks.amazonaws.com");
        assert_eq!(st["Action"], json!(["sts:AssumeRole", "sts:TagSession"]));
        let equals = &st["Condition"]["StringEquals"];
        assert_eq!(equals["aws:RequestTag/eks-cluster-arn"], CLUSTER_ARN);
        assert_eq!(
            equals["aws:RequestTag/kubernetes-namespace"],
            json!(["batchjob", "dataanalysis"])
        );
        assert_eq!(
            equals["aws:RequestTag/kubernetes-service-account"],
            json!(accounts)
        );
        // One namespace and one service account read as plain strings, as
        // IAM echoes them back.
        let one = pod_identity_trust(
            CLUSTER_ARN,
            &["kube-system".to_string(), "kube-system".to_string()],
            &["cluster-autoscaler".to_string()],
        );
        let equals = &one["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(equals["aws:RequestTag/kubernetes-namespace"], "kube-system");
        assert_eq!(
            equals["aws:RequestTag/kubernetes-service-account"],
            "cluster-autoscaler"
        );
    }

    /// Every IAM document the provider writes, with sample inputs.
    fn every_document() -> Vec<(&'static str, Value)> {
        use crate::platform::studio;
        let namespaces = ["dataanalysis".to_string()];
        let accounts = pod_identity_service_accounts(ACCOUNT, "analytics-exec");
        let logs = ["arn:aws:logs:eu-west-1:123456789012:log-group:/a:*".to_string()];
        vec![
            ("cluster_role_trust", cluster_role_trust()),
            ("node_role_trust", node_role_trust()),
            (
                "irsa_trust",
                irsa_trust(&provider_arn(), ISSUER, ACCOUNT, "analytics-exec", &namespaces)
                    .expect("a trust"),
            ),
            (
                "pod_identity_trust",
                pod_identity_trust(CLUSTER_ARN, &namespaces, &accounts),
            ),
            (
                "job_baseline_policy",
                job_baseline_policy("aws", "assets", "analytics/pod-template", &logs),
            ),
            (
                "cluster_autoscaler_policy",
                cluster_autoscaler_policy("aws", "analytics"),
            ),
            ("tls_only_bucket_policy", tls_only_bucket_policy("aws", "assets")),
            (
                "load_balancer_controller_policy",
                crate::platform::load_balancer_controller::iam_policy("aws"),
            ),
            (
                "studio_service_role_trust",
                studio::studio_service_role_trust("aws", "eu-west-1", ACCOUNT),
            ),
            ("studio_user_policy", studio::studio_user_policy()),
            (
                "studio_user_role_trust",
                studio::studio_user_role_trust("aws", "eu-west-1", ACCOUNT),
            ),
            (
                "studio_service_policy",
                studio::studio_service_policy("aws", "workspaces"),
            ),
            (
                "access_policy",
                studio::access_policy(
                    "arn:aws:elasticmapreduce:eu-west-1:123456789012:studio/es-1",
                    "arn:aws:elasticmapreduce:eu-west-1:123456789012:editor/*",
                    "arn:aws:emr-containers:eu-west-1:123456789012:/virtualclusters/vc",
                    &["arn:aws:emr-containers:eu-west-1:123456789012:/virtualclusters/vc/endpoints/e".to_string()],
                ),
            ),
        ]
    }

    #[test]
    fn every_condition_key_is_one_the_reference_defines() {
        let mut seen = 0;
        for (name, doc) in every_document() {
            let statements = doc["Statement"].as_array().cloned().unwrap_or_default();
            for st in statements {
                let Some(condition) = st["Condition"].as_object() else {
                    continue;
                };
                for pairs in condition.values() {
                    for key in pairs.as_object().expect("operator: {key: value}").keys() {
                        assert!(
                            condition_key_known(key),
                            "{name} writes the condition key {key}, which no service defines; scope by resource ARN or add the key to CONDITION_KEYS from the Service Authorization Reference"
                        );
                        seen += 1;
                    }
                }
            }
        }
        assert!(seen > 10, "the walk found the documents' conditions");
    }

    #[test]
    fn condition_keys_of_the_reference() {
        assert!(condition_key_known("aws:SourceArn"));
        assert!(condition_key_known("AWS:sourcearn"));
        assert!(condition_key_known(
            "aws:ResourceTag/k8s.io/cluster-autoscaler/analytics"
        ));
        assert!(!condition_key_known("aws:ResourceTag/"));
        assert!(condition_key_known(&format!("{ISSUER}:sub")));
        assert!(!condition_key_known(&format!("{ISSUER}:name")));
        assert!(!condition_key_known("elasticmapreduce:StudioArn"));
        assert!(!condition_key_known("eks:clusterArn"));
    }

    #[test]
    fn pod_identity_service_account_names() {
        assert_eq!(
            pod_identity_service_accounts(ACCOUNT, "analytics-exec"),
            [
                "emr-containers-sa-spark-client-123456789012-43txu6lo26m6qljfj4e2qr",
                "emr-containers-sa-spark-driver-123456789012-43txu6lo26m6qljfj4e2qr",
                "emr-containers-sa-spark-executor-123456789012-43txu6lo26m6qljfj4e2qr",
            ]
        );
        // Even a 64-character role name stays within Kubernetes' 253-character names.
        for name in pod_identity_service_accounts(ACCOUNT, &"R".repeat(64)) {
            assert!(name.len() <= 253, "{name}");
        }
    }

    #[test]
    fn job_baseline_reads_templates_and_writes_logs() {
        let groups = vec![
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/emr-containers/analytics/critical:*".to_string(),
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/emr-containers/analytics/notebook".to_string(),
        ];
        let doc = job_baseline_policy("aws", "assets", "/analytics/pod-template", &groups);
        assert_valid(&doc);
        assert_eq!(
            statement(&doc, "ReadPodTemplates")["Resource"],
            "arn:aws:s3:::assets/analytics/pod-template/*"
        );
        let list = statement(&doc, "ListPodTemplates");
        assert_eq!(list["Resource"], "arn:aws:s3:::assets");
        assert_eq!(
            list["Condition"]["StringLike"]["s3:prefix"],
            "analytics/pod-template/*"
        );
        assert_eq!(
            statement(&doc, "WriteJobLogs")["Resource"],
            json!([
                "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/emr-containers/analytics/critical",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/emr-containers/analytics/critical:*",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/emr-containers/analytics/notebook",
                "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/emr-containers/analytics/notebook:*",
            ])
        );
        assert_eq!(statement(&doc, "FindLogGroups")["Resource"], "*");
    }

    #[test]
    fn job_baseline_without_log_groups_has_no_empty_resource_list() {
        let doc = job_baseline_policy("aws-cn", "assets", "", &[]);
        assert_valid(&doc);
        assert_eq!(
            statement(&doc, "ReadPodTemplates")["Resource"],
            "arn:aws-cn:s3:::assets/*"
        );
        assert!(doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["Sid"] != "WriteJobLogs"));
    }

    #[test]
    fn cluster_autoscaler_resizes_only_owned_groups() {
        let doc = cluster_autoscaler_policy("aws", "analytics");
        assert_valid(&doc);
        let resize = statement(&doc, "ResizeOwnedGroupsOnly");
        assert_eq!(
            resize["Condition"]["StringEquals"]
                ["aws:ResourceTag/k8s.io/cluster-autoscaler/analytics"],
            "owned"
        );
        let discover = statement(&doc, "DiscoverGroupsAndInstanceTypes")["Action"]
            .as_array()
            .unwrap();
        for action in [
            "ec2:DescribeImages",
            "ec2:GetInstanceTypesFromInstanceRequirements",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeLaunchTemplateVersions",
        ] {
            assert!(discover.contains(&json!(action)), "{action}");
        }
        assert!(!discover.contains(&json!("autoscaling:SetDesiredCapacity")));
        assert_eq!(
            statement(&doc, "DescribeOwnNodegroups")["Resource"],
            "arn:aws:eks:*:*:nodegroup/analytics/*"
        );
    }

    #[test]
    fn tls_only_bucket_policy_denies_plain_http() {
        let doc = tls_only_bucket_policy("aws", "assets");
        assert_valid(&doc);
        let st = &doc["Statement"][0];
        assert_eq!(st["Effect"], "Deny");
        assert_eq!(st["Condition"]["Bool"]["aws:SecureTransport"], "false");
        assert_eq!(
            st["Resource"],
            json!(["arn:aws:s3:::assets", "arn:aws:s3:::assets/*"])
        );
    }
}
