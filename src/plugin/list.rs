//! The list-resource contract (`terraform query`): find the remote objects
//! of one managed resource type from a filter configuration. A list
//! resource only names what it finds, by the import id of its resource
//! type; the service reads each through that resource's import, so a
//! result's identity and object are exactly what an import would store.

use async_trait::async_trait;
use serde::de::DeserializeOwned;

use super::cty::Type;
use super::diagnostics::Diagnostics;
use super::resource::decode_typed;
use super::schema::Schema;
use super::wire;

/// One object found: its import id and a label for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub import_id: String,
    pub display_name: String,
}

/// One list resource type; it bears the name of the resource type it lists.
#[async_trait]
pub trait ListResource: Send + Sync {
    /// The filter arguments, typed as the `config` block of a `list` block.
    type Config: DeserializeOwned + Default + Send;

    fn schema(&self) -> Schema;

    /// Checks of the filter that need no remote call.
    async fn validate(&self, _diags: &mut Diagnostics, _config: Self::Config) {}

    /// The objects matching the filter, in a stable order.
    async fn find(&self, diags: &mut Diagnostics, config: Self::Config) -> Vec<Found>;
}

#[async_trait]
pub trait DynListResource: Send + Sync {
    fn schema(&self) -> &Schema;
    async fn validate(&self, config: &wire::Dynamic) -> Diagnostics;
    async fn find(&self, config: &wire::Dynamic) -> (Vec<Found>, Diagnostics);
}

pub struct RegisteredList<L: ListResource> {
    list: L,
    schema: Schema,
    ty: Type,
}

impl<L: ListResource> RegisteredList<L> {
    pub fn new(list: L) -> Self {
        let schema = list.schema();
        let ty = schema.value_type();
        Self { list, schema, ty }
    }

    /// A `list` block without a `config` block sends null: no filter.
    fn config(&self, value: &wire::Dynamic, diags: &mut Diagnostics) -> Option<L::Config> {
        decode_typed(value, &self.ty, diags).map(Option::unwrap_or_default)
    }
}

#[async_trait]
impl<L: ListResource> DynListResource for RegisteredList<L> {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn validate(&self, config: &wire::Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if let Some(config) = self.config(config, &mut diags) {
            self.list.validate(&mut diags, config).await;
        }
        diags
    }

    async fn find(&self, config: &wire::Dynamic) -> (Vec<Found>, Diagnostics) {
        let mut diags = Diagnostics::default();
        let Some(config) = self.config(config, &mut diags) else {
            return (Vec::new(), diags);
        };
        let found = self.list.find(&mut diags, config).await;
        (found, diags)
    }
}
