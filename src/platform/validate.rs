//! Pure checks of user input: AWS names (regions, ARNs, CIDR blocks,
//! Kubernetes versions) and EMR on EKS inputs (namespaces, release labels,
//! policy documents, endpoint names). Each returns `Err(why)` in words that
//! tell the user what is allowed; callers attach the attribute path.

use ipnet::Ipv4Net;
use serde_json::Value;

use super::naming;

/// An AWS region name such as `eu-west-1` or `us-gov-west-1`.
pub fn region(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.split('-').collect();
    let well_formed = parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit());
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "\"{value}\" is not an AWS region name; expected a name such as \"eu-west-1\""
        ))
    }
}

/// A tag key users may set (`tags`, `default_tags`): not AWS's own
/// (`aws:`) nor the provider's (`emreks:`, which holds the ownership
/// marker destroy relies on: a user's value there could make the provider
/// take someone else's object for its own).
pub fn user_tag_key(key: &str) -> Result<(), String> {
    if key.to_ascii_lowercase().starts_with("aws:") || naming::is_provider_tag(key) {
        return Err(format!(
            "tag key \"{key}\" is reserved: the \"aws:\" prefix is AWS's and the \"emreks:\" prefix (\"{}\", \"{}\") is the provider's own; choose another key",
            naming::OWNER_TAG,
            naming::PLATFORM_TAG
        ));
    }
    Ok(())
}

/// An absolute http(s) URL, as endpoint overrides must be.
pub fn endpoint_url(value: &str) -> Result<(), String> {
    let uri: http::Uri = value.parse().map_err(|_| {
        format!("\"{value}\" is not a URL; expected e.g. \"https://eks.eu-west-1.amazonaws.com\"")
    })?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(()),
        _ => Err(format!(
            "\"{value}\" must be an absolute http:// or https:// URL"
        )),
    }
}

/// An IAM role ARN: `arn:<partition>:iam::<12-digit account>:role/<path/name>`.
pub fn iam_role_arn(value: &str) -> Result<(), String> {
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > "role/".len();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{value}\" is not an IAM role ARN; expected arn:aws:iam::<account-id>:role/<name>"
        ))
    }
}

/// An IPv4 CIDR block whose address is the network address (`10.0.0.0/16`, not `10.0.0.1/16`).
pub fn ipv4_cidr(value: &str) -> Result<Ipv4Net, String> {
    let net: Ipv4Net = value
        .parse()
        .map_err(|_| format!("\"{value}\" is not an IPv4 CIDR block such as \"10.0.0.0/16\""))?;
    if net.network() != net.addr() {
        return Err(format!(
            "\"{value}\" has host bits set; did you mean \"{}\"?",
            net.trunc()
        ));
    }
    Ok(net)
}

/// A VPC CIDR: AWS allows prefixes from /16 to /28.
pub fn vpc_cidr(value: &str) -> Result<Ipv4Net, String> {
    let net = ipv4_cidr(value)?;
    if !(16..=28).contains(&net.prefix_len()) {
        return Err(format!(
            "\"{value}\" has prefix /{}; a VPC CIDR must be between /16 and /28",
            net.prefix_len()
        ));
    }
    Ok(net)
}

/// A name usable in EKS cluster names and as a prefix of IAM role names:
/// 1–100 characters, starting with a letter or digit, then letters, digits, `-` and `_`.
pub fn platform_name(value: &str) -> Result<(), String> {
    let mut chars = value.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if starts_well && rest_ok && value.len() <= 100 {
        Ok(())
    } else {
        Err(format!(
            "\"{value}\" is not a valid platform name: use 1 to 100 letters, digits, '-' or '_', starting with a letter or digit"
        ))
    }
}

/// An `execution_roles` key: it names an IAM role and tags it, so it is
/// held to a Kubernetes name's rules (lowercase letters, digits, '-', at
/// most 63), and may not be one of the platform's own role markers, whose
/// role name it would take.
pub fn execution_role_key(key: &str) -> Result<(), String> {
    let well_formed = !key.is_empty()
        && key.len() <= 63
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !key.starts_with('-')
        && !key.ends_with('-');
    if !well_formed {
        return Err(format!(
            "\"{key}\" is not a valid execution role key: use 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit, e.g. \"batch-jobs\""
        ));
    }
    if naming::execution_key_is_platform_marker(key) {
        return Err(format!(
            "\"{key}\" would name its IAM role like one of the platform's own roles ({}); choose another key, e.g. \"{key}-jobs\"",
            naming::platform_role_markers().join(", ")
        ));
    }
    Ok(())
}

