//! Pure checks of user input. Each returns `Err(why)` in words that tell the
//! user what is allowed; callers attach the attribute path.

use ipnet::Ipv4Net;

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
}
