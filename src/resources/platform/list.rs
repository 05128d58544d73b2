//! The `emreks_platform` list resource (`terraform query`): the platforms
//! of the provider's account and region, told from other EKS clusters by
//! the ownership tag every platform's cluster carries.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::aws::eks::cluster::{find_cluster, list_clusters};
use crate::aws::SharedAws;
use crate::platform::naming;
use crate::plugin::list::{Found, ListResource};
use crate::plugin::schema::{block, optional, string, Schema};
use crate::plugin::{Diagnostics, Value};
use crate::resources::configured;
use crate::resources::values::known;

pub struct PlatformList {
    aws: SharedAws,
}

impl PlatformList {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

#[derive(Serialize, Deserialize, Default, Debug)]
pub struct PlatformFilter {
    #[serde(default)]
    pub name_prefix: Value<String>,
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: block(
            "The emreks platforms of the provider's account and region: the EKS clusters carrying the `emreks:owner` tag the provider writes (or, made by releases before it, the `emreks:platform` tag naming the cluster). Each result's identity is the platform's name and region, ready for an `import` block; `terraform query -generate-config-out=...` writes their configuration.",
            [(
                "name_prefix",
                optional(string(), "Only platforms whose name starts with this."),
            )],
            [],
        ),
    }
}

#[async_trait]
impl ListResource for PlatformList {
    type Config = PlatformFilter;

    fn schema(&self) -> Schema {
        schema()
    }

    async fn find(&self, diags: &mut Diagnostics, config: PlatformFilter) -> Vec<Found> {
        let Some(aws) = configured(&self.aws, diags) else {
            return Vec::new();
        };
        let prefix = known(&config.name_prefix).unwrap_or_default().to_string();
        let names = match list_clusters(&aws).await {
            Ok(names) => names,
            Err(err) => {
                err.report(diags, "Cannot list the EKS clusters");
                return Vec::new();
            }
        };
        let mut found = Vec::new();
        for name in names.into_iter().filter(|n| n.starts_with(&prefix)) {
            // A cluster deleted since the listing is simply not a result.
            let cluster = match find_cluster(&aws, &name).await {
                Ok(Some(cluster)) => cluster,
                Ok(None) => continue,
                Err(err) => {
                    err.report(diags, "Cannot describe an EKS cluster");
                    return Vec::new();
                }
            };
            let tags = cluster.tags();
            let tag = |key: &str| tags.and_then(|t| t.get(key)).map(String::as_str);
            if naming::is_platform_cluster(&name, tag) {
                found.push(Found {
                    display_name: format!("emreks platform {name}"),
                    import_id: name,
                });
            }
        }
        found.sort_by(|a, b| a.import_id.cmp(&b.import_id));
        found
    }
}
