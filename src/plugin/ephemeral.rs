//! The ephemeral-resource contract: a value Terraform opens for the length
//! of one run and never writes to a plan or state (a short-lived token),
//! with the provider's private data between Open, Renew and Close.
//! `RegisteredEphemeral` decodes the wire values into typed ones, once.

use std::time::SystemTime;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::cty::Type;
use super::diagnostics::Diagnostics;
use super::resource::{decode_private, decode_typed, encode_typed};
use super::schema::Schema;
use super::wire;

/// What an open ephemeral resource hands Terraform.
pub struct Opened<R, P> {
    pub result: R,
    pub private: P,
    /// When Terraform should call Renew, if it still needs the value then.
    pub renew_at: Option<SystemTime>,
}

/// One ephemeral resource type. `Config` and `Result` are the same schema's
/// values: the configuration Terraform sends, and what Open fills in.
#[async_trait]
pub trait EphemeralResource: Send + Sync {
    type Config: DeserializeOwned + Send + Sync;
    type Result: Serialize + Send + Sync;
    type Private: Serialize + DeserializeOwned + Default + Send + Sync;

    fn schema(&self) -> Schema;

    /// Checks of the configuration that need no remote call.
    async fn validate(&self, diags: &mut Diagnostics, config: Self::Config);

    async fn open(
        &self,
        diags: &mut Diagnostics,
        config: Self::Config,
    ) -> Option<Opened<Self::Result, Self::Private>>;

    /// The private data to keep and the next renewal time, if any.
    async fn renew(
        &self,
        diags: &mut Diagnostics,
        private: Self::Private,
    ) -> Option<(Self::Private, Option<SystemTime>)>;

    async fn close(&self, _diags: &mut Diagnostics, _private: Self::Private) {}
}

/// An opened value on the wire: msgpack result, private bytes, renewal time.
#[derive(Default)]
pub struct OpenOutcome {
    pub result: Option<Vec<u8>>,
    pub private: Vec<u8>,
    pub renew_at: Option<SystemTime>,
    pub diags: Diagnostics,
}

#[derive(Default)]
pub struct RenewOutcome {
    pub private: Vec<u8>,
    pub renew_at: Option<SystemTime>,
    pub diags: Diagnostics,
}

#[async_trait]
pub trait DynEphemeral: Send + Sync {
    fn schema(&self) -> &Schema;
    async fn validate(&self, config: &wire::Dynamic) -> Diagnostics;
    async fn open(&self, config: &wire::Dynamic) -> OpenOutcome;
    async fn renew(&self, private: &[u8]) -> RenewOutcome;
    async fn close(&self, private: &[u8]) -> Diagnostics;
}

pub struct RegisteredEphemeral<E: EphemeralResource> {
    resource: E,
    schema: Schema,
    ty: Type,
}

impl<E: EphemeralResource> RegisteredEphemeral<E> {
    pub fn new(resource: E) -> Self {
        let schema = resource.schema();
        let ty = schema.value_type();
        Self {
            resource,
            schema,
            ty,
        }
    }
}

#[async_trait]
impl<E: EphemeralResource> DynEphemeral for RegisteredEphemeral<E> {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn validate(&self, config: &wire::Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if let Some(Some(config)) = decode_typed(config, &self.ty, &mut diags) {
            self.resource.validate(&mut diags, config).await;
        }
        diags
    }

    async fn open(&self, config: &wire::Dynamic) -> OpenOutcome {
        let mut out = OpenOutcome::default();
        let Some(Some(config)) = decode_typed(config, &self.ty, &mut out.diags) else {
            return out;
        };
        if let Some(opened) = self.resource.open(&mut out.diags, config).await {
            out.result = encode_typed(&opened.result, &self.ty, &mut out.diags);
            out.private = wire::encode_private(&opened.private);
            out.renew_at = opened.renew_at;
        }
        out
    }

    async fn renew(&self, private: &[u8]) -> RenewOutcome {
        let mut out = RenewOutcome::default();
        let private: E::Private = decode_private(private, &mut out.diags);
        if let Some((private, renew_at)) = self.resource.renew(&mut out.diags, private).await {
            out.private = wire::encode_private(&private);
            out.renew_at = renew_at;
        }
        out
    }

    async fn close(&self, private: &[u8]) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let private: E::Private = decode_private(private, &mut diags);
        self.resource.close(&mut diags, private).await;
        diags
    }
}

/// A time as the protocol's Timestamp.
pub fn timestamp(at: SystemTime) -> prost_types::Timestamp {
    prost_types::Timestamp::from(at)
}