/// Whether a nodegroup's launch template name
/// (`<platform>-<nodegroup>-<suffix>`) fits EC2's limit.
pub fn launch_template_name(platform: &str, nodegroup: &str) -> Result<(), String> {
    let length = naming::launch_template(platform, nodegroup, &"x".repeat(naming::SUFFIX_LEN))
        .chars()
        .count();
    if length > naming::MAX_LAUNCH_TEMPLATE_NAME {
        return Err(format!(
            "the nodegroup's launch template would be named \"{platform}-{nodegroup}-<suffix>\", {length} characters, more than EC2's {}; shorten the nodegroup's name by {}",
            naming::MAX_LAUNCH_TEMPLATE_NAME,
            length - naming::MAX_LAUNCH_TEMPLATE_NAME
        ));
    }
    Ok(())
}

/// Whether a notebook user's identity fits the names made for it: the
/// session policy (IAM Identity Center mode) and the tag on its endpoints.
pub fn notebook_identity_names(
    platform: &str,
    identity_type: &str,
    identity_name: &str,
) -> Result<(), String> {
    if identity_name.trim().is_empty() {
        return Err("the identity name is empty; give the IAM user or role name, or the Identity Center user or group name".into());
    }
    let policy = naming::session_policy(platform, identity_type, identity_name);
    if policy.chars().count() > naming::MAX_POLICY_NAME {
        return Err(format!(
            "the session policy for \"{identity_name}\" would be named \"{policy}\", longer than IAM's {} characters; a shorter platform name or identity name is needed",
            naming::MAX_POLICY_NAME
        ));
    }
    let tag = naming::endpoint_user_tag(identity_type, identity_name);
    if tag.chars().count() > naming::MAX_TAG_KEY {
        return Err(format!(
            "\"{identity_name}\" is too long for the tag that marks its endpoints (at most {} characters in all, \"{}\" included)",
            naming::MAX_TAG_KEY,
            naming::ENDPOINT_USER_TAG_PREFIX
        ));
    }
    Ok(())
}

/// A Kubernetes minor version as EKS takes it, e.g. `1.31`.
pub fn kubernetes_version(value: &str) -> Result<(u32, u32), String> {
    let parsed = value
        .split_once('.')
        .and_then(|(major, minor)| Some((major.parse().ok()?, minor.parse().ok()?)));
    match parsed {
        Some((1, minor)) => Ok((1, minor)),
        _ => Err(format!(
            "\"{value}\" is not a Kubernetes version as EKS takes it; expected \"1.<minor>\", e.g. \"1.31\""
        )),
    }
}

/// Namespaces Kubernetes creates and manages itself.
const RESERVED_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

/// The oldest EMR on EKS release of each major version that has one.
const FIRST_EMR_ON_EKS_RELEASES: [(u32, u32); 2] = [(5, 32), (6, 2)];

/// A Kubernetes namespace for a virtual cluster: an RFC 1123 DNS label
/// (1–63 characters, lowercase letters, digits and '-', starting and ending
/// with a letter or digit) that Kubernetes does not keep for itself.
pub fn namespace(name: &str) -> Result<(), String> {
    let well_formed = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !well_formed {
        return Err(format!(
            "\"{name}\" is not a Kubernetes namespace name: use 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit, e.g. \"spark-batch\""
        ));
    }
    if RESERVED_NAMESPACES.contains(&name) || name.starts_with("kube-") {
        return Err(format!(
            "namespace \"{name}\" is reserved for Kubernetes itself (as are \"default\" and every name starting with \"kube-\"); choose a dedicated namespace such as \"spark-batch\""
        ));
    }
    Ok(())
}

