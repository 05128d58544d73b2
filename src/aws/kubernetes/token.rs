//! The bearer token EKS accepts for its Kubernetes API, as
//! `aws eks get-token` makes it: a presigned STS GetCallerIdentity URL.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_types::error::display::DisplayErrorContext;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::aws::client::partition_of;

/// How long after signing a token is good for, as `aws eks get-token`
/// reports it (EKS itself accepts a token for 15 minutes).
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(14 * 60);

/// The provider's AWS credentials as they are now (a role session renews
/// its own), to sign a token with.
pub async fn current_credentials(
    provider: Option<SharedCredentialsProvider>,
) -> Result<Credentials, String> {
    let provider = provider.ok_or("no AWS credentials to make an EKS token with")?;
    provider.provide_credentials().await.map_err(|e| {
        format!(
            "no AWS credentials for the EKS token: {}",
            DisplayErrorContext(&e)
        )
    })
}

/// A bearer token for the EKS cluster `cluster_name`, as `aws eks get-token`
/// makes it: `k8s-aws-v1.` + base64url of a presigned STS GetCallerIdentity URL.
pub fn eks_token(
    credentials: &Credentials,
    region: &str,
    cluster_name: &str,
    now: SystemTime,
) -> Result<String, String> {
    let url = presigned_caller_identity_url(credentials, region, cluster_name, now)?;
    Ok(token_of(&url))
}

pub(super) fn token_of(url: &str) -> String {
    format!("k8s-aws-v1.{}", URL_SAFE_NO_PAD.encode(url))
}

/// EKS checks the token by calling this URL itself, so it must be the real
/// regional STS host whatever endpoint the provider's own STS calls use, and
/// it must sign `x-k8s-aws-id` so the token is only good for this cluster.
pub(super) fn presigned_caller_identity_url(
    credentials: &Credentials,
    region: &str,
    cluster_name: &str,
    now: SystemTime,
) -> Result<String, String> {
    let url = format!(
        "https://sts.{region}.{}/?Action=GetCallerIdentity&Version=2011-06-15",
        dns_suffix(region)
    );
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(60));
    let identity = credentials.clone().into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| format!("cannot sign the EKS token: {e}"))?
        .into();
    let signable = SignableRequest::new(
        "GET",
        url.as_str(),
        [("x-k8s-aws-id", cluster_name)].into_iter(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| format!("cannot sign the EKS token: {e}"))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| format!("cannot sign the EKS token: {e}"))?
        .into_parts();
    let mut request = http::Request::get(url.as_str())
        .body(())
        .map_err(|e| format!("cannot sign the EKS token: {e}"))?;
    instructions.apply_to_request_http1x(&mut request);
    Ok(request.uri().to_string())
}

/// The DNS suffix of STS in the region's partition.
fn dns_suffix(region: &str) -> &'static str {
    match partition_of(region) {
        "aws-cn" => "amazonaws.com.cn",
        "aws-iso" => "c2s.ic.gov",
        "aws-iso-b" => "sc2s.sgov.gov",
        _ => "amazonaws.com",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn decoded(token: &str) -> String {
        let encoded = token.strip_prefix("k8s-aws-v1.").unwrap_or_default();
        let bytes = URL_SAFE_NO_PAD.decode(encoded).unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    fn query(url: &str) -> Vec<(String, String)> {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn param(url: &str, name: &str) -> Option<String> {
        query(url)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    #[test]
    fn token_is_a_presigned_caller_identity_url() {
        let credentials = Credentials::new("AKIDTEST", "secret", None, None, "test");
        let token = eks_token(&credentials, "eu-west-1", "analytics", now());
        let token = token.unwrap_or_default();
        assert!(token.starts_with("k8s-aws-v1."), "{token}");
        assert!(!token.contains('='), "no padding: {token}");
        let url = decoded(&token);
        assert!(
            url.starts_with("https://sts.eu-west-1.amazonaws.com/?"),
            "{url}"
        );
        assert_eq!(param(&url, "Action").as_deref(), Some("GetCallerIdentity"));
        assert_eq!(param(&url, "Version").as_deref(), Some("2011-06-15"));
        assert_eq!(param(&url, "X-Amz-Expires").as_deref(), Some("60"));
        assert_eq!(
            param(&url, "X-Amz-Date").as_deref(),
            Some("20231114T221320Z")
        );
        let signed = param(&url, "X-Amz-SignedHeaders").unwrap_or_default();
        let signed: Vec<&str> = signed.split("%3B").collect();
        assert!(signed.contains(&"host"), "{url}");
        assert!(signed.contains(&"x-k8s-aws-id"), "{url}");
        assert!(param(&url, "X-Amz-Credential")
            .is_some_and(|c| c.contains("AKIDTEST") && c.contains("eu-west-1%2Fsts")));
        assert!(param(&url, "X-Amz-Signature").is_some_and(|s| s.len() == 64));
        assert!(param(&url, "X-Amz-Security-Token").is_none());
        // EKS only accepts the STS parameters: the cluster is a signed header.
        assert!(param(&url, "x-k8s-aws-id").is_none());
    }

    #[test]
    fn token_carries_the_session_token() {
        let credentials =
            Credentials::new("ASIATEST", "secret", Some("se/ss+ion".into()), None, "t");
        let url = decoded(&eks_token(&credentials, "us-east-1", "c", now()).unwrap_or_default());
        assert_eq!(
            param(&url, "X-Amz-Security-Token").as_deref(),
            Some("se%2Fss%2Bion")
        );
    }

    #[test]
    fn signature_matches_botocore() {
        // botocore's SigV4QueryAuth(expires=60) of the same request, same instant.
        let credentials = Credentials::new("AKIDTESTING", "testing", Some("tok".into()), None, "t");
        let url =
            decoded(&eks_token(&credentials, "us-east-1", "analytics", now()).unwrap_or_default());
        assert_eq!(
            param(&url, "X-Amz-Signature").as_deref(),
            Some("d8b4eaa759e53e6ab0d3bb503765655d491cab19f70465692d6ec2aff51ea962")
        );
    }

    #[test]
    fn token_depends_on_the_cluster() {
        let credentials = Credentials::new("AKIDTEST", "secret", None, None, "test");
        let a = eks_token(&credentials, "us-east-1", "a", now());
        let b = eks_token(&credentials, "us-east-1", "b", now());
        assert!(a.is_ok());
        assert_ne!(a, b);
    }

    #[test]
    fn sts_host_follows_the_partition() {
        let credentials = Credentials::new("AKIDTEST", "secret", None, None, "test");
        let url = decoded(&eks_token(&credentials, "cn-north-1", "c", now()).unwrap_or_default());
        assert!(
            url.starts_with("https://sts.cn-north-1.amazonaws.com.cn/?"),
            "{url}"
        );
    }
}
