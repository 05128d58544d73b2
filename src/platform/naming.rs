//! Every name the provider gives what it makes, built and taken apart in
//! one place: IAM roles and their path, buckets, log groups, security
//! groups, launch templates, the tooling nodegroup, policy names, tags,
//! S3 keys, ARNs and import ids. Destroy and import find objects again by
//! these names, so each one that is read back has its parser beside its
//! builder, and a test that one undoes the other. Parsers nothing calls
//! yet are there for the ownership checks of update and destroy.
//!
//! Longer than most files: half of it is a round-trip test for each name.
//!
//! Most names end with the platform's random `suffix` (8 lowercase letters
//! and digits), which keeps two platforms of the same name, in one account
//! or across accounts, apart; the platform part is cut where a limit needs.

use std::collections::BTreeMap;

use super::pod_templates::JobProfile;

/// IAM's limit on role names.
const MAX_ROLE_NAME: usize = 64;
/// The length of a platform's random suffix.
pub const SUFFIX_LEN: usize = 8;
/// EC2's limit on launch template names.
pub const MAX_LAUNCH_TEMPLATE_NAME: usize = 128;
/// IAM's limit on managed policy names.
pub const MAX_POLICY_NAME: usize = 128;
/// The limit on a tag key (EMR, EC2, IAM alike).
pub const MAX_TAG_KEY: usize = 128;
/// S3's limit on a bucket name's length.
const MAX_BUCKET_NAME: usize = 63;

// ---- tags ----------------------------------------------------------------

/// Names the platform an object belongs to; destroy and import rely on it.
pub const PLATFORM_TAG: &str = "emreks:platform";
/// Names the `execution_roles` key a role was made for, so import finds the keys.
pub const EXECUTION_ROLE_TAG: &str = "emreks:execution-role";
/// On a nodegroup: its role preset, and the launch template's settings
/// import reads back.
pub const NODEGROUP_ROLE_TAG: &str = "emreks:role";
pub const NODEGROUP_NVME_TAG: &str = "emreks:local-nvme";
pub const NODEGROUP_DISK_TAG: &str = "emreks:disk-size";
pub const NODEGROUP_TEMPLATE_TAG: &str = "emreks:launch-template";
/// Prefix of the tag on a managed endpoint naming one notebook user who
/// needs it; the endpoint goes when the last such tag does.
pub const ENDPOINT_USER_TAG_PREFIX: &str = "emreks:user:";
/// Tag EMR Studio's service-role policy requires on the VPC, subnets and
/// security groups it may place Workspace network interfaces in.
pub const EMR_MANAGED_TAG: &str = "for-use-with-amazon-emr-managed-policies";
/// Who owns the Kubernetes fields the provider sets, and the value of the
/// managed-by label on what it makes.
pub const KUBERNETES_MANAGER: &str = "terraform-provider-emreks";

/// All tags of an object: the provider's `default_tags`, overridden by the
/// resource's `tags`, plus the platform tag, which users cannot override
/// (destroy and import rely on it).
pub fn object_tags(
    default_tags: &BTreeMap<String, String>,
    resource_tags: &BTreeMap<String, String>,
    platform: &str,
) -> BTreeMap<String, String> {
    let mut all = default_tags.clone();
    all.extend(resource_tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    all.insert(PLATFORM_TAG.to_string(), platform.to_string());
    all
}

/// Marks an object as made by one platform: its value is the platform's
/// name and random suffix, which no other platform shares even where the
/// names are alike (other regions, other states of one account).
pub const OWNER_TAG: &str = "emreks:owner";

/// The platform an object must belong to before the provider changes or
/// deletes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub platform: String,
    pub suffix: String,
}

impl Owner {
    pub fn new(platform: &str, suffix: &str) -> Self {
        Owner {
            platform: platform.to_string(),
            suffix: suffix.to_string(),
        }
    }

    /// The value of [`OWNER_TAG`] on the platform's objects.
    pub fn marker(&self) -> String {
        format!("{}-{}", self.platform, self.suffix)
    }

    /// `tags` with this platform's marker added.
    pub fn tag(&self, tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut all = tags.clone();
        all.insert(OWNER_TAG.to_string(), self.marker());
        all
    }

    /// Whether an object with these tags is this platform's. Objects made
    /// before the marker existed carry only the platform tag, which names
    /// no one uniquely: they count as ours when, besides, `physical_name`
    /// (their own name, or one of a piece made with them) holds our suffix.
    pub fn owns<'a>(
        &self,
        mut tag: impl FnMut(&str) -> Option<&'a str>,
        physical_name: Option<&str>,
    ) -> bool {
        match tag(OWNER_TAG) {
            Some(marker) => marker == self.marker(),
            None => {
                !self.suffix.is_empty()
                    && tag(PLATFORM_TAG) == Some(self.platform.as_str())
                    && physical_name.is_some_and(|name| name.contains(self.suffix.as_str()))
            }
        }
    }

    /// [`Self::owns`] over a map of tags.
    pub fn owns_tagged<S: std::hash::BuildHasher>(
        &self,
        tags: &std::collections::HashMap<String, String, S>,
        physical_name: Option<&str>,
    ) -> bool {
        self.owns(|key| tags.get(key).map(String::as_str), physical_name)
    }
}

/// Whether an EKS cluster with these tags is the cluster of an emreks
/// platform named as the cluster: its marker `<name>-<suffix>`, or, made
/// before the marker existed, the platform tag alone.
pub fn is_platform_cluster<'a>(name: &str, mut tag: impl FnMut(&str) -> Option<&'a str>) -> bool {
    match tag(OWNER_TAG) {
        Some(marker) => marker
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|suffix| !suffix.is_empty() && !suffix.contains('-')),
        None => tag(PLATFORM_TAG) == Some(name),
    }
}

