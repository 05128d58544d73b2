//! Turns the provider settings into configured AWS clients, the way users of
//! the hashicorp/aws provider expect: explicit settings first, then the
//! environment, shared config/credentials files and the standard chain.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};

use super::client::{partition_of, Aws};
use super::retry::{sdk_retry_config, sdk_retry_partition};

/// The provider settings that shape the AWS clients, already validated.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub shared_config_files: Vec<String>,
    pub shared_credentials_files: Vec<String>,
    pub static_credentials: Option<StaticCredentials>,
    pub assume_role: Option<AssumeRole>,
    pub endpoints: Endpoints,
    pub max_retries: u32,
    pub s3_use_path_style: bool,
    pub default_tags: BTreeMap<String, String>,
    pub skip_credentials_validation: bool,
}

#[derive(Clone, PartialEq)]
pub struct StaticCredentials {
    pub access_key: String,
    pub secret_key: String,
    pub token: Option<String>,
}

// Never print secrets, not even in debug logs.
impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
}

/// Custom endpoint URL per service; `None` uses AWS's own.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Endpoints {
    pub eks: Option<String>,
    pub emrcontainers: Option<String>,
    pub emr: Option<String>,
    pub iam: Option<String>,
    pub s3: Option<String>,
    pub ec2: Option<String>,
    pub sts: Option<String>,
    pub logs: Option<String>,
    pub autoscaling: Option<String>,
    pub kubernetes: Option<String>,
}

/// Where a region came from when the settings did not name one.
pub fn region_from_env() -> Option<String> {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty())
}

pub async fn build(settings: &AwsSettings) -> Result<Aws, String> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(sdk_retry_config(settings.max_retries));
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if !settings.shared_config_files.is_empty() || !settings.shared_credentials_files.is_empty() {
        let mut files = EnvConfigFiles::builder();
        for path in &settings.shared_config_files {
            files = files.with_file(EnvConfigFileKind::Config, path);
        }
        for path in &settings.shared_credentials_files {
            files = files.with_file(EnvConfigFileKind::Credentials, path);
        }
        if settings.shared_config_files.is_empty() {
            files = files.include_default_config_file(true);
        }
        if settings.shared_credentials_files.is_empty() {
            files = files.include_default_credentials_file(true);
        }
        loader = loader.profile_files(files.build());
    }
    if let Some(keys) = &settings.static_credentials {
        loader = loader.credentials_provider(Credentials::new(
            keys.access_key.clone(),
            keys.secret_key.clone(),
            keys.token.clone(),
            None,
            "emreks-provider-config",
        ));
    }
    let mut sdk_config = loader.load().await;
    let region = sdk_config.region().map(|r| r.to_string()).ok_or_else(|| {
        "No AWS region: set the provider's `region`, or AWS_REGION, or a region in the AWS profile."
            .to_string()
    })?;

    if let Some(role) = &settings.assume_role {
        sdk_config = assume_role(sdk_config, role, settings.endpoints.sts.as_deref()).await;
    }

    let endpoints = &settings.endpoints;
    macro_rules! client {
        ($sdk:ident, $url:expr) => {{
            let mut builder = $sdk::config::Builder::from(&sdk_config)
                .retry_partition(sdk_retry_partition(stringify!($sdk)));
            if let Some(url) = $url {
                builder = builder.endpoint_url(url);
            }
            $sdk::Client::from_conf(builder.build())
        }};
    }
    let s3 = {
        let mut builder = aws_sdk_s3::config::Builder::from(&sdk_config)
            .force_path_style(settings.s3_use_path_style)
            .retry_partition(sdk_retry_partition("aws_sdk_s3"));
        if let Some(url) = &endpoints.s3 {
            builder = builder.endpoint_url(url);
        }
        aws_sdk_s3::Client::from_conf(builder.build())
    };

    Ok(Aws {
        partition: partition_of(&region).to_string(),
        region,
        default_tags: settings.default_tags.clone(),
        eks: client!(aws_sdk_eks, &endpoints.eks),
        emrcontainers: client!(aws_sdk_emrcontainers, &endpoints.emrcontainers),
        emr: client!(aws_sdk_emr, &endpoints.emr),
        iam: client!(aws_sdk_iam, &endpoints.iam),
        s3,
        ec2: client!(aws_sdk_ec2, &endpoints.ec2),
        sts: client!(aws_sdk_sts, &endpoints.sts),
        logs: client!(aws_sdk_cloudwatchlogs, &endpoints.logs),
        autoscaling: client!(aws_sdk_autoscaling, &endpoints.autoscaling),
        kubernetes_endpoint: endpoints.kubernetes.clone(),
        sdk_config,
        account_id: Default::default(),
        reads: Default::default(),
    })
}

/// Replaces the credentials with those of the assumed role; STS is asked
/// lazily, on the first AWS call, and again before they expire.
async fn assume_role(base: SdkConfig, role: &AssumeRole, sts_endpoint: Option<&str>) -> SdkConfig {
    let mut sts_config = base.to_builder();
    if let Some(url) = sts_endpoint {
        sts_config = sts_config.endpoint_url(url);
    }
    let sts_config = sts_config.build();
    let mut provider = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
        .session_name(
            role.session_name
                .clone()
                .unwrap_or_else(|| "terraform-provider-emreks".to_string()),
        )
        .configure(&sts_config);
    if let Some(external_id) = &role.external_id {
        provider = provider.external_id(external_id);
    }
    if let Some(duration) = role.duration {
        provider = provider.session_length(duration);
    }
    let provider = provider.build().await;
    base.to_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build()
}
