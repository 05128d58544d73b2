//! The platform's EMR Studio and its notebook users, as pure code: how
//! users sign in, the checks of the `studio` block, the IAM documents of the
//! Studio's roles and of a notebook user's access, the tags of its security
//! groups, and what a notebook endpoint runs with by default.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::job_profiles::{spark_defaults, ProfileSettings};
use super::naming::EMR_MANAGED_TAG;
use super::pod_templates::JobProfile;

/// Port of the Jupyter Enterprise Gateway a Workspace reaches its engine on.
pub const GATEWAY_PORT: i32 = 18888;

/// Who a notebook user is: an IAM user or role, or an IAM Identity Center
/// user (`User`), or an IAM Identity Center group (`Group`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityType {
    User,
    Group,
}

impl IdentityType {
    /// The `identity_type` of the configuration: `USER` or `GROUP`.
    pub fn parse(value: &str) -> Result<IdentityType, String> {
        match value {
            "USER" => Ok(IdentityType::User),
            "GROUP" => Ok(IdentityType::Group),
            other => Err(format!(
                "\"{other}\" is not an identity type; use \"USER\" or \"GROUP\"."
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IdentityType::User => "USER",
            IdentityType::Group => "GROUP",
        }
    }
}

/// How users sign in to the Studio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    Iam,
    Sso,
}

impl AuthMode {
    /// The `auth_mode` of the configuration: `IAM` or `SSO`.
    pub fn parse(value: &str) -> Result<AuthMode, String> {
        match value {
            "IAM" => Ok(AuthMode::Iam),
            "SSO" => Ok(AuthMode::Sso),
            other => Err(format!(
                "\"{other}\" is not an EMR Studio auth mode: use \"IAM\" or \"SSO\""
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Iam => "IAM",
            AuthMode::Sso => "SSO",
        }
    }
}

/// Checks of the `studio` block that need no AWS call.
pub fn check_settings(
    name: &str,
    auth_mode: AuthMode,
    idc_instance_arn: Option<&str>,
) -> Result<(), String> {
    let length = name.chars().count();
    if !(1..=256).contains(&length) {
        return Err(format!(
            "the Studio name must have 1 to 256 characters, not {length}"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("the Studio name cannot contain control characters".into());
    }
    match (auth_mode, idc_instance_arn) {
        (AuthMode::Iam, Some(_)) => {
            Err("idc_instance_arn is for auth_mode = \"SSO\" only; remove it or use SSO".into())
        }
        (_, Some(arn)) if !arn.starts_with("arn:") => Err(format!(
            "idc_instance_arn \"{arn}\" is not an ARN (arn:aws:sso:::instance/ssoins-...)"
        )),
        _ => Ok(()),
    }
}

/// Checks of the whole Studio as it is about to be made: its settings, 1 to
/// 5 subnets, and in SSO mode the role users assume.
pub fn check_studio(
    name: &str,
    auth_mode: AuthMode,
    idc_instance_arn: Option<&str>,
    subnet_count: usize,
    has_user_role: bool,
) -> Result<(), String> {
    check_settings(name, auth_mode, idc_instance_arn)?;
    if !(1..=5).contains(&subnet_count) {
        return Err(format!(
            "an EMR Studio takes 1 to 5 subnets, not {subnet_count}"
        ));
    }
    match auth_mode {
        AuthMode::Sso if !has_user_role => {
            Err("SSO mode needs the user role's trust and policy".into())
        }
        _ => Ok(()),
    }
}

/// The provider's tags plus the EMR tag; `Name` is set from the group's name.
pub fn security_group_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut all = tags.clone();
    all.remove("Name");
    all.insert(EMR_MANAGED_TAG.to_string(), "true".to_string());
    all
}

fn document(statements: Vec<Value>) -> Value {
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// Trust of the EMR Studio service role, limited to EMR resources of this
/// account and region (the confused-deputy guard EMR documents).
pub fn studio_service_role_trust(partition: &str, region: &str, account_id: &str) -> Value {
    emr_trust(partition, region, account_id, json!("sts:AssumeRole"))
}

/// EMR may take the role, for EMR resources of this account and region only.
fn emr_trust(partition: &str, region: &str, account_id: &str, actions: Value) -> Value {
    document(vec![json!({
        "Effect": "Allow",
        "Principal": { "Service": "elasticmapreduce.amazonaws.com" },
        "Action": actions,
        "Condition": {
            "StringEquals": { "aws:SourceAccount": account_id },
            "ArnLike": {
                "aws:SourceArn": format!("arn:{partition}:elasticmapreduce:{region}:{account_id}:*")
            },
        },
    })])
}

/// What users of an SSO-mode Studio may do through its user role: open the
/// Studio, manage Workspaces, and attach them to the platform's notebook
/// endpoints (EMR narrows it per user with session policies).
pub fn studio_user_policy() -> Value {
    document(vec![
        json!({
            "Sid": "Workspaces",
            "Effect": "Allow",
            "Action": [
                "elasticmapreduce:CreateEditor", "elasticmapreduce:DescribeEditor",
                "elasticmapreduce:ListEditors", "elasticmapreduce:StartEditor",
                "elasticmapreduce:StopEditor", "elasticmapreduce:DeleteEditor",
                "elasticmapreduce:OpenEditorInConsole", "elasticmapreduce:AttachEditor",
                "elasticmapreduce:DetachEditor", "elasticmapreduce:DescribeStudio",
                "elasticmapreduce:ListStudios"
            ],
            "Resource": "*"
        }),
        json!({
            "Sid": "NotebookEndpoints",
            "Effect": "Allow",
            "Action": [
                "emr-containers:DescribeVirtualCluster", "emr-containers:ListVirtualClusters",
                "emr-containers:DescribeManagedEndpoint", "emr-containers:ListManagedEndpoints",
                "emr-containers:CreateAccessTokenForManagedEndpoint"
            ],
            "Resource": "*"
        }),
    ])
}

/// Trust of an SSO-mode Studio's user role: EMR assumes it on a user's behalf
/// and sets the user's identity context on the session.
pub fn studio_user_role_trust(partition: &str, region: &str, account_id: &str) -> Value {
    emr_trust(
        partition,
        region,
        account_id,
        json!(["sts:AssumeRole", "sts:SetContext"]),
    )
}

/// Permissions of the EMR Studio service role, after EMR's documented
/// minimal policy: the network channel between Workspaces and managed
/// endpoints (ENIs and security groups, only in VPCs, subnets and groups
/// tagged `for-use-with-amazon-emr-managed-policies=true`), Git secrets with
/// that tag, Workspace collaboration, and the Workspace bucket.
pub fn studio_service_policy(partition: &str, workspace_bucket: &str) -> Value {
    let ec2 = |resource: &str| format!("arn:{partition}:ec2:*:*:{resource}/*");
    let resource_tagged =
        json!({ "StringEquals": { format!("aws:ResourceTag/{EMR_MANAGED_TAG}"): "true" } });
    let request_tagged =
        json!({ "StringEquals": { format!("aws:RequestTag/{EMR_MANAGED_TAG}"): "true" } });
    document(vec![
        json!({
            "Sid": "AllowEMRReadOnlyActions",
            "Effect": "Allow",
            "Action": [
                "elasticmapreduce:ListInstances",
                "elasticmapreduce:DescribeCluster",
                "elasticmapreduce:ListSteps",
            ],
            "Resource": "*",
        }),
        json!({
            "Sid": "AllowEC2ENIActionsWithEMRTags",
            "Effect": "Allow",
            "Action": ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface"],
            "Resource": ec2("network-interface"),
            "Condition": resource_tagged,
        }),
        // EC2 cannot evaluate tags for this call; EMR documents it untagged.
        json!({
            "Sid": "AllowEC2ENIAttributeAction",
            "Effect": "Allow",
            "Action": "ec2:ModifyNetworkInterfaceAttribute",
            "Resource": [ec2("instance"), ec2("network-interface"), ec2("security-group")],
        }),
        json!({
            "Sid": "AllowEC2SecurityGroupActionsWithEMRTags",
            "Effect": "Allow",
            "Action": [
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:DeleteNetworkInterfacePermission",
            ],
            "Resource": "*",
            "Condition": resource_tagged,
        }),
        json!({
            "Sid": "AllowDefaultEC2SecurityGroupsCreationWithEMRTags",
            "Effect": "Allow",
            "Action": "ec2:CreateSecurityGroup",
            "Resource": ec2("security-group"),
            "Condition": request_tagged,
        }),
        json!({
            "Sid": "AllowDefaultEC2SecurityGroupsCreationInVPCWithEMRTags",
            "Effect": "Allow",
            "Action": "ec2:CreateSecurityGroup",
            "Resource": ec2("vpc"),
            "Condition": resource_tagged,
        }),
        json!({
            "Sid": "AllowAddingEMRTagsDuringDefaultSecurityGroupCreation",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": ec2("security-group"),
            "Condition": {
                "StringEquals": {
                    format!("aws:RequestTag/{EMR_MANAGED_TAG}"): "true",
                    "ec2:CreateAction": "CreateSecurityGroup",
                }
            },
        }),
        json!({
            "Sid": "AllowEC2ENICreationWithEMRTags",
            "Effect": "Allow",
            "Action": "ec2:CreateNetworkInterface",
            "Resource": ec2("network-interface"),
            "Condition": request_tagged,
        }),
        json!({
            "Sid": "AllowEC2ENICreationInSubnetAndSecurityGroupWithEMRTags",
            "Effect": "Allow",
            "Action": "ec2:CreateNetworkInterface",
            "Resource": [ec2("subnet"), ec2("security-group")],
            "Condition": resource_tagged,
        }),
        json!({
            "Sid": "AllowAddingTagsDuringEC2ENICreation",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": ec2("network-interface"),
            "Condition": { "StringEquals": { "ec2:CreateAction": "CreateNetworkInterface" } },
        }),
        json!({
            "Sid": "AllowEC2ReadOnlyActions",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:DescribeInstances",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
            ],
            "Resource": "*",
        }),
        json!({
            "Sid": "AllowSecretsManagerReadOnlyActionsWithEMRTags",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": format!("arn:{partition}:secretsmanager:*:*:secret:*"),
            "Condition": resource_tagged,
        }),
        json!({
            "Sid": "AllowWorkspaceCollaboration",
            "Effect": "Allow",
            "Action": [
                "iam:GetUser",
                "iam:GetRole",
                "iam:ListUsers",
                "iam:ListRoles",
                "sso:GetManagedApplicationInstance",
                "sso-directory:SearchUsers",
            ],
            "Resource": "*",
        }),
        json!({
            "Sid": "AllowWorkspaceStorage",
            "Effect": "Allow",
            "Action": [
                "s3:PutObject",
                "s3:GetObject",
                "s3:GetEncryptionConfiguration",
                "s3:ListBucket",
                "s3:DeleteObject",
            ],
            "Resource": [
                format!("arn:{partition}:s3:::{workspace_bucket}"),
                format!("arn:{partition}:s3:::{workspace_bucket}/*"),
            ],
        }),
    ])
}

/// What a notebook user may do: open the platform's Studio and its
/// Workspaces, and reach only their own endpoints. Each statement is scoped
/// by the resource ARNs the Service Authorization Reference gives its
/// actions (EMR has no condition key naming a Studio): the Studio's own ARN
/// for the Studio actions; Workspaces (`editor` resources, whose ARNs do not
/// name their Studio) by `editors_arn`, the account and region's editors;
/// `CreateEditor` and `ListEditors` take no resource type, so `*`.
pub fn access_policy(
    studio_arn: &str,
    editors_arn: &str,
    virtual_cluster_arn: &str,
    endpoint_arns: &[String],
) -> Value {
    let mut statements = vec![
        json!({
            "Sid": "Studio",
            "Effect": "Allow",
            "Action": ["elasticmapreduce:CreateStudioPresignedUrl", "elasticmapreduce:DescribeStudio"],
            "Resource": studio_arn,
        }),
        json!({
            "Sid": "NewWorkspaces",
            "Effect": "Allow",
            "Action": ["elasticmapreduce:CreateEditor", "elasticmapreduce:ListEditors"],
            "Resource": "*",
        }),
        json!({
            "Sid": "Workspaces",
            "Effect": "Allow",
            "Action": [
                "elasticmapreduce:DescribeEditor", "elasticmapreduce:StartEditor",
                "elasticmapreduce:StopEditor", "elasticmapreduce:OpenEditorInConsole",
                "elasticmapreduce:AttachEditor", "elasticmapreduce:DetachEditor"
            ],
            "Resource": editors_arn,
        }),
        json!({
            "Sid": "NotebookCluster",
            "Effect": "Allow",
            "Action": ["emr-containers:DescribeVirtualCluster", "emr-containers:ListManagedEndpoints"],
            "Resource": virtual_cluster_arn,
        }),
    ];
    if !endpoint_arns.is_empty() {
        statements.push(json!({
            "Sid": "OwnEndpoints",
            "Effect": "Allow",
            "Action": ["emr-containers:DescribeManagedEndpoint", "emr-containers:CreateAccessTokenForManagedEndpoint"],
            "Resource": endpoint_arns,
        }));
    }
    document(statements)
}

/// The notebook profile's spark-defaults and its log group: what an
/// endpoint runs with unless the user says otherwise.
pub fn default_overrides(
    settings: &ProfileSettings,
    bucket: &str,
    prefix: &str,
    log_group: &str,
) -> Value {
    json!({
        "applicationConfiguration": [{
            "classification": "spark-defaults",
            "properties": spark_defaults(JobProfile::Notebook, settings, bucket, prefix),
        }],
        "monitoringConfiguration": {
            "persistentAppUI": "ENABLED",
            "cloudWatchMonitoringConfiguration": {
                "logGroupName": log_group,
                "logStreamNamePrefix": "notebook",
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::iam_documents::checks::{assert_valid, statement};

    const ACCOUNT: &str = "123456789012";

    #[test]
    fn identity_types() {
        assert_eq!(IdentityType::parse("GROUP"), Ok(IdentityType::Group));
        assert_eq!(IdentityType::User.as_str(), "USER");
        assert!(IdentityType::parse("ROBOT").is_err());
    }

    #[test]
    fn auth_modes() {
        assert_eq!(AuthMode::parse("IAM"), Ok(AuthMode::Iam));
        assert_eq!(AuthMode::parse("SSO").map(AuthMode::as_str), Ok("SSO"));
        assert!(AuthMode::parse("sso").is_err());
    }

    #[test]
    fn settings_checks() {
        assert!(check_settings("notebooks", AuthMode::Iam, None).is_ok());
        let arn = "arn:aws:sso:::instance/ssoins-1234567890abcdef";
        assert!(check_settings("notebooks", AuthMode::Sso, Some(arn)).is_ok());
        assert!(check_settings("notebooks", AuthMode::Sso, None).is_ok());
        assert!(check_settings("notebooks", AuthMode::Iam, Some(arn)).is_err());
        assert!(check_settings("notebooks", AuthMode::Sso, Some("ssoins-1")).is_err());
        assert!(check_settings("", AuthMode::Iam, None).is_err());
        assert!(check_settings(&"n".repeat(257), AuthMode::Iam, None).is_err());
        assert!(check_settings("a\nb", AuthMode::Iam, None).is_err());
    }

    #[test]
    fn sso_needs_the_user_documents_and_subnets_are_bounded() {
        let check = |subnets: usize, has_user_role: bool| {
            check_studio("notebooks", AuthMode::Sso, None, subnets, has_user_role)
        };
        assert!(check(1, true).is_ok());
        assert!(check(1, false).is_err());
        assert!(check(6, true).is_err());
        assert!(check(0, true).is_err());
    }

    #[test]
    fn security_groups_carry_the_emr_tag() {
        let tags: BTreeMap<String, String> = [
            ("Name".to_string(), "user".to_string()),
            ("team".to_string(), "data".to_string()),
        ]
        .into();
        let all = security_group_tags(&tags);
        assert_eq!(all.get(EMR_MANAGED_TAG).map(String::as_str), Some("true"));
        assert!(!all.contains_key("Name"));
    }

    #[test]
    fn studio_trust_guards_against_confused_deputy() {
        let doc = studio_service_role_trust("aws", "eu-west-1", ACCOUNT);
        assert_valid(&doc);
        let st = &doc["Statement"][0];
        assert_eq!(st["Principal"]["Service"], "elasticmapreduce.amazonaws.com");
        assert_eq!(
            st["Condition"]["StringEquals"]["aws:SourceAccount"],
            ACCOUNT
        );
        assert_eq!(
            st["Condition"]["ArnLike"]["aws:SourceArn"],
            "arn:aws:elasticmapreduce:eu-west-1:123456789012:*"
        );
    }

    #[test]
    fn studio_policy_keys_network_access_on_the_emr_tag() {
        let doc = studio_service_policy("aws-us-gov", "workspaces");
        assert_valid(&doc);
        let eni = statement(&doc, "AllowEC2ENICreationWithEMRTags");
        assert_eq!(
            eni["Resource"],
            "arn:aws-us-gov:ec2:*:*:network-interface/*"
        );
        assert_eq!(
            eni["Condition"]["StringEquals"]
                ["aws:RequestTag/for-use-with-amazon-emr-managed-policies"],
            "true"
        );
        let groups = statement(&doc, "AllowEC2SecurityGroupActionsWithEMRTags");
        assert_eq!(
            groups["Condition"]["StringEquals"]
                ["aws:ResourceTag/for-use-with-amazon-emr-managed-policies"],
            "true"
        );
        assert_eq!(
            statement(&doc, "AllowWorkspaceStorage")["Resource"],
            json!([
                "arn:aws-us-gov:s3:::workspaces",
                "arn:aws-us-gov:s3:::workspaces/*"
            ])
        );
        // Nothing outside the Workspace bucket in S3.
        let s3_everywhere = doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.to_string().contains("s3:") && s["Resource"] == "*");
        assert!(!s3_everywhere);
    }

    #[test]
    fn the_policy_names_only_the_users_endpoints() {
        let policy = access_policy(
            "arn:studio",
            "arn:editors",
            "arn:vc",
            &["arn:e1".to_string()],
        );
        assert_valid(&policy);
        assert_eq!(
            statement(&policy, "OwnEndpoints")["Resource"],
            json!(["arn:e1"])
        );
        assert_eq!(
            access_policy("arn:studio", "arn:editors", "arn:vc", &[])["Statement"]
                .as_array()
                .unwrap()
                .len(),
            4
        );
    }

    #[test]
    fn the_studio_is_scoped_by_its_arn_not_by_a_condition() {
        let policy = access_policy("arn:studio", "arn:editors", "arn:vc", &[]);
        assert_eq!(statement(&policy, "Studio")["Resource"], "arn:studio");
        assert_eq!(statement(&policy, "Workspaces")["Resource"], "arn:editors");
        assert!(policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.get("Condition").is_none()));
    }
}
