//! The provider contract: its own configuration schema, validation and
//! configuration, and the resource, data source, ephemeral resource, list
//! resource and action types it serves.

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use super::action::DynAction;
use super::data_source::DynDataSource;
use super::diagnostics::Diagnostics;
use super::ephemeral::DynEphemeral;
use super::list::DynListResource;
use super::resource::DynResource;
use super::schema::Schema;

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    type Config: DeserializeOwned + Send;

    /// The provider's name, the prefix of its type names (`emreks`).
    fn name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    async fn validate(&self, diags: &mut Diagnostics, config: Self::Config);

    async fn configure(
        &self,
        diags: &mut Diagnostics,
        terraform_version: String,
        config: Self::Config,
    );

    /// Resource types by their name without the provider prefix (`platform`).
    fn resources(&self) -> Vec<(&'static str, Box<dyn DynResource>)>;

    /// Data sources by their name without the provider prefix.
    fn data_sources(&self) -> Vec<(&'static str, Box<dyn DynDataSource>)> {
        Vec::new()
    }

    /// Ephemeral resources by their name without the provider prefix.
    fn ephemeral_resources(&self) -> Vec<(&'static str, Box<dyn DynEphemeral>)> {
        Vec::new()
    }

    /// List resources (`terraform query`), each named as the resource type
    /// it lists, without the provider prefix.
    fn list_resources(&self) -> Vec<(&'static str, Box<dyn DynListResource>)> {
        Vec::new()
    }

    /// Actions by their name without the provider prefix.
    fn actions(&self) -> Vec<(&'static str, Box<dyn DynAction>)> {
        Vec::new()
    }
}
