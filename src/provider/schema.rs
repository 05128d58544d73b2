//! The provider's own configuration as Terraform sees it: the schema (how
//! to reach AWS: region, credentials, retries, endpoints, default tags),
//! the configuration it exchanges, and its decoding into the settings the
//! AWS clients are built from, every problem a diagnostic on its attribute.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::aws::config::{self, AssumeRole, AwsSettings, Endpoints, StaticCredentials};
use crate::platform::validate;
use crate::plugin::schema::{
    block, boolean, list_of_strings, map_of_strings, number, optional, required, sensitive, string,
    Attribute, Block, NestedBlock, Schema,
};
use crate::plugin::{AttributePath, Diagnostics, Value};
use crate::resources::timeouts::parse_duration;

/// Services whose endpoint can be overridden, in schema order.
const ENDPOINT_SERVICES: [&str; 10] = [
    "eks",
    "emrcontainers",
    "emr",
    "iam",
    "s3",
    "ec2",
    "sts",
    "logs",
    "autoscaling",
    "kubernetes",
];

#[derive(Serialize, Deserialize, Default, Debug)]
pub struct ProviderConfig {
    #[serde(default)]
    pub region: Value<String>,
    #[serde(default)]
    pub profile: Value<String>,
    #[serde(default)]
    pub shared_config_files: Value<Vec<Value<String>>>,
    #[serde(default)]
    pub shared_credentials_files: Value<Vec<Value<String>>>,
    #[serde(default)]
    pub access_key: Value<String>,
    #[serde(default)]
    pub secret_key: Value<String>,
    #[serde(default)]
    pub token: Value<String>,
    #[serde(default)]
    pub max_retries: Value<i64>,
    #[serde(default)]
    pub s3_use_path_style: Value<bool>,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub default_tags: Value<DefaultTagsConfig>,
    #[serde(default)]
    pub skip_credentials_validation: Value<bool>,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub assume_role: Value<AssumeRoleConfig>,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub endpoints: Value<BTreeMap<String, Value<String>>>,
}

/// `default_tags { tags = {...} }`, the block form of the hashicorp/aws
/// provider, so its users can copy their provider configuration.
#[derive(Serialize, Deserialize, Default, Debug)]
pub struct DefaultTagsConfig {
    #[serde(default)]
    pub tags: Value<BTreeMap<String, Value<String>>>,
}

#[derive(Serialize, Deserialize, Default, Debug)]
pub struct AssumeRoleConfig {
    #[serde(default)]
    pub role_arn: Value<String>,
    #[serde(default)]
    pub session_name: Value<String>,
    #[serde(default)]
    pub external_id: Value<String>,
    #[serde(default)]
    pub duration: Value<String>,
}

const DEFAULT_MAX_RETRIES: i64 = 25;

fn known_strings(list: &Value<Vec<Value<String>>>) -> Vec<String> {
    list.iter()
        .flatten()
        .filter_map(|v| v.as_ref_option().cloned())
        .collect()
}

fn known_string(value: &Value<String>) -> Option<String> {
    value.as_ref_option().filter(|s| !s.is_empty()).cloned()
}