/// Whether a tag key is the provider's own (`emreks:` and nothing else).
pub fn is_provider_tag(key: &str) -> bool {
    key.starts_with("emreks:")
}

/// The tag on a managed endpoint that says this notebook user needs it.
/// Tag keys take letters, digits, spaces and `_.:/=+-@` only: a name with
/// other characters (an Identity Center group "Data Eng (EU)") has them
/// replaced by `_` and a hash of the whole name added, so that two names
/// never share a tag; names that fit are kept as they are, as endpoints
/// already tagged carry them.
pub fn endpoint_user_tag(identity_type: &str, identity_name: &str) -> String {
    let name = if identity_name.chars().all(tag_key_char) {
        identity_name.to_string()
    } else {
        let kept: String = identity_name
            .chars()
            .map(|c| if tag_key_char(c) { c } else { '_' })
            .collect();
        format!("{kept}@{}", short_hash(identity_name, 6))
    };
    format!("{ENDPOINT_USER_TAG_PREFIX}{identity_type}:{name}")
}

/// A character AWS takes in a tag key.
fn tag_key_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)
}

/// The idempotency token of a managed endpoint's creation: the same for
/// every user who creates the endpoint while EMR lists the same endpoints
/// of that name (so users applied at once get one endpoint, not one each),
/// and new once one of that name was made (so a deleted one never comes
/// back in answer).
pub fn endpoint_client_token(virtual_cluster: &str, name: &str, listed_ids: &[String]) -> String {
    let seen = format!("{virtual_cluster}/{name}/{}", listed_ids.join(","));
    format!(
        "emreks-{}{}",
        short_hash(&seen, 12),
        short_hash(&format!("{seen}/"), 12)
    )
}

/// (identity type, identity name) of an endpoint user tag.
pub fn parse_endpoint_user_tag(tag: &str) -> Option<(&str, &str)> {
    tag.strip_prefix(ENDPOINT_USER_TAG_PREFIX)?.split_once(':')
}

// ---- IAM -----------------------------------------------------------------

/// IAM path of the platform's roles and policies: destroy and import list
/// them by it.
pub fn iam_path(platform: &str) -> String {
    format!("/emreks/{platform}/")
}

/// The roles a platform makes for itself, each `<platform>-<marker>-<suffix>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlatformRole {
    /// The EKS control plane's role.
    Cluster,
    /// The role of every node of the platform.
    Node,
    /// The role of the nodes EKS Auto Mode runs (its built-in node pools'
    /// and the platform's NodeClasses').
    AutoNode,
    /// Cluster Autoscaler's role, through EKS Pod Identity.
    Autoscaler,
    /// The EMR Studio's service role.
    StudioService,
    /// The role Studio users assume (IAM Identity Center mode).
    StudioUser,
    /// AWS Load Balancer Controller's role, through EKS Pod Identity.
    LoadBalancerController,
    /// The EBS CSI driver's controller role, through EKS Pod Identity.
    EbsCsi,
    /// The VPC CNI's (`aws-node`) role, through EKS Pod Identity.
    VpcCni,
}

impl PlatformRole {
    const ALL: [PlatformRole; 9] = [
        PlatformRole::Cluster,
        PlatformRole::Node,
        PlatformRole::AutoNode,
        PlatformRole::Autoscaler,
        PlatformRole::StudioService,
        PlatformRole::StudioUser,
        PlatformRole::LoadBalancerController,
        PlatformRole::EbsCsi,
        PlatformRole::VpcCni,
    ];

    fn marker(self) -> &'static str {
        match self {
            PlatformRole::Cluster => "eks-cluster",
            PlatformRole::Node => "eks-node",
            PlatformRole::AutoNode => "auto-node",
            PlatformRole::Autoscaler => "autoscaler",
            PlatformRole::StudioService => "studio",
            PlatformRole::StudioUser => "studio-user",
            PlatformRole::LoadBalancerController => "lb-controller",
            PlatformRole::EbsCsi => "ebs-csi",
            PlatformRole::VpcCni => "vpc-cni",
        }
    }

    /// How much of the platform name the role keeps: fixed for the roles
    /// of the cluster, as much as fits IAM's 64 characters for the Studio's.
    fn head_len(self, suffix: &str) -> usize {
        match self {
            PlatformRole::Cluster
            | PlatformRole::Autoscaler
            | PlatformRole::LoadBalancerController
            | PlatformRole::EbsCsi
            | PlatformRole::VpcCni
            | PlatformRole::AutoNode => 40,
            PlatformRole::Node => 43,
            PlatformRole::StudioService | PlatformRole::StudioUser => {
                MAX_ROLE_NAME.saturating_sub(self.marker().len() + suffix.len() + 2)
            }
        }
    }

    pub fn name(self, platform: &str, suffix: &str) -> String {
        let head: String = platform.chars().take(self.head_len(suffix)).collect();
        format!("{head}-{}-{suffix}", self.marker())
    }

    /// The (possibly cut) platform part and the suffix of this role's name.
    pub fn parse(self, name: &str) -> Option<NameParts<'_>> {
        let (platform, suffix) = name.rsplit_once(&format!("-{}-", self.marker()))?;
        Some(NameParts { platform, suffix })
    }

    /// Which of the platform's roles a name is. The Studio's user role is
    /// tried before its service role, whose marker it contains.
    pub fn of(name: &str) -> Option<(PlatformRole, NameParts<'_>)> {
        let mut kinds = Self::ALL;
        kinds.sort_by_key(|kind| std::cmp::Reverse(kind.marker().len()));
        kinds
            .into_iter()
            .find_map(|kind| Some((kind, kind.parse(name)?)))
    }
}

