//! The few Kubernetes objects no AWS API can make (namespaces for EMR virtual
//! clusters, Cluster Autoscaler's service account, RBAC and deployment),
//! written to an EKS cluster's API with the token `aws eks get-token` makes.

use std::error::Error as _;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4::SigningParams;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::aws::wait::{self, Backoff, Poll};
use crate::aws::{partition_of, Aws, Error};

/// Who owns the fields the provider sets with server-side apply.
const FIELD_MANAGER: &str = "terraform-provider-emreks";
/// EKS accepts a token for 15 minutes after signing; a new one is made well before.
const TOKEN_REFRESH: Duration = Duration::from_secs(10 * 60);
/// Attempts of one request while the API answers 429/5xx or cannot be reached:
/// with `Backoff::SLOW` they span a minute, what a fresh EKS endpoint may take.
const ATTEMPTS: u32 = 8;

const RBAC: &str = "rbac.authorization.k8s.io";
/// The kinds the provider writes: (kind, API group, plural, namespaced).
const KINDS: &[(&str, &str, &str, bool)] = &[
    ("Namespace", "", "namespaces", false),
    ("ServiceAccount", "", "serviceaccounts", true),
    ("ConfigMap", "", "configmaps", true),
    ("ClusterRole", RBAC, "clusterroles", false),
    ("ClusterRoleBinding", RBAC, "clusterrolebindings", false),
    ("Role", RBAC, "roles", true),
    ("RoleBinding", RBAC, "rolebindings", true),
    ("Deployment", "apps", "deployments", true),
];

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

fn token_of(url: &str) -> String {
    format!("k8s-aws-v1.{}", URL_SAFE_NO_PAD.encode(url))
}

