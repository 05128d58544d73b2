//! The typed Terraform state of `emreks_notebook_user`.

use crate::plugin::Value;
use serde::{Deserialize, Serialize};

use crate::resources::values::StringMap;
use crate::timeouts::Timeouts;

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct NotebookUserState {
    #[serde(default)]
    pub id: Value<String>,
    #[serde(default)]
    pub platform_id: Value<String>,
    #[serde(default)]
    pub identity_name: Value<String>,
    #[serde(default)]
    pub identity_type: Value<String>,
    #[serde(default)]
    pub managed_endpoints: Value<Vec<Value<EndpointState>>>,
    #[serde(default)]
    pub managed_endpoint_ids: StringMap,
    #[serde(default)]
    pub managed_endpoint_arns: StringMap,
    #[serde(default)]
    pub studio_login_url: Value<String>,
    #[serde(default, with = "crate::plugin::value::optional_block")]
    pub timeouts: Value<Timeouts>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct EndpointState {
    #[serde(default)]
    pub name: Value<String>,
    #[serde(default)]
    pub release_label: Value<String>,
    #[serde(default)]
    pub execution_role: Value<String>,
    #[serde(default)]
    pub configuration_overrides: Value<String>,
}

/// Where the user's access lives, for update and destroy.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct NotebookUserPrivate {
    /// `user` or `role`: the IAM identity holding the inline policy (IAM mode).
    #[serde(default)]
    pub iam_kind: Option<String>,
    /// The session policy of the Studio session mapping (SSO mode).
    #[serde(default)]
    pub session_policy_arn: Option<String>,
}