/// A name taken apart: the platform part as the name holds it (cut where a
/// limit required) and the random suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NameParts<'a> {
    pub platform: &'a str,
    pub suffix: &'a str,
}

/// How much of an `execution_roles` key a role name keeps.
const EXECUTION_KEY_LEN: usize = 22;

/// A job execution role: `<platform, 24>-<key, 22>-<suffix>`, within IAM's
/// 64 characters and distinct per `execution_roles` key: a longer key
/// keeps its first 15 characters and a hash of all of it, so two keys that
/// share a beginning never share a role.
pub fn execution_role(platform: &str, key: &str, suffix: &str) -> String {
    let platform: String = platform.chars().take(24).collect();
    format!("{platform}-{}-{suffix}", execution_key_part(key))
}

/// The key as an execution role's name holds it.
fn execution_key_part(key: &str) -> String {
    if key.chars().count() <= EXECUTION_KEY_LEN {
        return key.to_string();
    }
    const HASH_LEN: usize = 6;
    let head: String = key.chars().take(EXECUTION_KEY_LEN - HASH_LEN - 1).collect();
    format!("{head}-{}", short_hash(key, HASH_LEN))
}

/// `len` base-36 digits of the key's 64-bit FNV-1a hash: stable across
/// releases and machines, as names already made depend on it.
fn short_hash(text: &str, len: usize) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = text.bytes().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        out.push(char::from(digits[(hash % 36) as usize]));
        hash /= 36;
    }
    out.into_iter().collect()
}

/// Whether an `execution_roles` key would name its role like one of the
/// platform's own (`<platform>-eks-cluster-<suffix>` and the others), so
/// that the two would be one IAM role.
pub fn execution_key_is_platform_marker(key: &str) -> bool {
    PlatformRole::ALL.iter().any(|role| role.marker() == key)
}

/// The platform's own role markers, for messages.
pub fn platform_role_markers() -> Vec<&'static str> {
    PlatformRole::ALL.iter().map(|role| role.marker()).collect()
}

/// (key as the name holds it, suffix) of an execution role of `platform`.
#[allow(dead_code)] // read back by the ownership checks to come
pub fn parse_execution_role<'a>(name: &'a str, platform: &str) -> Option<(&'a str, &'a str)> {
    let head: String = platform.chars().take(24).collect();
    name.strip_prefix(&head)?
        .strip_prefix('-')?
        .rsplit_once('-')
}

/// The role name at the end of a role ARN (after its path).
pub fn role_name_of_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or_default()
}

/// The suffix of a platform, read from its cluster role's ARN.
pub fn suffix_of_cluster_role_arn(arn: &str) -> Option<&str> {
    PlatformRole::Cluster
        .parse(role_name_of_arn(arn))
        .map(|parts| parts.suffix)
}

/// Inline policies of an execution role: what every job needs, and the user's.
pub const BASELINE_POLICY: &str = "emreks-baseline";
pub const USER_POLICY: &str = "emreks-user";
/// Inline policies of the Studio's roles.
pub const STUDIO_SERVICE_POLICY: &str = "emreks-studio-service";
pub const STUDIO_USER_POLICY: &str = "emreks-studio-user";

/// The inline policy that gives an IAM user or role a platform's notebooks.
pub fn notebook_access_policy(platform: &str) -> String {
    format!("emreks-notebooks-{platform}")
}

#[allow(dead_code)] // read back by the ownership checks to come
pub fn parse_notebook_access_policy(name: &str) -> Option<&str> {
    name.strip_prefix("emreks-notebooks-")
}

/// The managed session policy of an IAM Identity Center user or group:
/// `emreks-<platform>-<user|group>-<name, letters and digits only>`.
pub fn session_policy(platform: &str, identity_type: &str, identity_name: &str) -> String {
    let name: String = identity_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("emreks-{platform}-{}-{name}", identity_type.to_lowercase())
}

/// ARN of the session policy [`session_policy`] names, under [`iam_path`].
pub fn session_policy_arn(
    partition: &str,
    account: &str,
    platform: &str,
    identity_type: &str,
    identity_name: &str,
) -> String {
    format!(
        "arn:{partition}:iam::{account}:policy{}{}",
        iam_path(platform),
        session_policy(platform, identity_type, identity_name)
    )
}

/// (platform, identity type in lowercase, name) of a session policy name.
#[allow(dead_code)] // read back by the ownership checks to come
pub fn parse_session_policy(name: &str) -> Option<(&str, &str, &str)> {
    let rest = name.strip_prefix("emreks-")?;
    let (head, name) = rest.rsplit_once('-')?;
    let (platform, kind) = head.rsplit_once('-')?;
    Some((platform, kind, name))
}

/// ARN of the IAM OIDC provider IAM makes for a cluster's issuer.
pub fn oidc_provider_arn(partition: &str, account: &str, issuer_url: &str) -> String {
    let host_path = issuer_url.trim_start_matches("https://");
    format!("arn:{partition}:iam::{account}:oidc-provider/{host_path}")
}

/// The issuer URL of an IAM OIDC provider ARN.
#[allow(dead_code)] // read back by the ownership checks to come
pub fn issuer_of_oidc_provider_arn(arn: &str) -> Option<String> {
    let (_, host_path) = arn.split_once(":oidc-provider/")?;
    Some(format!("https://{host_path}"))
}

// ---- S3 ------------------------------------------------------------------

/// What a platform keeps in its buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BucketPurpose {
    /// Pod templates, saved settings and notebook users' settings.
    Assets,
    /// The EMR Studio's Workspaces.
    Studio,
}

