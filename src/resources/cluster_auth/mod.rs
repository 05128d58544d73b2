//! `emreks_cluster_auth`, an ephemeral resource: the endpoint, CA and a
//! short-lived bearer token of a platform's EKS cluster, so the kubernetes
//! and helm providers can be configured with nothing secret in the plan or
//! state. The token is the one `aws eks get-token` gives, signed with the
//! provider's credentials by the same code as the provider's own
//! Kubernetes calls.

mod schema;

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde::{Deserialize, Serialize};

use crate::aws::eks::cluster::find_cluster;
use crate::aws::kubernetes::token::{current_credentials, eks_token, TOKEN_LIFETIME};
use crate::aws::SharedAws;
use crate::platform::naming;
use crate::plugin::ephemeral::{EphemeralResource, Opened};
use crate::plugin::schema::Schema;
use crate::plugin::{AttributePath, Diagnostic, Diagnostics, Value};
use crate::resources::configured;
use crate::resources::values::known;
pub use schema::ClusterAuth;

/// Terraform is asked to renew this long before the token expires.
const RENEW_BEFORE: Duration = Duration::from_secs(60);

pub struct ClusterAuthResource {
    aws: SharedAws,
}

impl ClusterAuthResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

/// What Renew and Close learn of the opened token.
#[derive(Serialize, Deserialize, Default)]
pub struct ClusterAuthPrivate {
    cluster: String,
    /// Seconds since the Unix epoch.
    expires_at: u64,
}

/// The cluster the configuration names, with the attribute that named it.
fn cluster_of(diags: &mut Diagnostics, config: &ClusterAuth) -> Option<(String, &'static str)> {
    match (known(&config.platform_id), known(&config.name)) {
        (Some(id), None) => Some((id.to_string(), "platform_id")),
        (None, Some(name)) => Some((name.to_string(), "name")),
        (Some(_), Some(_)) => {
            diags.error(
                "Conflicting arguments",
                "Set either `platform_id` (an emreks_platform's id) or `name` (any EKS cluster's name), not both.",
                AttributePath::new("name"),
            );
            None
        }
        (None, None) => {
            // Unknown until apply: nothing to check yet.
            if config.platform_id.is_unknown() || config.name.is_unknown() {
                return None;
            }
            diags.error(
                "Missing argument",
                "Set `platform_id` to an emreks_platform's id, or `name` to an EKS cluster's name.",
                AttributePath::new("platform_id"),
            );
            None
        }
    }
}

/// The result while the cluster does not exist: what it will hold is unknown.
fn not_yet(config: ClusterAuth, cluster: String) -> Opened<ClusterAuth, ClusterAuthPrivate> {
    Opened {
        result: ClusterAuth {
            platform_id: config.platform_id,
            name: Value::Value(cluster.clone()),
            endpoint: Value::Unknown,
            certificate_authority_data: Value::Unknown,
            token: Value::Unknown,
            expires_at: Value::Unknown,
        },
        private: ClusterAuthPrivate {
            cluster,
            expires_at: 0,
        },
        renew_at: None,
    }
}

fn rfc3339(at: SystemTime) -> String {
    DateTime::from(at).fmt(Format::DateTime).unwrap_or_default()
}

