//! The `emreks_nodegroup` list resource (`terraform query`): the nodegroups
//! of one platform that `emreks_nodegroup` made, told from the platform's
//! own system nodegroup and any other by the role tag it writes.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::aws::eks::nodegroup::{find_nodegroup, list_nodegroups};
use crate::aws::SharedAws;
use crate::platform::naming;
use crate::plugin::list::{Found, ListResource};
use crate::plugin::schema::{block, required, string, Schema};
use crate::plugin::{AttributePath, Diagnostics, Value};
use crate::resources::configured;
use crate::resources::values::known;

pub struct NodegroupList {
    aws: SharedAws,
}

impl NodegroupList {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

#[derive(Serialize, Deserialize, Default, Debug)]
pub struct NodegroupFilter {
    #[serde(default)]
    pub platform_id: Value<String>,
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: block(
            "The nodegroups of one platform made by `emreks_nodegroup` (the EKS nodegroups carrying its `emreks:role` tag; the platform's own system nodegroup is part of `emreks_platform`). Each result's identity is the platform and the nodegroup name.",
            [(
                "platform_id",
                required(string(), "The `id` of the `emreks_platform` (its cluster name) whose nodegroups to list."),
            )],
            [],
        ),
    }
}

#[async_trait]
impl ListResource for NodegroupList {
    type Config = NodegroupFilter;

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: NodegroupFilter) {
        if config.platform_id.is_null() {
            diags.error(
                "Missing platform_id",
                "Name the platform whose nodegroups to list: `config { platform_id = \"analytics\" }`.",
                AttributePath::new("platform_id"),
            );
        }
    }

    async fn find(&self, diags: &mut Diagnostics, config: NodegroupFilter) -> Vec<Found> {
        let Some(aws) = configured(&self.aws, diags) else {
            return Vec::new();
        };
        let Some(platform) = known(&config.platform_id) else {
            self.validate(diags, config).await;
            return Vec::new();
        };
        let names = match list_nodegroups(&aws, platform).await {
            Ok(names) => names,
            Err(err) => {
                err.report(diags, "Cannot list the platform's nodegroups");
                return Vec::new();
            }
        };
        let mut found = Vec::new();
        for name in names {
            let group = match find_nodegroup(&aws, platform, &name).await {
                Ok(Some(group)) => group,
                Ok(None) => continue,
                Err(err) => {
                    err.report(diags, "Cannot describe a nodegroup");
                    return Vec::new();
                }
            };
            let ours = group
                .tags()
                .is_some_and(|tags| tags.contains_key(naming::NODEGROUP_ROLE_TAG));
            if ours {
                found.push(Found {
                    import_id: naming::nodegroup_id(platform, &name),
                    display_name: format!("nodegroup {name} of platform {platform}"),
                });
            }
        }
        found.sort_by(|a, b| a.import_id.cmp(&b.import_id));
        found
    }
}