/// An EMR on EKS release label, `emr-<major>.<minor>.<patch>` optionally
/// followed by `-latest` or a `-YYYYMMDD` build date; returns the version.
pub fn release_label(label: &str) -> Result<(u32, u32, u32), String> {
    let malformed = || {
        format!(
            "\"{label}\" is not an EMR on EKS release label; expected \"emr-<major>.<minor>.<patch>\" optionally followed by \"-latest\" or \"-YYYYMMDD\", e.g. \"emr-7.5.0-latest\" or \"emr-6.8.0-20221219\""
        )
    };
    let rest = label.strip_prefix("emr-").ok_or_else(malformed)?;
    let (version, suffix) = match rest.split_once('-') {
        Some((version, suffix)) => (version, Some(suffix)),
        None => (rest, None),
    };
    if let Some(suffix) = suffix {
        if suffix != "latest" && !is_build_date(suffix) {
            return Err(malformed());
        }
    }
    let numbers: Vec<&str> = version.split('.').collect();
    let parsed: Option<Vec<u32>> = numbers.iter().map(|n| decimal(n)).collect();
    let (major, minor, patch) = match parsed.as_deref() {
        Some(&[major, minor, patch]) => (major, minor, patch),
        _ => return Err(malformed()),
    };
    let supported = match FIRST_EMR_ON_EKS_RELEASES.iter().find(|(m, _)| *m == major) {
        Some((_, first_minor)) => minor >= *first_minor,
        None => major > 6,
    };
    if !supported {
        return Err(format!(
            "release {major}.{minor}.{patch} is not available on EMR on EKS, which starts at 5.32.0 and 6.2.0; use a newer release such as \"emr-7.5.0-latest\""
        ));
    }
    Ok((major, minor, patch))
}

/// Digits only, no sign and no leading zero (EMR never writes `6.08.0`).
fn decimal(text: &str) -> Option<u32> {
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

/// `YYYYMMDD` with a plausible month and day.
fn is_build_date(text: &str) -> bool {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let month: u32 = text[4..6].parse().unwrap_or(0);
    let day: u32 = text[6..8].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// An IAM policy document: a JSON object with `Version` "2012-10-17" or
/// "2008-10-17" and a non-empty `Statement` (one object or an array), each
/// statement with `Effect` Allow or Deny and either `Action` or `NotAction`.
/// Returns the parsed document.
pub fn policy_document(json: &str) -> Result<Value, String> {
    let document: Value = serde_json::from_str(json).map_err(|e| {
        format!(
            "the policy document is not valid JSON (line {}, column {}: {e}); write it with jsonencode() or check the quoting",
            e.line(),
            e.column()
        )
    })?;
    let object = document.as_object().ok_or(
        "the policy document must be a JSON object such as {\"Version\": \"2012-10-17\", \"Statement\": [...]}",
    )?;
    match object.get("Version").and_then(Value::as_str) {
        Some("2012-10-17" | "2008-10-17") => {}
        _ => return Err(
            "the policy document needs \"Version\": \"2012-10-17\" (or the legacy \"2008-10-17\")"
                .to_string(),
        ),
    }
    let statements: Vec<&Value> = match object.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    };
    if statements.is_empty() {
        return Err(
            "the policy document needs a non-empty \"Statement\": one statement object or an array of them"
                .to_string(),
        );
    }
    for (index, statement) in statements.iter().enumerate() {
        statement_is_valid(statement)
            .map_err(|why| format!("statement {} of the policy document {why}", index + 1))?;
    }
    Ok(document)
}

fn statement_is_valid(statement: &Value) -> Result<(), String> {
    let object = statement
        .as_object()
        .ok_or("is not a JSON object; each statement must be {\"Effect\": ..., \"Action\": ...}")?;
    match object.get("Effect").and_then(Value::as_str) {
        Some("Allow" | "Deny") => {}
        _ => return Err("needs \"Effect\": \"Allow\" or \"Deny\"".to_string()),
    }
    match (object.get("Action"), object.get("NotAction")) {
        (Some(actions), None) | (None, Some(actions)) if is_action_list(actions) => Ok(()),
        (Some(_), Some(_)) => {
            Err("has both \"Action\" and \"NotAction\"; keep exactly one of them".to_string())
        }
        (None, None) => Err(
            "needs \"Action\" (or \"NotAction\"): an action such as \"s3:GetObject\" or a list of them"
                .to_string(),
        ),
        _ => Err(
            "has an \"Action\"/\"NotAction\" that is neither an action string such as \"s3:GetObject\" nor a non-empty list of them"
                .to_string(),
        ),
    }
}

fn is_action_list(value: &Value) -> bool {
    match value {
        Value::String(action) => !action.is_empty(),
        Value::Array(list) => {
            !list.is_empty()
                && list
                    .iter()
                    .all(|a| a.as_str().is_some_and(|s| !s.is_empty()))
        }
        _ => false,
    }
}

/// An EMR on EKS managed endpoint name: 1–64 characters from letters,
/// digits and `.`, `-`, `_`, `/`, `#`.
pub fn managed_endpoint_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_/#".contains(c);
    if !name.is_empty() && name.len() <= 64 && name.chars().all(allowed) {
        Ok(())
    } else {
        Err(format!(
            "\"{name}\" is not a valid managed endpoint name: use 1 to 64 letters, digits or '.', '-', '_', '/', '#', e.g. \"notebooks\""
        ))
    }
}