impl BucketPurpose {
    fn as_str(self) -> &'static str {
        match self {
            BucketPurpose::Assets => "assets",
            BucketPurpose::Studio => "studio",
        }
    }
}

pub fn bucket(purpose: BucketPurpose, platform: &str, suffix: &str) -> String {
    bucket_name(purpose.as_str(), platform, suffix)
}

/// (purpose, suffix) of one of a platform's buckets.
#[allow(dead_code)] // read back by the ownership checks to come
pub fn parse_bucket(name: &str) -> Option<(BucketPurpose, &str)> {
    let (head, suffix) = name.strip_prefix("emreks-")?.rsplit_once('-')?;
    [BucketPurpose::Assets, BucketPurpose::Studio]
        .into_iter()
        .find(|purpose| head.ends_with(purpose.as_str()))
        .map(|purpose| (purpose, suffix))
}

/// Lowercase letters, digits and single hyphens, no hyphen at either end.
fn dns_label(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `emreks-<platform>-<purpose>-<suffix>`. S3 names are global, so the
/// random suffix keeps platforms of the same name (in other accounts, or
/// recreated) apart; the platform part is shortened to fit 63 characters.
/// The fixed `emreks-` head keeps the name from looking like an IP address
/// or starting with a prefix S3 reserves (`xn--`, `sthree-`).
fn bucket_name(purpose: &str, platform: &str, suffix: &str) -> String {
    let purpose = dns_label(purpose);
    let suffix = dns_label(suffix);
    let tail: String = [purpose, suffix]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let fixed = "emreks-".len() + 1 + tail.len();
    let room = MAX_BUCKET_NAME.saturating_sub(fixed);
    let platform: String = dns_label(platform).chars().take(room).collect();
    let platform = platform.trim_end_matches('-');
    let name = [platform, tail.as_str()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .fold(String::from("emreks"), |name, part| {
            format!("{name}-{part}")
        });
    // Only reachable with a purpose and suffix longer than any caller uses.
    let name: String = name.chars().take(MAX_BUCKET_NAME).collect();
    name.trim_end_matches('-').to_string()
}

/// Key of the platform's saved arguments, beside the pod templates.
pub fn settings_key(platform: &str) -> String {
    format!("{platform}/emreks/settings.json")
}

/// Key of a notebook user's saved endpoints.
pub fn notebook_user_settings_key(
    platform: &str,
    identity_type: &str,
    identity_name: &str,
) -> String {
    format!("{platform}/emreks/notebook-users/{identity_type}-{identity_name}.json")
}

/// Key prefix of the pod templates in the assets bucket.
pub fn pod_template_prefix(platform: &str) -> String {
    format!("{platform}/pod-template")
}

/// Where the Studio keeps Workspaces in its bucket.
pub fn studio_workspaces_location(bucket: &str) -> String {
    format!("s3://{bucket}/workspaces")
}

// ---- CloudWatch Logs -----------------------------------------------------

/// The log group of a job profile's jobs; the platform name keeps two platforms of one account and
/// region apart.
pub fn log_group(platform: &str, profile: JobProfile) -> String {
    format!("/aws/emr-containers/{platform}/{}", profile.as_str())
}

/// (platform, profile as the name spells it) of a job log group.
#[allow(dead_code)] // read back by the ownership checks to come
pub fn parse_log_group(name: &str) -> Option<(&str, &str)> {
    name.strip_prefix("/aws/emr-containers/")?.rsplit_once('/')
}

/// The log group EKS writes the control-plane logs to (a name EKS fixes).
/// The platform makes it before the cluster, with its retention and tags:
/// left to EKS it would keep events forever and outlive the cluster.
pub fn cluster_log_group(cluster: &str) -> String {
    format!("/aws/eks/{cluster}/cluster")
}

/// The cluster of a control-plane log group.
#[allow(dead_code)] // read back by the ownership checks to come
pub fn parse_cluster_log_group(name: &str) -> Option<&str> {
    name.strip_prefix("/aws/eks/")?
        .strip_suffix("/cluster")
        .filter(|cluster| !cluster.is_empty() && !cluster.contains('/'))
}

/// ARN of a log group, as TagResource wants it (without the `:*` that
/// DescribeLogGroups appends).
pub fn log_group_arn(partition: &str, region: &str, account_id: &str, name: &str) -> String {
    format!("arn:{partition}:logs:{region}:{account_id}:log-group:{name}")
}

// ---- EC2 -----------------------------------------------------------------

/// The security groups of the Studio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StudioGroup {
    Workspace,
    Engine,
}

impl StudioGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            StudioGroup::Workspace => "workspace",
            StudioGroup::Engine => "engine",
        }
    }
}

pub fn studio_security_group(platform: &str, group: StudioGroup, suffix: &str) -> String {
    format!("{platform}-studio-{}-{suffix}", group.as_str())
}

#[allow(dead_code)] // read back by the ownership checks to come
pub fn parse_studio_security_group(name: &str) -> Option<(StudioGroup, NameParts<'_>)> {
    [StudioGroup::Workspace, StudioGroup::Engine]
        .into_iter()
        .find_map(|group| {
            let (platform, suffix) = name.rsplit_once(&format!("-studio-{}-", group.as_str()))?;
            Some((group, NameParts { platform, suffix }))
        })
}

/// The `Name` tags of the platform's own VPC and what is in it.
pub fn vpc(platform: &str) -> String {
    platform.to_string()
}

pub fn subnet(platform: &str, public: bool, zone: &str) -> String {
    let kind = if public { "public" } else { "private" };
    format!("{platform}-{kind}-{zone}")
}

