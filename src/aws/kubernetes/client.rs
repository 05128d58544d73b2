//! A client of one EKS cluster's Kubernetes API: its endpoint and CA from
//! EKS, a bearer token from the provider's AWS credentials renewed before
//! it expires, retries of requests that may pass, and its failures as
//! `Error::Kubernetes` in words that say what to check.

use std::error::Error as _;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::provider::SharedCredentialsProvider;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use tokio::sync::Mutex;

use super::token::{current_credentials, eks_token, presigned_caller_identity_url, token_of};
use crate::aws::wait::{jittered, Backoff};
use crate::aws::Aws;
use crate::error::{Error, Result};
use crate::platform::endpoint;

/// EKS accepts a token for 15 minutes after signing; a new one is made well before.
const TOKEN_REFRESH: Duration = Duration::from_secs(10 * 60);
/// Attempts of one request while the API answers 429/5xx or cannot be reached:
/// with `Backoff::SLOW`, jittered, they span one to two minutes: what a fresh
/// EKS endpoint may take, or a throttled API server under many platforms.
const ATTEMPTS: u32 = 10;

/// A client of one EKS cluster's Kubernetes API.
pub struct Kube {
    cluster: String,
    /// Everything but the bearer token, which is renewed before it expires.
    config: kube::Config,
    credentials: SharedCredentialsProvider,
    region: String,
    /// A URL shared by every cluster (`endpoints.kubernetes`) can only tell
    /// them apart by the token, so the token names the cluster in its URL too.
    name_in_query: bool,
    client: Mutex<Option<(kube::Client, Instant)>>,
}

/// A client of `cluster`'s Kubernetes API, authenticated with the provider's
/// AWS credentials; fails early when no token can be made.
pub async fn connect(aws: &Aws, cluster: &aws_sdk_eks::types::Cluster) -> Result<Kube> {
    let name = cluster.name().unwrap_or_default().to_string();
    let resource = format!("EKS cluster {name:?}");
    let fail = |message: String| Error::kubernetes("k8s:connect", &resource, message);
    let url = match (&aws.kubernetes_endpoint, cluster.endpoint()) {
        (Some(url), _) => url.as_str(),
        (None, Some(url)) => url,
        (None, None) => {
            return Err(fail(
                "the cluster has no Kubernetes API endpoint yet".into(),
            ))
        }
    };
    let credentials = aws
        .sdk_config
        .credentials_provider()
        .ok_or_else(|| fail("no AWS credentials to make an EKS token with".into()))?;
    let mut config = kube::Config::new(
        url.parse()
            .map_err(|e| fail(format!("invalid Kubernetes API URL {url:?}: {e}")))?,
    );
    if url.starts_with("https://") {
        let pem = cluster
            .certificate_authority()
            .and_then(|ca| ca.data())
            .ok_or_else(|| fail("the cluster reports no certificate authority".into()))?;
        config.root_cert = Some(ca_certificates(pem).map_err(fail)?);
    }
    config.connect_timeout = Some(Duration::from_secs(10));
    // Writes of a few small objects answer in well under a second; a server
    // that stops answering must not hang `terraform apply`.
    config.read_timeout = Some(Duration::from_secs(60));
    // Requests are retried below, including on connection errors, which kube's
    // own retry (429/503/504 only) leaves out; two layers would multiply.
    config.default_retry = false;
    let kube = Kube {
        cluster: name,
        config,
        credentials,
        region: aws.region.clone(),
        name_in_query: aws.kubernetes_endpoint.is_some(),
        client: Mutex::new(None),
    };
    kube.client().await?;
    Ok(kube)
}