/// Checks the configuration and turns it into client settings; every problem
/// becomes a diagnostic on its attribute. Unknown values are left for later.
pub fn settings_from_config(diags: &mut Diagnostics, config: &ProviderConfig) -> AwsSettings {
    let mut settings = AwsSettings {
        region: known_string(&config.region).or_else(config::region_from_env),
        profile: known_string(&config.profile),
        shared_config_files: known_strings(&config.shared_config_files),
        shared_credentials_files: known_strings(&config.shared_credentials_files),
        s3_use_path_style: config
            .s3_use_path_style
            .as_ref_option()
            .copied()
            .unwrap_or(false),
        skip_credentials_validation: config
            .skip_credentials_validation
            .as_ref_option()
            .copied()
            .unwrap_or(false),
        ..Default::default()
    };
    if let Some(region) = &settings.region {
        if let Err(why) = validate::region(region) {
            diags.error("Invalid region", why, AttributePath::new("region"));
        }
    }

    match (known_string(&config.access_key), known_string(&config.secret_key)) {
        (Some(access_key), Some(secret_key)) => {
            settings.static_credentials = Some(StaticCredentials {
                access_key,
                secret_key,
                token: known_string(&config.token),
            })
        }
        (Some(_), None) => diags.error(
            "Incomplete static credentials",
            "`access_key` is set but `secret_key` is not; set both, or neither to use the environment and shared files.",
            AttributePath::new("secret_key"),
        ),
        (None, Some(_)) => diags.error(
            "Incomplete static credentials",
            "`secret_key` is set but `access_key` is not; set both, or neither to use the environment and shared files.",
            AttributePath::new("access_key"),
        ),
        (None, None) => {}
    }

    settings.max_retries = match config.max_retries {
        Value::Value(n) if !(0..=100).contains(&n) => {
            diags.error(
                "Invalid max_retries",
                format!("max_retries is {n}; it must be between 0 and 100."),
                AttributePath::new("max_retries"),
            );
            0
        }
        Value::Value(n) => n as u32,
        _ => DEFAULT_MAX_RETRIES as u32,
    };

    settings.default_tags = config
        .default_tags
        .as_ref_option()
        .and_then(|block| block.tags.as_ref_option())
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_ref_option()?.clone())))
        .collect();
    for key in settings.default_tags.keys() {
        if let Err(why) = crate::platform::validate::user_tag_key(key) {
            diags.error(
                "Invalid default tag",
                format!("{why}."),
                AttributePath::new("default_tags")
                    .index(0)
                    .attribute("tags")
                    .key(key.clone()),
            );
        }
    }

    if let Value::Value(role) = &config.assume_role {
        let path = AttributePath::new("assume_role").index(0);
        if let Some(role_arn) = known_string(&role.role_arn) {
            if let Err(why) = validate::iam_role_arn(&role_arn) {
                diags.error("Invalid role_arn", why, path.clone().attribute("role_arn"));
            }
            let duration =
                known_string(&role.duration).and_then(|text| match parse_duration(&text) {
                    Ok(d) if (900..=43200).contains(&d.as_secs()) => Some(d),
                    Ok(_) => {
                        diags.error(
                            "Invalid duration",
                            format!("\"{text}\" is outside what STS allows: from 15m to 12h."),
                            path.clone().attribute("duration"),
                        );
                        None
                    }
                    Err(why) => {
                        diags.error(
                            "Invalid duration",
                            format!("{why}; use a duration such as \"1h\"."),
                            path.clone().attribute("duration"),
                        );
                        None
                    }
                });
            settings.assume_role = Some(AssumeRole {
                role_arn,
                session_name: known_string(&role.session_name),
                external_id: known_string(&role.external_id),
                duration,
            });
        }
    }

    if let Value::Value(endpoints) = &config.endpoints {
        let mut chosen = Endpoints::default();
        for (service, url) in endpoints {
            let Some(url) = url.as_ref_option().filter(|u| !u.is_empty()) else {
                continue;
            };
            if let Err(why) = validate::endpoint_url(url) {
                diags.error(
                    "Invalid endpoint",
                    why,
                    AttributePath::new("endpoints")
                        .index(0)
                        .attribute(service.clone()),
                );
                continue;
            }
            let slot = match service.as_str() {
                "eks" => &mut chosen.eks,
                "emrcontainers" => &mut chosen.emrcontainers,
                "emr" => &mut chosen.emr,
                "iam" => &mut chosen.iam,
                "s3" => &mut chosen.s3,
                "ec2" => &mut chosen.ec2,
                "sts" => &mut chosen.sts,
                "logs" => &mut chosen.logs,
                "autoscaling" => &mut chosen.autoscaling,
                "kubernetes" => &mut chosen.kubernetes,
                _ => continue,
            };
            *slot = Some(url.clone());
        }
        settings.endpoints = chosen;
    }
    settings
}

