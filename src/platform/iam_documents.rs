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

/// What every EKS node needs: join the cluster, pull images, and be
/// reachable by Session Manager instead of SSH. The VPC CNI's network
/// permissions are not among them: `aws-node` gets them on its own role
/// through EKS Pod Identity ([`VPC_CNI_POLICIES`]), so no pod on a node can
/// borrow them from the node's role.
pub const NODE_ROLE_POLICIES: [&str; 3] = [
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonSSMManagedInstanceCore",
];

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

/// Trust of a role used through EKS Pod Identity.
pub fn pod_identity_trust() -> Value {
    document(vec![json!({
        "Effect": "Allow",
        "Principal": { "Service": "pods.eks.amazonaws.com" },
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    })])
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

    #[test]
    fn pod_identity_trust_document() {
        let doc = pod_identity_trust();
        assert_valid(&doc);
        assert_eq!(
            doc["Statement"][0]["Principal"]["Service"],
            "pods.eks.amazonaws.com"
        );
        assert_eq!(
            doc["Statement"][0]["Action"],
            json!(["sts:AssumeRole", "sts:TagSession"])
        );
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