/// EKS checks the token by calling this URL itself, so it must be the real
/// regional STS host whatever endpoint the provider's own STS calls use, and
/// it must sign `x-k8s-aws-id` so the token is only good for this cluster.
fn presigned_caller_identity_url(
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
pub async fn connect(aws: &Aws, cluster: &aws_sdk_eks::types::Cluster) -> Result<Kube, Error> {
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
    /// Creates or updates the object (server-side apply, taking over fields
    /// other managers set: Terraform's configuration is the source of truth).
    pub async fn apply(&self, manifest: &Value) -> Result<(), Error> {
        let (api_version, kind) = (text(manifest, "apiVersion"), text(manifest, "kind"));
        let metadata = manifest.get("metadata");
        let name = metadata.and_then(|m| m.get("name")).and_then(Value::as_str);
        let namespace = metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str);
        let resource = self.describe(kind, namespace, name.unwrap_or_default());
        let name = name.ok_or_else(|| {
            Error::kubernetes("k8s:apply", &resource, "the manifest has no metadata.name")
        })?;
        let params = PatchParams::apply(FIELD_MANAGER).force();
        self.retrying("k8s:apply", &resource, || async {
            let api = self
                .api("k8s:apply", &resource, api_version, kind, namespace)
                .await?;
            Ok(api.patch(name, &params, &Patch::Apply(manifest)).await)
        })
        .await
        .map(drop)
    }

    pub async fn exists(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<bool, Error> {
        let resource = self.describe(kind, namespace, name);
        self.retrying("k8s:get", &resource, || async {
            let api = self
                .api("k8s:get", &resource, api_version, kind, namespace)
                .await?;
            Ok(api.get_opt(name).await)
        })
        .await
        .map(|found| found.is_some())
    }

    /// Deletes the object; one already gone is deleted. Dependents (a
    /// deployment's pods) are removed in the background.
    pub async fn delete(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<(), Error> {
        let resource = self.describe(kind, namespace, name);
        let params = DeleteParams::background();
        self.retrying("k8s:delete", &resource, || async {
            let api = self
                .api("k8s:delete", &resource, api_version, kind, namespace)
                .await?;
            Ok(match api.delete(name, &params).await {
                Err(kube::Error::Api(status)) if status.is_not_found() => Ok(()),
                other => other.map(drop),
            })
        })
        .await
    }

    /// Deletes the namespace and waits until it is gone: Kubernetes deletes
    /// what it holds first, and a namespace of the same name cannot be made
    /// (by a later apply) until then.
    pub async fn delete_namespace_and_wait(
        &self,
        name: &str,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.delete("v1", "Namespace", None, name).await?;
        let resource = self.describe("Namespace", None, name);
        wait::until("k8s:delete", &resource, timeout, Backoff::FAST, || async {
            Ok(if self.exists("v1", "Namespace", None, name).await? {
                Poll::Pending("Terminating".into())
            } else {
                Poll::Ready(())
            })
        })
        .await
    }

    /// `Namespace "batchjob" on EKS cluster "analytics"`, for error messages.
    fn describe(&self, kind: &str, namespace: Option<&str>, name: &str) -> String {
        match namespace {
            Some(namespace) => format!(
                "{kind} {name:?} in namespace {namespace:?} on EKS cluster {:?}",
                self.cluster
            ),
            None => format!("{kind} {name:?} on EKS cluster {:?}", self.cluster),
        }
    }

    /// The API of `kind`, scoped to the namespace when the kind lives in one.
    async fn api(
        &self,
        operation: &str,
        resource: &str,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
    ) -> Result<Api<DynamicObject>, Error> {
        let fail = |message: String| Error::kubernetes(operation, resource, message);
        let (group, plural, namespaced) = kind_info(kind).map_err(fail)?;
        let (api_group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        if api_group != group || version.is_empty() {
            return Err(fail(format!(
                "apiVersion {api_version:?} is not one of {kind}'s"
            )));
        }
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let api_resource = ApiResource::from_gvk_with_plural(&gvk, plural);
        let client = self.client().await?;
        match (namespaced, namespace) {
            (true, Some(namespace)) => Ok(Api::namespaced_with(client, namespace, &api_resource)),
            (true, None) => Err(fail(format!("a {kind} needs metadata.namespace"))),
            (false, _) => Ok(Api::all_with(client, &api_resource)),
        }
    }

    /// The client, with a token renewed when it is about to expire.
    async fn client(&self) -> Result<kube::Client, Error> {
        let mut slot = self.client.lock().await;
        if let Some((client, made)) = slot.as_ref() {
            if made.elapsed() < TOKEN_REFRESH {
                return Ok(client.clone());
            }
        }
        let resource = format!("EKS cluster {:?}", self.cluster);
        let fail = |message: String| Error::kubernetes("k8s:connect", &resource, message);
        let credentials = self.credentials.provide_credentials().await.map_err(|e| {
            fail(format!(
                "no AWS credentials for the EKS token: {}",
                chain(&e)
            ))
        })?;
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
    async fn retrying<T, F, Fut>(
        &self,
        operation: &str,
        resource: &str,
        mut request: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<kube::Result<T>, Error>>,
    {
        let mut attempt = 0;
        loop {
            match request().await? {
                Ok(value) => return Ok(value),
                Err(err) if attempt + 1 < ATTEMPTS && is_transient(&err) => {
                    tracing::debug!(operation, resource, error = %chain(&err), "retrying");
                    tokio::time::sleep(Backoff::SLOW.delay(attempt)).await;
                    attempt += 1;
                }
                Err(err) => return Err(k8s_error(operation, resource, &err)),
            }
        }
    }
}

/// (API group, plural, namespaced) of a kind the provider writes.
fn kind_info(kind: &str) -> Result<(&'static str, &'static str, bool), String> {
    KINDS
        .iter()
        .find(|(known, ..)| *known == kind)
        .map(|&(_, group, plural, namespaced)| (group, plural, namespaced))
        .ok_or_else(|| format!("the provider does not manage Kubernetes objects of kind {kind:?}"))
}

fn text<'a>(manifest: &'a Value, field: &str) -> &'a str {
    manifest
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
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
            format!("could not reach the Kubernetes API: {}", chain(err)),
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

    #[test]
    fn kinds_map_to_their_api() {
        assert_eq!(kind_info("Namespace"), Ok(("", "namespaces", false)));
        assert_eq!(kind_info("Deployment"), Ok(("apps", "deployments", true)));
        assert_eq!(
            kind_info("ClusterRoleBinding"),
            Ok(("rbac.authorization.k8s.io", "clusterrolebindings", false))
        );
        let unknown = kind_info("CronJob").err().unwrap_or_default();
        assert!(unknown.contains("\"CronJob\""), "{unknown}");
    }

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