/// A Kubernetes label or taint key: optional DNS prefix and '/', then a name
/// of 1–63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric.
pub fn kubernetes_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    });
    if name_ok && prefix_ok {
        Ok(())
    } else {
        Err(format!(
            "\"{key}\" is not a valid Kubernetes key: an optional DNS subdomain prefix and '/', then 1 to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
        ))
    }
}

/// The retention periods (days) CloudWatch Logs accepts.
pub const RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// `days` as a retention CloudWatch Logs accepts, or a message listing those.
pub fn check_retention(days: i64) -> Result<i32, String> {
    i32::try_from(days)
        .ok()
        .filter(|d| RETENTION_DAYS.contains(d))
        .ok_or_else(|| {
            let allowed: Vec<String> = RETENTION_DAYS.iter().map(i32::to_string).collect();
            format!(
                "{days} is not a retention CloudWatch Logs accepts; use one of {} (days)",
                allowed.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert!(region("eu-west-1").is_ok());
        assert!(region("us-gov-west-1").is_ok());
        assert!(region("ap-southeast-3").is_ok());
        assert!(region("europe").is_err());
        assert!(region("eu-west").is_err());
        assert!(region("EU-WEST-1").is_err());
    }

    #[test]
    fn endpoint_urls() {
        assert!(endpoint_url("http://127.0.0.1:4566").is_ok());
        assert!(endpoint_url("https://eks.eu-west-1.amazonaws.com").is_ok());
        assert!(endpoint_url("127.0.0.1:4566").is_err());
        assert!(endpoint_url("ftp://host").is_err());
        assert!(endpoint_url("not a url").is_err());
    }

    #[test]
    fn role_arns() {
        assert!(iam_role_arn("arn:aws:iam::123456789012:role/Admin").is_ok());
        assert!(iam_role_arn("arn:aws:iam::123456789012:role/path/Admin").is_ok());
        assert!(iam_role_arn("arn:aws:iam::123456789012:user/bob").is_err());
        assert!(iam_role_arn("arn:aws:iam::1234:role/Admin").is_err());
        assert!(iam_role_arn("Admin").is_err());
    }

    #[test]
    fn cidrs() {
        assert!(vpc_cidr("10.0.0.0/16").is_ok());
        let host_bits = vpc_cidr("10.0.0.1/16").unwrap_err();
        assert!(host_bits.contains("10.0.0.0/16"), "{host_bits}");
        assert!(vpc_cidr("10.0.0.0/8").unwrap_err().contains("/16 and /28"));
        assert!(vpc_cidr("10.0.0.0").is_err());
        assert!(vpc_cidr("300.0.0.0/16").is_err());
    }

    #[test]
    fn platform_names() {
        assert!(platform_name("analytics").is_ok());
        assert!(platform_name("data-platform_2").is_ok());
        assert!(platform_name("-bad").is_err());
        assert!(platform_name("has space").is_err());
        assert!(platform_name("").is_err());
        assert!(platform_name(&"a".repeat(101)).is_err());
    }

    #[test]
    fn kubernetes_versions() {
        assert_eq!(kubernetes_version("1.31"), Ok((1, 31)));
        assert!(kubernetes_version("1.31.2").is_err());
        assert!(kubernetes_version("2.0").is_err());
        assert!(kubernetes_version("latest").is_err());
    }

    #[test]
    fn namespaces() {
        assert!(namespace("batchjob").is_ok());
        assert!(namespace("spark-batch-2").is_ok());
        assert!(namespace("a").is_ok());
        assert!(namespace(&"a".repeat(63)).is_ok());
        assert!(namespace(&"a".repeat(64)).is_err());
        assert!(namespace("").is_err());
        assert!(namespace("Batch").is_err());
        assert!(namespace("-batch").is_err());
        assert!(namespace("batch-").is_err());
        assert!(namespace("spark_batch").is_err());
        assert!(namespace("spark.batch").is_err());
    }

    #[test]
    fn provider_and_aws_tag_keys_are_reserved() {
        for key in [
            "emreks:owner",
            "emreks:platform",
            "emreks:anything",
            "aws:x",
            "AWS:x",
        ] {
            let why = user_tag_key(key).unwrap_err();
            assert!(why.contains("reserved"), "{why}");
        }
        assert!(user_tag_key("team").is_ok());
        assert!(user_tag_key("emreks").is_ok());
    }

    #[test]
    fn reserved_namespaces_are_refused_with_a_suggestion() {
        for reserved in [
            "default",
            "kube-system",
            "kube-public",
            "kube-node-lease",
            "kube-extra",
        ] {
            let why = namespace(reserved).unwrap_err();
            assert!(why.contains("reserved"), "{why}");
            assert!(why.contains("spark-batch"), "{why}");
        }
        // Only the "kube-" prefix is reserved, not every name containing "kube".
        assert!(namespace("kubeflow").is_ok());
    }

    #[test]
    fn release_labels() {
        assert_eq!(release_label("emr-7.5.0-latest"), Ok((7, 5, 0)));
        assert_eq!(release_label("emr-6.8.0-20221219"), Ok((6, 8, 0)));
        assert_eq!(release_label("emr-6.10.1"), Ok((6, 10, 1)));
        assert_eq!(release_label("emr-5.32.0-latest"), Ok((5, 32, 0)));
        assert_eq!(release_label("emr-6.2.0-20210129"), Ok((6, 2, 0)));
        assert_eq!(release_label("emr-8.0.0"), Ok((8, 0, 0)));
    }

    #[test]
    fn malformed_release_labels_show_the_expected_form() {
        for label in [
            "7.5.0",
            "emr-7.5",
            "emr-7.5.0.1",
            "emr-7.5.x",
            "emr-7.5.0-newest",
            "emr-7.5.0-2024011",
            "emr-7.5.0-20241301",
            "emr-7.5.0-20240100",
            "emr-07.5.0",
            "emr-+7.5.0",
            "EMR-7.5.0",
            "",
        ] {
            let why = release_label(label).unwrap_err();
            assert!(why.contains("emr-7.5.0-latest"), "{label}: {why}");
        }
    }

    #[test]
    fn releases_before_emr_on_eks_are_refused() {
        for label in ["emr-5.31.0", "emr-6.1.0-latest", "emr-4.9.0"] {
            let why = release_label(label).unwrap_err();
            assert!(why.contains("5.32.0 and 6.2.0"), "{label}: {why}");
        }
    }

    #[test]
    fn valid_policy_documents_are_returned_parsed() {
        let single = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#;
        let doc = policy_document(single).unwrap();
        assert_eq!(doc["Statement"]["Action"], "s3:GetObject");

        let list = r#"{"Version":"2008-10-17","Statement":[
            {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"},
            {"Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}"#;
        assert!(policy_document(list).is_ok());
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let why = policy_document("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [,]\n}")
            .unwrap_err();
        assert!(why.contains("line 3, column 17"), "{why}");
    }

    #[test]
    fn policy_document_structure_errors() {
        let cases = [
            (r#"["Allow"]"#, "JSON object"),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
                "2012-10-17",
            ),
            (
                r#"{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
                "2012-10-17",
            ),
            (r#"{"Version":"2012-10-17"}"#, "non-empty \"Statement\""),
            (
                r#"{"Version":"2012-10-17","Statement":[]}"#,
                "non-empty \"Statement\"",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":"Allow"}"#,
                "non-empty \"Statement\"",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:*"}]}"#,
                "statement 1 of the policy document needs \"Effect\"",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"},{"Effect":"Deny"}]}"#,
                "statement 2 of the policy document needs \"Action\"",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*"}]}"#,
                "exactly one",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[]}]}"#,
                "non-empty list",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[3]}]}"#,
                "non-empty list",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":["Allow"]}"#,
                "not a JSON object",
            ),
        ];
        for (json, expected) in cases {
            let why = policy_document(json).unwrap_err();
            assert!(why.contains(expected), "{json}: {why}");
        }
    }

    #[test]
    fn managed_endpoint_names() {
        assert!(managed_endpoint_name("platform-myendpoint").is_ok());
        assert!(managed_endpoint_name("team/a#1_b.c").is_ok());
        assert!(managed_endpoint_name(&"e".repeat(64)).is_ok());
        assert!(managed_endpoint_name(&"e".repeat(65)).is_err());
        assert!(managed_endpoint_name("").is_err());
        assert!(managed_endpoint_name("has space").is_err());
        assert!(managed_endpoint_name("é").is_err());
    }

    #[test]
    fn kubernetes_keys() {
        assert!(kubernetes_key("role").is_ok());
        assert!(kubernetes_key("example.com/team").is_ok());
        assert!(kubernetes_key("-bad").is_err());
        assert!(kubernetes_key("Bad.Prefix/x").is_err());
        assert!(kubernetes_key(&"x".repeat(64)).is_err());
    }

    #[test]
    fn accepted_retentions() {
        assert_eq!(check_retention(30), Ok(30));
        assert_eq!(check_retention(3653), Ok(3653));
        for refused in [0, -1, 2, 31, 3654, i64::from(i32::MAX) + 1] {
            assert!(check_retention(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_refusal_lists_the_accepted_values() {
        let message = check_retention(10).unwrap_err();
        assert!(message.starts_with("10 is not"), "{message}");
        assert!(message.contains("1, 3, 5, 7, 14, 30"), "{message}");
        assert!(message.contains("3288, 3653"), "{message}");
    }

    #[test]
    fn execution_role_keys_are_kubernetes_names_and_not_platform_markers() {
        for good in ["jobs", "batch-jobs", "a", &"k".repeat(63)] {
            assert_eq!(execution_role_key(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "Jobs",
            "batch_jobs",
            "-jobs",
            "jobs-",
            "data eng",
            &"k".repeat(64),
        ] {
            let why = execution_role_key(bad).unwrap_err();
            assert!(why.contains("lowercase"), "{bad}: {why}");
        }
        for marker in [
            "studio",
            "studio-user",
            "autoscaler",
            "eks-node",
            "eks-cluster",
        ] {
            let why = execution_role_key(marker).unwrap_err();
            assert!(why.contains("platform's own roles"), "{marker}: {why}");
        }
    }

    #[test]
    fn names_built_from_user_input_fit_aws_limits() {
        assert_eq!(launch_template_name("analytics", "critical-a"), Ok(()));
        let long_platform = "p".repeat(100);
        let why = launch_template_name(&long_platform, &"n".repeat(40)).unwrap_err();
        assert!(why.contains("shorten the nodegroup's name by 22"), "{why}");

        assert_eq!(
            notebook_identity_names("analytics", "GROUP", "Data Eng (EU)"),
            Ok(())
        );
        let why = notebook_identity_names(&long_platform, "GROUP", &"g".repeat(30)).unwrap_err();
        assert!(why.contains("session policy"), "{why}");
        let why = notebook_identity_names("a", "USER", &"u.".repeat(60)).unwrap_err();
        assert!(why.contains("too long for the tag"), "{why}");
        assert!(notebook_identity_names("a", "USER", " ").is_err());
    }
}