/// (public, zone) of one of the platform's subnets.
#[allow(dead_code)] // read back by the ownership checks to come
pub fn parse_subnet<'a>(name: &'a str, platform: &str) -> Option<(bool, &'a str)> {
    let rest = name.strip_prefix(platform)?.strip_prefix('-')?;
    if let Some(zone) = rest.strip_prefix("public-") {
        Some((true, zone))
    } else {
        rest.strip_prefix("private-").map(|zone| (false, zone))
    }
}

/// The NAT gateway of a zone, and its Elastic IP.
pub fn nat_gateway(platform: &str, zone: &str) -> String {
    format!("{platform}-nat-{zone}")
}

pub fn public_route_table(platform: &str) -> String {
    format!("{platform}-public")
}

pub fn private_route_table(platform: &str, zone: &str) -> String {
    format!("{platform}-private-{zone}")
}

/// A nodegroup's launch template: `<platform>-<nodegroup>-<suffix>`.
pub fn launch_template(platform: &str, nodegroup: &str, suffix: &str) -> String {
    format!("{platform}-{nodegroup}-{suffix}")
}

/// (nodegroup, suffix) of a launch template of `platform`.
pub fn parse_launch_template<'a>(name: &'a str, platform: &str) -> Option<(&'a str, &'a str)> {
    name.strip_prefix(platform)?
        .strip_prefix('-')?
        .rsplit_once('-')
}

// ---- EKS -----------------------------------------------------------------

const TOOLING_PREFIX: &str = "tooling-";

/// The tooling nodegroup; a fresh `token` each time one replaces another,
/// since the old one drains while the new one starts.
pub fn tooling_nodegroup(token: &str) -> String {
    format!("{TOOLING_PREFIX}{token}")
}

pub fn parse_tooling_nodegroup(name: &str) -> Option<&str> {
    name.strip_prefix(TOOLING_PREFIX)
}

/// An EC2 filter value (`*` a wildcard) matching the names of the launch
/// templates of `platform`'s tooling nodegroups, whatever their token.
pub fn tooling_launch_templates(platform: &str, suffix: &str) -> String {
    launch_template(platform, &tooling_nodegroup("*"), suffix)
}

// ---- EMR -----------------------------------------------------------------

pub fn studio_arn(partition: &str, region: &str, account: &str, studio_id: &str) -> String {
    format!("arn:{partition}:elasticmapreduce:{region}:{account}:studio/{studio_id}")
}

/// Every EMR Studio Workspace (`editor`) of the account and region: an
/// editor's ARN does not name its Studio.
pub fn editors_arn(partition: &str, region: &str, account: &str) -> String {
    format!("arn:{partition}:elasticmapreduce:{region}:{account}:editor/*")
}

/// An EKS cluster's ARN.
pub fn cluster_arn(partition: &str, region: &str, account: &str, cluster: &str) -> String {
    format!("arn:{partition}:eks:{region}:{account}:cluster/{cluster}")
}

pub fn virtual_cluster_arn(partition: &str, region: &str, account: &str, id: &str) -> String {
    format!("arn:{partition}:emr-containers:{region}:{account}:/virtualclusters/{id}")
}

/// The job name and log stream prefix of a profile's ready-made request.
pub fn job_run_name(platform: &str, profile: &str) -> String {
    format!("{platform}-{}", log_stream_prefix(profile))
}

pub fn log_stream_prefix(profile: &str) -> String {
    profile.replace('_', "-")
}

// ---- Terraform import ids ------------------------------------------------

/// `<platform>:<nodegroup>`.
pub fn nodegroup_id(platform: &str, name: &str) -> String {
    format!("{platform}:{name}")
}

pub fn parse_nodegroup_id(id: &str) -> Option<(&str, &str)> {
    id.split_once(':')
}

/// `<platform>:<USER|GROUP>:<identity name>`.
pub fn notebook_user_id(platform: &str, identity_type: &str, identity_name: &str) -> String {
    format!("{platform}:{identity_type}:{identity_name}")
}