#[async_trait]
impl EphemeralResource for ClusterAuthResource {
    type Config = ClusterAuth;
    type Result = ClusterAuth;
    type Private = ClusterAuthPrivate;

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Self::Config) {
        cluster_of(diags, &config);
    }

    async fn open(
        &self,
        diags: &mut Diagnostics,
        config: Self::Config,
    ) -> Option<Opened<Self::Result, Self::Private>> {
        let aws = configured(&self.aws, diags)?;
        let (cluster, attribute) = cluster_of(diags, &config)?;
        let found = match find_cluster(&aws, &cluster).await {
            Ok(found) => found,
            Err(err) => {
                err.report(diags, "Cannot read the cluster");
                return None;
            }
        };
        let Some(found) = found else {
            // Usually a cluster this run creates: Terraform opens ephemeral
            // resources at plan too, and unknown values wait for apply.
            diags.push(Diagnostic::warning_at(
                "EKS cluster not found",
                format!("There is no EKS cluster {cluster:?} in {} yet, so its endpoint, certificate and token are unknown. That is expected when this run creates it; otherwise check `{attribute}`.", aws.region),
                AttributePath::new(attribute),
            ));
            return Some(not_yet(config, cluster));
        };
        let owner = found
            .tags()
            .and_then(|tags| tags.get(naming::PLATFORM_TAG))
            .map(String::as_str);
        if attribute == "platform_id" && owner != Some(cluster.as_str()) {
            diags.error(
                "Not an emreks platform",
                format!("The EKS cluster {cluster:?} was not made by emreks_platform (it lacks the {:?} tag); give its name in `name` instead.", naming::PLATFORM_TAG),
                AttributePath::new("platform_id"),
            );
            return None;
        }
        let (Some(endpoint), Some(ca)) = (
            found.endpoint(),
            found.certificate_authority().and_then(|ca| ca.data()),
        ) else {
            diags.push(Diagnostic::warning_at(
                "EKS cluster not ready",
                format!("The EKS cluster {cluster:?} has no Kubernetes API endpoint or certificate authority yet (status {:?}), so they and the token are unknown until it is ACTIVE.", found.status().map(|s| s.as_str()).unwrap_or("unknown")),
                AttributePath::new(attribute),
            ));
            return Some(not_yet(config, cluster));
        };
        let signed = SystemTime::now();
        let token = current_credentials(aws.sdk_config.credentials_provider())
            .await
            .and_then(|credentials| eks_token(&credentials, &aws.region, &cluster, signed));
        let token = match token {
            Ok(token) => token,
            Err(why) => {
                diags.root_error("Cannot make the EKS token", why);
                return None;
            }
        };
        let expires_at = signed + TOKEN_LIFETIME;
        let seconds = expires_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let result = ClusterAuth {
            platform_id: config.platform_id,
            name: Value::Value(cluster.clone()),
            endpoint: Value::Value(endpoint.to_string()),
            certificate_authority_data: Value::Value(ca.to_string()),
            token: Value::Value(token),
            expires_at: Value::Value(rfc3339(expires_at)),
        };
        Some(Opened {
            result,
            private: ClusterAuthPrivate {
                cluster,
                expires_at: seconds,
            },
            renew_at: Some(expires_at - RENEW_BEFORE),
        })
    }

    /// A presigned token cannot be extended, and Terraform keeps the value
    /// it opened: say when what was configured with it stops working.
    async fn renew(
        &self,
        diags: &mut Diagnostics,
        private: Self::Private,
    ) -> Option<(Self::Private, Option<SystemTime>)> {
        let expires_at = SystemTime::UNIX_EPOCH + Duration::from_secs(private.expires_at);
        diags.root_warning(
            "EKS token about to expire",
            format!(
                "The token of EKS cluster {:?} opened for this run expires at {}; EKS tokens cannot be extended, so Kubernetes calls made with it after then fail. Run Terraform again to open a new one.",
                private.cluster,
                rfc3339(expires_at)
            ),
        );
        Some((private, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_way_to_name_the_cluster() {
        let mut diags = Diagnostics::default();
        let both = ClusterAuth {
            platform_id: Value::Value("a".into()),
            name: Value::Value("a".into()),
            ..Default::default()
        };
        assert!(cluster_of(&mut diags, &both).is_none());
        assert!(diags.has_errors());

        let mut diags = Diagnostics::default();
        assert!(cluster_of(&mut diags, &ClusterAuth::default()).is_none());
        assert!(diags.has_errors());

        let mut diags = Diagnostics::default();
        let unknown = ClusterAuth {
            platform_id: Value::Unknown,
            ..Default::default()
        };
        assert!(cluster_of(&mut diags, &unknown).is_none());
        assert!(!diags.has_errors());

        let by_name = ClusterAuth {
            name: Value::Value("analytics".into()),
            ..Default::default()
        };
        assert_eq!(
            cluster_of(&mut diags, &by_name),
            Some(("analytics".to_string(), "name"))
        );
    }

    #[tokio::test]
    async fn renewal_warns_of_the_expiry_and_stops() {
        let resource = ClusterAuthResource::new(SharedAws::default());
        let mut diags = Diagnostics::default();
        let private = ClusterAuthPrivate {
            cluster: "analytics".into(),
            expires_at: 1_700_000_840,
        };
        let renewed = resource.renew(&mut diags, private).await;
        assert!(matches!(renewed, Some((_, None))));
        assert!(!diags.has_errors());
        let text = format!("{:?}", diags.to_proto());
        assert!(text.contains("2023-11-14T22:27:20Z"), "{text}");
    }

    #[test]
    fn expiry_is_rfc3339() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(rfc3339(at), "2023-11-14T22:13:20Z");
    }
}
