//! The data-source contract: read a remote object from the configuration
//! alone, the result stored in the state but owned elsewhere.
//! `RegisteredDataSource` decodes the wire values into typed ones, once.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::cty::Type;
use super::diagnostics::Diagnostics;
use super::resource::{decode_typed, encode_typed};
use super::schema::Schema;
use super::wire;

/// One data source type; `State` mirrors its schema (the arguments and
/// what the read fills in).
#[async_trait]
pub trait DataSource: Send + Sync {
    type State: Serialize + DeserializeOwned + Send + Sync;

    fn schema(&self) -> Schema;

    /// Checks of the configuration that need no remote call.
    async fn validate(&self, diags: &mut Diagnostics, config: Self::State);

    async fn read(&self, diags: &mut Diagnostics, config: Self::State) -> Option<Self::State>;
}

#[async_trait]
pub trait DynDataSource: Send + Sync {
    fn schema(&self) -> &Schema;
    async fn validate(&self, config: &wire::Dynamic) -> Diagnostics;
    /// The state as msgpack (`None` after an error), with diagnostics.
    async fn read(&self, config: &wire::Dynamic) -> (Option<Vec<u8>>, Diagnostics);
}

pub struct RegisteredDataSource<D: DataSource> {
    source: D,
    schema: Schema,
    ty: Type,
}

impl<D: DataSource> RegisteredDataSource<D> {
    pub fn new(source: D) -> Self {
        let schema = source.schema();
        let ty = schema.value_type();
        Self { source, schema, ty }
    }
}

#[async_trait]
impl<D: DataSource> DynDataSource for RegisteredDataSource<D> {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn validate(&self, config: &wire::Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if let Some(Some(config)) = decode_typed(config, &self.ty, &mut diags) {
            self.source.validate(&mut diags, config).await;
        }
        diags
    }

    async fn read(&self, config: &wire::Dynamic) -> (Option<Vec<u8>>, Diagnostics) {
        let mut diags = Diagnostics::default();
        let Some(Some(config)) = decode_typed(config, &self.ty, &mut diags) else {
            return (None, diags);
        };
        let state = match self.source.read(&mut diags, config).await {
            Some(state) => encode_typed(&state, &self.ty, &mut diags),
            None => None,
        };
        (state, diags)
    }
}