/// DER certificates from EKS's `certificateAuthority.data` (base64 of PEM).
fn ca_certificates(data: &str) -> Result<Vec<Vec<u8>>, String> {
    let pem = STANDARD
        .decode(data.trim())
        .map_err(|e| format!("the cluster's certificate authority is not base64: {e}"))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .map(|cert| cert.map(|der| der.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the cluster's certificate authority is not PEM: {e}"))?;
    if certs.is_empty() {
        return Err("the cluster's certificate authority holds no certificate".into());
    }
    Ok(certs)
}

impl Kube {
    /// `Namespace "batchjob" on EKS cluster "analytics"`, for error messages.
    pub(super) fn describe(&self, kind: &str, namespace: Option<&str>, name: &str) -> String {
        match namespace {
            Some(namespace) => format!(
                "{kind} {name:?} in namespace {namespace:?} on EKS cluster {:?}",
                self.cluster
            ),
            None => format!("{kind} {name:?} on EKS cluster {:?}", self.cluster),
        }
    }

    /// The client, with a token renewed when it is about to expire.
    pub(super) async fn client(&self) -> Result<kube::Client> {
        let mut slot = self.client.lock().await;
        if let Some((client, made)) = slot.as_ref() {
            if made.elapsed() < TOKEN_REFRESH {
                return Ok(client.clone());
            }
        }
        let resource = format!("EKS cluster {:?}", self.cluster);
        let fail = |message: String| Error::kubernetes("k8s:connect", &resource, message);
        let credentials = current_credentials(Some(self.credentials.clone()))
            .await
            .map_err(fail)?;
        let now = SystemTime::now();
        let token = if self.name_in_query {
            let mut url =
                presigned_caller_identity_url(&credentials, &self.region, &self.cluster, now)
                    .map_err(fail)?;
            url.push_str(&format!("&x-k8s-aws-id={}", self.cluster));
            token_of(&url)
        } else {
            eks_token(&credentials, &self.region, &self.cluster, now).map_err(fail)?
        };
        let mut config = self.config.clone();
        config.auth_info.token = Some(token.into());
        // kube's TLS setup asks rustls for the process-wide crypto provider
        // (main installs aws-lc-rs) and panics when there is none.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            return Err(fail("no rustls crypto provider is installed".into()));
        }
        let client = kube::Client::try_from(config).map_err(|e| fail(chain(&e)))?;
        *slot = Some((client.clone(), Instant::now()));
        Ok(client)
    }

    /// Runs `request` again while it fails in a way that may pass (throttling,
    /// 5xx, an endpoint that does not answer yet).
    pub(super) async fn retrying<T, F, Fut>(
        &self,
        operation: &str,
        resource: &str,
        mut request: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<kube::Result<T>>>,
    {
        let mut attempt = 0;
        loop {
            match request().await? {
                Ok(value) => return Ok(value),
                Err(err) if attempt + 1 < ATTEMPTS && is_transient(&err) => {
                    tracing::debug!(operation, resource, error = %chain(&err), "retrying");
                    tokio::time::sleep(jittered(Backoff::SLOW.delay(attempt))).await;
                    attempt += 1;
                }
                Err(err) => return Err(k8s_error(operation, resource, &err)),
            }
        }
    }
}

fn is_transient(err: &kube::Error) -> bool {
    match err {
        kube::Error::Api(status) => status.code == 429 || status.code >= 500,
        kube::Error::HyperError(_) | kube::Error::Service(_) => !is_tls_failure(err),
        _ => false,
    }
}

/// A certificate the CA does not vouch for will not start passing.
fn is_tls_failure(err: &kube::Error) -> bool {
    err.source().is_some_and(caused_by_rustls)
}

/// Looks through the causes and into the `io::Error`s that wrap rustls'
/// errors (twice, in hyper-rustls' connector), which `source()` skips.
fn caused_by_rustls(err: &(dyn std::error::Error + 'static)) -> bool {
    if err.is::<rustls::Error>() {
        return true;
    }
    let wrapped = err
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref);
    if wrapped.is_some_and(|inner| caused_by_rustls(inner)) {
        return true;
    }
    err.source().is_some_and(caused_by_rustls)
}

fn k8s_error(operation: &str, resource: &str, err: &kube::Error) -> Error {
    match err {
        kube::Error::Api(status) => {
            let reason = (!status.reason.is_empty()).then(|| status.reason.clone());
            let hint = match status.code {
                401 | 403 => " (does the provider's IAM principal have an EKS access entry with cluster admin rights?)",
                _ => "",
            };
            Error::Kubernetes {
                operation: operation.to_string(),
                resource: resource.to_string(),
                message: format!(
                    "HTTP {} {}: {}{hint}",
                    status.code,
                    reason.as_deref().unwrap_or_default(),
                    status.message
                ),
                reason,
            }
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) if is_tls_failure(err) => {
            Error::kubernetes(
                operation,
                resource,
                format!(
                    "the Kubernetes API's TLS certificate is not trusted: {}",
                    chain(err)
                ),
            )
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) => Error::kubernetes(
            operation,
            resource,
            format!(
                "could not reach the Kubernetes API: {}. {}",
                chain(err),
                endpoint::UNREACHABLE_HINT
            ),
        ),
        other => Error::kubernetes(operation, resource, chain(other)),
    }
}

/// The error and its causes, which hold what went wrong (`Connection refused`).
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(current) = cause {
        let more = current.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = current.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_data_becomes_der() {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]);
        let Ok(cert) = cert else {
            panic!("rcgen failed");
        };
        let data = STANDARD.encode(cert.cert.pem());
        let der = ca_certificates(&data).unwrap_or_default();
        assert_eq!(der, vec![cert.cert.der().to_vec()]);
        assert!(ca_certificates("not base64!").is_err());
        assert!(ca_certificates(&STANDARD.encode("no pem here")).is_err());
    }

    #[test]
    fn transient_failures() {
        let status = |code: u16| {
            kube::Error::Api(
                kube::core::Status::failure("x", "Reason")
                    .with_code(code)
                    .boxed(),
            )
        };
        assert!(is_transient(&status(429)));
        assert!(is_transient(&status(503)));
        assert!(!is_transient(&status(404)));
        assert!(!is_transient(&status(403)));
    }

    #[test]
    fn api_errors_name_reason_and_resource() {
        let status = kube::core::Status::failure("namespaces \"x\" is forbidden", "Forbidden")
            .with_code(403)
            .boxed();
        let err = k8s_error(
            "k8s:apply",
            "Namespace \"x\" on EKS cluster \"c\"",
            &kube::Error::Api(status),
        );
        assert_eq!(err.code(), Some("Forbidden"));
        let text = err.to_string();
        assert!(
            text.starts_with(
                "k8s:apply on Namespace \"x\" on EKS cluster \"c\" failed: HTTP 403 Forbidden"
            ),
            "{text}"
        );
    }
}