pub fn parse_notebook_user_id(id: &str) -> Option<(&str, &str, &str)> {
    let mut parts = id.splitn(3, ':');
    Some((parts.next()?, parts.next()?, parts.next()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn platform_clusters_are_told_by_their_tags() {
        let tags = |pairs: &'static [(&'static str, &'static str)]| {
            move |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
        };
        let marked: &[(&str, &str)] = &[(OWNER_TAG, "analytics-ab12cd34")];
        assert!(super::is_platform_cluster("analytics", tags(marked)));
        assert!(!super::is_platform_cluster("analytic", tags(marked)));
        assert!(!super::is_platform_cluster("other", tags(marked)));
        let longer: &[(&str, &str)] = &[(OWNER_TAG, "analytics-eu-ab12cd34")];
        assert!(!super::is_platform_cluster("analytics", tags(longer)));
        let old: &[(&str, &str)] = &[(PLATFORM_TAG, "analytics")];
        assert!(super::is_platform_cluster("analytics", tags(old)));
        let foreign: &[(&str, &str)] = &[("team", "data")];
        assert!(!super::is_platform_cluster("analytics", tags(foreign)));
    }

    use super::*;

    const SUFFIX: &str = "ab12cd34";

    /// S3's naming rules for general purpose buckets.
    fn assert_valid_bucket(name: &str) {
        assert!(
            (3..=63).contains(&name.len()),
            "{name}: length {}",
            name.len()
        );
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{name}: characters"
        );
        assert!(!name.starts_with('-') && !name.ends_with('-'), "{name}");
        assert!(!name.contains("--"), "{name}");
        assert!(name.parse::<std::net::Ipv4Addr>().is_err(), "{name}");
    }

    #[test]
    fn platform_roles_round_trip() {
        for kind in PlatformRole::ALL {
            let name = kind.name("analytics", SUFFIX);
            let parts = NameParts {
                platform: "analytics",
                suffix: SUFFIX,
            };
            assert_eq!(kind.parse(&name), Some(parts), "{name}");
            assert_eq!(PlatformRole::of(&name), Some((kind, parts)), "{name}");
        }
        assert_eq!(
            PlatformRole::Cluster.name("analytics", SUFFIX),
            "analytics-eks-cluster-ab12cd34"
        );
        assert_eq!(
            PlatformRole::StudioService.name("analytics", SUFFIX),
            "analytics-studio-ab12cd34"
        );
        assert_eq!(
            PlatformRole::AutoNode.name("analytics", SUFFIX),
            "analytics-auto-node-ab12cd34"
        );
        assert_eq!(PlatformRole::of("someone-elses-role"), None);
    }

    #[test]
    fn long_platform_names_are_cut_to_fit_iam() {
        let long = "p".repeat(100);
        for kind in PlatformRole::ALL {
            let name = kind.name(&long, SUFFIX);
            assert!(name.len() <= 64, "{name}");
            let parts = kind.parse(&name).unwrap();
            assert!(long.starts_with(parts.platform));
            assert_eq!(parts.suffix, SUFFIX);
        }
        let service = PlatformRole::StudioService.name(&long, SUFFIX);
        let user = PlatformRole::StudioUser.name(&long, SUFFIX);
        assert_eq!((service.len(), user.len()), (64, 64));
        assert!(service.ends_with("-studio-ab12cd34"), "{service}");
        assert!(user.ends_with("-studio-user-ab12cd34"), "{user}");
        assert_ne!(service, user);
        assert!(PlatformRole::Cluster
            .name(&long, SUFFIX)
            .ends_with("-eks-cluster-ab12cd34"));
    }

    #[test]
    fn execution_roles_round_trip_and_differ_by_key() {
        let name = execution_role("analytics", "jobs", SUFFIX);
        assert_eq!(name, "analytics-jobs-ab12cd34");
        assert_eq!(
            parse_execution_role(&name, "analytics"),
            Some(("jobs", SUFFIX))
        );
        let long = execution_role(&"p".repeat(100), &"k".repeat(100), SUFFIX);
        assert!(long.len() <= 64, "{long}");
        let (key_part, suffix) = parse_execution_role(&long, &"p".repeat(100)).unwrap();
        assert_eq!(suffix, SUFFIX);
        assert!(key_part.starts_with(&"k".repeat(15)), "{key_part}");
        assert_eq!(key_part.len(), 22, "{key_part}");
        assert_ne!(
            execution_role("p", "jobs", "s"),
            execution_role("p", "notebooks", "s")
        );
    }

    #[test]
    fn long_execution_keys_sharing_a_beginning_get_distinct_roles() {
        let shared = "data-engineering-batch";
        assert_eq!(shared.len(), 22);
        let a = execution_role("analytics", &format!("{shared}-eu"), SUFFIX);
        let b = execution_role("analytics", &format!("{shared}-us"), SUFFIX);
        let exact = execution_role("analytics", shared, SUFFIX);
        assert_ne!(a, b);
        assert_ne!(a, exact);
        assert_eq!(exact, format!("analytics-{shared}-{SUFFIX}"));
        for name in [&a, &b] {
            assert!(name.len() <= MAX_ROLE_NAME, "{name}");
            assert_eq!(
                parse_execution_role(name, "analytics").map(|(_, s)| s),
                Some(SUFFIX)
            );
        }
        // The same key always gives the same name (roles made earlier are found again).
        assert_eq!(
            a,
            execution_role("analytics", &format!("{shared}-eu"), SUFFIX)
        );
    }

    #[test]
    fn execution_keys_named_like_the_platform_roles_are_recognised() {
        for marker in platform_role_markers() {
            assert!(execution_key_is_platform_marker(marker));
            assert_eq!(
                execution_role("analytics", marker, SUFFIX),
                PlatformRole::of(&execution_role("analytics", marker, SUFFIX))
                    .map(|(kind, _)| kind.name("analytics", SUFFIX))
                    .unwrap()
            );
        }
        assert!(!execution_key_is_platform_marker("jobs"));
        assert!(!execution_key_is_platform_marker("studio-jobs"));
    }

    #[test]
    fn role_arns_give_their_name_and_the_platform_suffix() {
        let arn = "arn:aws:iam::123456789012:role/emreks/analytics/analytics-eks-cluster-ab12cd34";
        assert_eq!(role_name_of_arn(arn), "analytics-eks-cluster-ab12cd34");
        assert_eq!(suffix_of_cluster_role_arn(arn), Some(SUFFIX));
        assert_eq!(
            suffix_of_cluster_role_arn("arn:aws:iam::123456789012:role/my-role"),
            None
        );
        assert_eq!(iam_path("analytics"), "/emreks/analytics/");
    }

    #[test]
    fn policy_names_round_trip() {
        assert_eq!(
            parse_notebook_access_policy(&notebook_access_policy("analytics")),
            Some("analytics")
        );
        assert_eq!(
            session_policy_arn("aws", "123456789012", "analytics", "USER", "ana"),
            "arn:aws:iam::123456789012:policy/emreks/analytics/emreks-analytics-user-ana"
        );
        let session = session_policy("analytics", "GROUP", "data-team");
        assert_eq!(session, "emreks-analytics-group-datateam");
        assert_eq!(
            parse_session_policy(&session),
            Some(("analytics", "group", "datateam"))
        );
    }

    #[test]
    fn oidc_provider_arns_round_trip() {
        let issuer = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC";
        let arn = oidc_provider_arn("aws", "123456789012", issuer);
        assert_eq!(
            arn,
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
        );
        assert_eq!(issuer_of_oidc_provider_arn(&arn).as_deref(), Some(issuer));
    }

    #[test]
    fn buckets_round_trip() {
        let name = bucket(BucketPurpose::Studio, "analytics", "a1b2c3d4");
        assert_eq!(name, "emreks-analytics-studio-a1b2c3d4");
        assert_valid_bucket(&name);
        assert_eq!(
            parse_bucket(&name),
            Some((BucketPurpose::Studio, "a1b2c3d4"))
        );
        let assets = bucket(BucketPurpose::Assets, "Analytics_1", SUFFIX);
        assert_eq!(assets, "emreks-analytics-1-assets-ab12cd34");
        assert_eq!(parse_bucket(&assets), Some((BucketPurpose::Assets, SUFFIX)));
        assert_eq!(parse_bucket("someone-elses-bucket"), None);
    }

    #[test]
    fn odd_platform_names_are_lowercased_and_hyphenated() {
        let name = bucket_name("logs", "Data_Platform__2-", "x9y8z7w6");
        assert_eq!(name, "emreks-data-platform-2-logs-x9y8z7w6");
        assert_valid_bucket(&name);
    }

    #[test]
    fn long_platform_names_are_cut_to_fit_and_keep_the_suffix() {
        for len in [40, 47, 48, 100] {
            let platform = "a-".repeat(len);
            let name = bucket_name("workspaces", &platform, "abcdefgh");
            assert_valid_bucket(&name);
            assert!(name.ends_with("-workspaces-abcdefgh"), "{name}");
            assert!(name.starts_with("emreks-a-a"), "{name}");
        }
        let assets = bucket(BucketPurpose::Assets, &"a-".repeat(100), SUFFIX);
        assert_eq!(parse_bucket(&assets), Some((BucketPurpose::Assets, SUFFIX)));
    }

    #[test]
    fn the_suffix_keeps_same_named_platforms_apart() {
        assert_ne!(
            bucket_name("studio", "analytics", "aaaaaaaa"),
            bucket_name("studio", "analytics", "bbbbbbbb")
        );
    }

    #[test]
    fn degenerate_inputs_still_give_valid_bucket_names() {
        for (purpose, platform, suffix) in [
            ("", "", ""),
            ("x", "___", "1"),
            ("p", "1.2.3.4", "5"),
            (&"p".repeat(80) as &str, "q", "s"),
        ] {
            assert_valid_bucket(&bucket_name(purpose, platform, suffix));
        }
    }

    #[test]
    fn s3_keys_of_a_platform() {
        assert_eq!(settings_key("analytics"), "analytics/emreks/settings.json");
        assert_eq!(
            notebook_user_settings_key("analytics", "USER", "analyst"),
            "analytics/emreks/notebook-users/USER-analyst.json"
        );
        assert_eq!(pod_template_prefix("analytics"), "analytics/pod-template");
        let bucket = bucket(BucketPurpose::Studio, "Analytics_1", SUFFIX);
        assert_eq!(
            studio_workspaces_location(&bucket),
            "s3://emreks-analytics-1-studio-ab12cd34/workspaces"
        );
    }

    #[test]
    fn cluster_log_groups_round_trip() {
        let name = cluster_log_group("analytics");
        assert_eq!(name, "/aws/eks/analytics/cluster");
        assert_eq!(parse_cluster_log_group(&name), Some("analytics"));
        assert_eq!(parse_cluster_log_group("/aws/eks//cluster"), None);
        assert_eq!(
            parse_cluster_log_group("/aws/emr-containers/a/critical"),
            None
        );
    }

    #[test]
    fn log_groups_round_trip() {
        let name = log_group("analytics", JobProfile::NonCritical);
        assert_eq!(name, "/aws/emr-containers/analytics/non-critical");
        assert_eq!(parse_log_group(&name), Some(("analytics", "non-critical")));
        assert_ne!(
            log_group("a", JobProfile::Notebook),
            log_group("b", JobProfile::Notebook)
        );
        assert_eq!(
            log_group_arn("aws", "eu-west-1", "123456789012", "/emreks/a/spark"),
            "arn:aws:logs:eu-west-1:123456789012:log-group:/emreks/a/spark"
        );
    }

    #[test]
    fn studio_security_groups_round_trip() {
        let name = studio_security_group("analytics", StudioGroup::Engine, SUFFIX);
        assert_eq!(name, "analytics-studio-engine-ab12cd34");
        assert_eq!(
            parse_studio_security_group(&name),
            Some((
                StudioGroup::Engine,
                NameParts {
                    platform: "analytics",
                    suffix: SUFFIX
                }
            ))
        );
    }

    #[test]
    fn network_names_round_trip() {
        assert_eq!(vpc("analytics"), "analytics");
        for public in [true, false] {
            let name = subnet("analytics", public, "eu-west-1a");
            assert_eq!(
                parse_subnet(&name, "analytics"),
                Some((public, "eu-west-1a"))
            );
        }
        assert_eq!(
            subnet("analytics", false, "eu-west-1a"),
            "analytics-private-eu-west-1a"
        );
        assert_eq!(
            nat_gateway("analytics", "eu-west-1a"),
            "analytics-nat-eu-west-1a"
        );
        assert_eq!(public_route_table("analytics"), "analytics-public");
        assert_eq!(
            private_route_table("analytics", "eu-west-1b"),
            "analytics-private-eu-west-1b"
        );
    }

    #[test]
    fn launch_templates_round_trip() {
        let name = launch_template("analytics", "critical-a", SUFFIX);
        assert_eq!(name, "analytics-critical-a-ab12cd34");
        assert_eq!(
            parse_launch_template(&name, "analytics"),
            Some(("critical-a", SUFFIX))
        );
    }

    #[test]
    fn the_tooling_templates_pattern_matches_a_tooling_template_name() {
        let pattern = tooling_launch_templates("analytics", SUFFIX);
        assert_eq!(pattern, "analytics-tooling-*-ab12cd34");
        let name = launch_template("analytics", &tooling_nodegroup("x1y2z3"), SUFFIX);
        let (prefix, rest) = pattern.split_once('*').unwrap_or_default();
        assert!(name.starts_with(prefix) && name.ends_with(rest), "{name}");
    }

    #[test]
    fn tooling_nodegroups_round_trip() {
        let name = tooling_nodegroup("x1y2z3");
        assert_eq!(name, "tooling-x1y2z3");
        assert_eq!(parse_tooling_nodegroup(&name), Some("x1y2z3"));
        assert_eq!(parse_tooling_nodegroup("critical-a"), None);
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn resource_tags_override_defaults_and_platform_tag_wins() {
        let all = object_tags(
            &map(&[("team", "data"), ("env", "dev")]),
            &map(&[("env", "prod"), (PLATFORM_TAG, "spoofed")]),
            "analytics",
        );
        assert_eq!(
            all,
            map(&[
                ("team", "data"),
                ("env", "prod"),
                (PLATFORM_TAG, "analytics")
            ])
        );
    }

    #[test]
    fn the_marker_names_one_platform_and_old_objects_still_count() {
        let owner = Owner::new("analytics", "ab12cd34");
        let tagged = owner.tag(&map(&[(PLATFORM_TAG, "analytics")]));
        let get = |tags: &BTreeMap<String, String>, key: &str| tags.get(key).cloned();
        let owns = |tags: &BTreeMap<String, String>, name: Option<&str>| {
            owner.owns(|key| tags.get(key).map(String::as_str), name)
        };
        assert_eq!(
            get(&tagged, OWNER_TAG).as_deref(),
            Some("analytics-ab12cd34")
        );
        assert!(owns(&tagged, None));
        // Another platform of the same name, elsewhere.
        let other = Owner::new("analytics", "zz99yy88").tag(&BTreeMap::new());
        assert!(!owns(&other, Some("analytics-eks-node-ab12cd34")));
        // Made by the previous release: the platform tag and our suffix.
        let old = map(&[(PLATFORM_TAG, "analytics")]);
        assert!(owns(&old, Some("analytics-eks-node-ab12cd34")));
        assert!(!owns(&old, Some("analytics-eks-node-zz99yy88")));
        assert!(!owns(&old, None));
        // Someone else's object of the same name.
        assert!(!owns(&BTreeMap::new(), Some("analytics-eks-node-ab12cd34")));
        assert!(!Owner::new("analytics", "").owns(|_| Some("analytics"), Some("x")));
    }

    #[test]
    fn endpoint_user_tags_round_trip() {
        let tag = endpoint_user_tag("USER", "analyst");
        assert_eq!(tag, "emreks:user:USER:analyst");
        assert_eq!(parse_endpoint_user_tag(&tag), Some(("USER", "analyst")));
        assert!(is_provider_tag(&tag) && is_provider_tag(PLATFORM_TAG));
        assert!(!is_provider_tag(EMR_MANAGED_TAG));
    }

    #[test]
    fn emr_arns_and_job_names() {
        assert_eq!(
            studio_arn("aws", "eu-west-1", "123456789012", "es-1"),
            "arn:aws:elasticmapreduce:eu-west-1:123456789012:studio/es-1"
        );
        assert_eq!(
            virtual_cluster_arn("aws", "eu-west-1", "123456789012", "vc-1"),
            "arn:aws:emr-containers:eu-west-1:123456789012:/virtualclusters/vc-1"
        );
        assert_eq!(
            job_run_name("analytics", "non_critical"),
            "analytics-non-critical"
        );
    }

    #[test]
    fn import_ids_round_trip() {
        let id = nodegroup_id("analytics", "critical-a");
        assert_eq!(parse_nodegroup_id(&id), Some(("analytics", "critical-a")));
        let id = notebook_user_id("analytics", "USER", "analyst");
        assert_eq!(
            parse_notebook_user_id(&id),
            Some(("analytics", "USER", "analyst"))
        );
        assert_eq!(parse_nodegroup_id("analytics"), None);
        assert_eq!(parse_notebook_user_id("analytics:USER"), None);
    }

    #[test]
    fn endpoint_user_tags_take_only_what_tag_keys_allow() {
        assert_eq!(
            endpoint_user_tag("USER", "analyst@example.com"),
            "emreks:user:USER:analyst@example.com"
        );
        let group = endpoint_user_tag("GROUP", "Data Eng (EU)");
        assert!(
            group.starts_with("emreks:user:GROUP:Data Eng _EU_@"),
            "{group}"
        );
        assert!(group.chars().all(tag_key_char), "{group}");
        assert_ne!(group, endpoint_user_tag("GROUP", "Data Eng [EU]"));
        assert_eq!(
            parse_endpoint_user_tag(&group).map(|(kind, _)| kind),
            Some("GROUP")
        );
    }

    #[test]
    fn endpoint_tokens_agree_on_the_same_listing_and_change_with_it() {
        let none: Vec<String> = Vec::new();
        let first = endpoint_client_token("vc-1", "shared", &none);
        assert_eq!(first, endpoint_client_token("vc-1", "shared", &none));
        assert!(first.len() <= 64, "{first}");
        let after_one = endpoint_client_token("vc-1", "shared", &["e-1".to_string()]);
        assert_ne!(first, after_one);
        assert_ne!(first, endpoint_client_token("vc-1", "other", &none));
        assert_ne!(first, endpoint_client_token("vc-2", "shared", &none));
    }
}
