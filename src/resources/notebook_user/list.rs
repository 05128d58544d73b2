//! The `emreks_notebook_user` list resource (`terraform query`): the
//! identities one platform's Studio lets in, found by the same proof of
//! ownership a destroy without private state uses: in IAM Identity Center
//! mode the Studio's session mappings whose session policy is the
//! platform's; in IAM mode the IAM users and roles carrying the platform's
//! inline access policy, when it names the platform's Studio or notebook
//! virtual cluster.

use std::collections::BTreeSet;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::apply::{grants_this_platform, owned_session_policy};
use super::notebooks::Notebooks;
use crate::aws::emr::session_mapping::list_session_mappings;
use crate::aws::iam::{policy, role, user};
use crate::aws::{Aws, SharedAws};
use crate::error::Result;
use crate::platform::naming;
use crate::platform::studio::AuthMode;
use crate::plugin::list::{Found, ListResource};
use crate::plugin::schema::{block, required, string, Schema};
use crate::plugin::{AttributePath, Diagnostics, Value};
use crate::resources::configured;
use crate::resources::values::known;

pub struct NotebookUserList {
    aws: SharedAws,
}

impl NotebookUserList {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

#[derive(Serialize, Deserialize, Default, Debug)]
pub struct NotebookUserFilter {
    #[serde(default)]
    pub platform_id: Value<String>,
}

pub fn schema() -> Schema {
    Schema {
        version: 0,
        block: block(
            "The notebook users of one platform made by `emreks_notebook_user`: with a Studio signing in through IAM Identity Center, the Studio's session mappings whose session policy carries the platform's marker; with IAM, the IAM users and roles holding the platform's inline access policy for its Studio. Each result's identity is the platform, the identity type and the identity name.",
            [(
                "platform_id",
                required(string(), "The `id` of the `emreks_platform` (its cluster name) whose notebook users to list; it must have a `studio` block."),
            )],
            [],
        ),
    }
}

#[async_trait]
impl ListResource for NotebookUserList {
    type Config = NotebookUserFilter;

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: NotebookUserFilter) {
        if config.platform_id.is_null() {
            diags.error(
                "Missing platform_id",
                "Name the platform whose notebook users to list: `config { platform_id = \"analytics\" }`.",
                AttributePath::new("platform_id"),
            );
        }
    }

    async fn find(&self, diags: &mut Diagnostics, config: NotebookUserFilter) -> Vec<Found> {
        let Some(aws) = configured(&self.aws, diags) else {
            return Vec::new();
        };
        let Some(platform) = known(&config.platform_id) else {
            self.validate(diags, config).await;
            return Vec::new();
        };
        let notebooks = match Notebooks::of(&aws, platform).await {
            Ok(notebooks) => notebooks,
            Err(err) => {
                err.report(diags, "Cannot read the platform's Studio");
                return Vec::new();
            }
        };
        let found = match notebooks.auth_mode {
            AuthMode::Sso => mapped_identities(&aws, &notebooks).await,
            AuthMode::Iam => iam_principals(&aws, &notebooks).await,
        };
        match found {
            Ok(identities) => identities
                .into_iter()
                .map(|(kind, name)| Found {
                    import_id: naming::notebook_user_id(platform, &kind, &name),
                    display_name: format!("notebook user {kind} {name} of platform {platform}"),
                })
                .collect(),
            Err(err) => {
                err.report(diags, "Cannot list the platform's notebook users");
                Vec::new()
            }
        }
    }
}

/// (identity type, name) of the Studio's session mappings to a session
/// policy of the platform.
async fn mapped_identities(aws: &Aws, notebooks: &Notebooks) -> Result<BTreeSet<(String, String)>> {
    let resource = format!("Studio {}", notebooks.studio_id);
    let mut found = BTreeSet::new();
    for (name, kind, arn) in list_session_mappings(aws, &notebooks.studio_id, &resource).await? {
        if owned_session_policy(aws, notebooks, &kind, &name, Some(arn))
            .await?
            .is_some()
        {
            found.insert((kind, name));
        }
    }
    Ok(found)
}

/// ("USER", name) of the IAM users and roles holding the platform's inline
/// access policy for its Studio. A query is an explicit search of the
/// account, so listing every IAM user and role is what it asks for; each
/// principal costs one ListUserPolicies or ListRolePolicies, and only those
/// holding a policy of the platform's name one more call for its document.
async fn iam_principals(aws: &Aws, notebooks: &Notebooks) -> Result<BTreeSet<(String, String)>> {
    let policy_name = naming::notebook_access_policy(&notebooks.cluster);
    let holds = |names: Option<Vec<String>>| names.is_some_and(|n| n.contains(&policy_name));
    // A user and a role of the same name are one notebook user: the set merges them.
    let mut found = BTreeSet::new();
    for name in user::list_user_names(aws, "IAM users").await? {
        if !holds(user::user_policy_names(aws, &name).await?) {
            continue;
        }
        let resource = format!("IAM user \"{name}\"");
        if policy::user_policy_document(aws, &name, &policy_name, &resource)
            .await?
            .is_some_and(|d| grants_this_platform(notebooks, &d))
        {
            found.insert(("USER".to_string(), name));
        }
    }
    for name in role::list_role_names(aws, "/", "IAM roles").await? {
        if !holds(role::role_policy_names(aws, &name).await?) {
            continue;
        }
        if role::role_policy_document(aws, &name, &policy_name)
            .await?
            .is_some_and(|d| grants_this_platform(notebooks, &d))
        {
            found.insert(("USER".to_string(), name));
        }
    }
    Ok(found)
}