pub fn schema() -> Schema {
    let endpoint_attributes: Vec<(&str, Attribute)> = ENDPOINT_SERVICES
        .iter()
        .map(|service| {
            let doc = if *service == "kubernetes" {
                "URL of the Kubernetes API to use for every cluster instead of the cluster's own endpoint (local emulators, proxies).".to_string()
            } else {
                format!("Custom endpoint URL for the `{service}` AWS API.")
            };
            (*service, optional(string(), &doc))
        })
        .collect();
    let endpoints = NestedBlock::Optional(Block {
        description:
            "Custom endpoint URLs, one per service, e.g. for a local AWS emulator or VPC endpoints."
                .to_string(),
        attributes: endpoint_attributes
            .into_iter()
            .map(|(name, attribute)| (name.to_string(), attribute))
            .collect(),
        ..Default::default()
    });
    let assume_role = NestedBlock::Optional(block(
        "An IAM role to assume with STS before any other AWS call.",
        [
            ("role_arn", required(string(), "ARN of the role to assume.")),
            (
                "session_name",
                optional(
                    string(),
                    "Session name (default `terraform-provider-emreks`).",
                ),
            ),
            (
                "external_id",
                optional(string(), "External ID the role's trust policy requires."),
            ),
            (
                "duration",
                optional(
                    string(),
                    "Session duration, from `15m` to `12h` (default `1h`).",
                ),
            ),
        ],
        [],
    ));
    let default_tags = NestedBlock::Optional(block(
        "Tags added to every taggable AWS object the provider creates, written as in the hashicorp/aws provider. A resource's own `tags` win on equal keys.",
        [(
            "tags",
            optional(map_of_strings(), "The tags, as a map of key to value."),
        )],
        [],
    ));
    Schema {
        version: 1,
        block: block(
            "The emreks provider stands up an Apache Spark data platform on Amazon EMR on EKS. It authenticates to AWS like the hashicorp/aws provider.",
            [
                ("region", optional(string(), "AWS region, e.g. `eu-west-1`. Defaults to `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's region.")),
                ("profile", optional(string(), "Named profile of the shared AWS config and credentials files. Defaults to `AWS_PROFILE`, then `default`.")),
                ("shared_config_files", optional(list_of_strings(), "Paths of shared config files (default `~/.aws/config`).")),
                ("shared_credentials_files", optional(list_of_strings(), "Paths of shared credentials files (default `~/.aws/credentials`).")),
                ("access_key", sensitive(optional(string(), "Static access key ID. Prefer the environment or a profile."))),
                ("secret_key", sensitive(optional(string(), "Static secret access key. Prefer the environment or a profile."))),
                ("token", sensitive(optional(string(), "Session token for temporary static credentials."))),
                ("max_retries", optional(number(), "How many times an AWS call is retried on throttling and server errors (default 25), each after a random pause of up to 1 s, 2 s, 4 s and so on, at most 20 s.")),
                ("s3_use_path_style", optional(boolean(), "Address S3 buckets by path (`https://host/bucket`) instead of by host name; needed by most S3 emulators.")),
                ("skip_credentials_validation", optional(boolean(), "Skip the STS GetCallerIdentity call that checks the credentials when the provider is configured.")),
            ],
            [
                ("assume_role", assume_role),
                ("default_tags", default_tags),
                ("endpoints", endpoints),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(config: &ProviderConfig) -> Vec<String> {
        let mut diags = Diagnostics::default();
        settings_from_config(&mut diags, config);
        diags.errors().map(|d| format!("{:?}", d)).collect()
    }

    #[test]
    fn a_valid_config_has_no_errors() {
        let config = ProviderConfig {
            region: Value::Value("eu-west-1".into()),
            max_retries: Value::Value(3),
            endpoints: Value::Value(BTreeMap::from([(
                "eks".to_string(),
                Value::Value("http://127.0.0.1:4566".to_string()),
            )])),
            ..Default::default()
        };
        assert!(errors(&config).is_empty());
        let settings = settings_from_config(&mut Diagnostics::default(), &config);
        assert_eq!(settings.max_retries, 3);
        assert_eq!(
            settings.endpoints.eks.as_deref(),
            Some("http://127.0.0.1:4566")
        );
    }

    #[test]
    fn each_wrong_value_names_its_attribute() {
        let config = ProviderConfig {
            region: Value::Value("moon-1".into()),
            max_retries: Value::Value(-1),
            access_key: Value::Value("AKIA".into()),
            endpoints: Value::Value(BTreeMap::from([(
                "iam".to_string(),
                Value::Value("localhost:1".to_string()),
            )])),
            assume_role: Value::Value(AssumeRoleConfig {
                role_arn: Value::Value("arn:aws:iam::123456789012:role/R".into()),
                duration: Value::Value("5m".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let found = errors(&config).join("\n");
        for attribute in ["region", "max_retries", "secret_key", "iam", "duration"] {
            assert!(
                found.contains(attribute),
                "no error on {attribute}: {found}"
            );
        }
    }

    #[test]
    fn unknown_values_are_not_errors() {
        let config = ProviderConfig {
            region: Value::Unknown,
            max_retries: Value::Unknown,
            ..Default::default()
        };
        assert!(errors(&config).is_empty());
    }
}
