//! The action contract: something Terraform runs on request (`terraform
//! apply -invoke=...` or a resource's `action_trigger`), outside any
//! resource's lifecycle, telling the user how it goes as it runs.
//! `RegisteredAction` decodes the wire configuration once.

use async_trait::async_trait;
use futures::channel::mpsc::UnboundedSender;
use serde::de::DeserializeOwned;

use super::cty::Type;
use super::diagnostics::Diagnostics;
use super::resource::decode_typed;
use super::schema::Schema;
use super::wire;

/// Where an invoked action reports progress, shown to the user as it runs.
#[derive(Clone)]
pub struct Progress(UnboundedSender<String>);

impl Progress {
    pub fn new(sender: UnboundedSender<String>) -> Self {
        Self(sender)
    }

    pub fn report(&self, message: impl Into<String>) {
        // Terraform gone (interrupted) means nobody to tell: not an error.
        let _ = self.0.unbounded_send(message.into());
    }
}

#[async_trait]
pub trait Action: Send + Sync {
    type Config: DeserializeOwned + Send + Sync;

    fn schema(&self) -> Schema;

    /// Checks of the configuration that need no remote call.
    async fn validate(&self, diags: &mut Diagnostics, config: Self::Config);

    /// Checks before the run is proposed (the configuration may hold unknowns).
    async fn plan(&self, diags: &mut Diagnostics, config: Self::Config);

    async fn invoke(&self, diags: &mut Diagnostics, config: Self::Config, progress: Progress);
}

#[async_trait]
pub trait DynAction: Send + Sync {
    fn schema(&self) -> &Schema;
    async fn validate(&self, config: &wire::Dynamic) -> Diagnostics;
    async fn plan(&self, config: &wire::Dynamic) -> Diagnostics;
    async fn invoke(&self, config: &wire::Dynamic, progress: Progress) -> Diagnostics;
}

pub struct RegisteredAction<A: Action> {
    action: A,
    schema: Schema,
    ty: Type,
}

impl<A: Action> RegisteredAction<A> {
    pub fn new(action: A) -> Self {
        let schema = action.schema();
        let ty = schema.value_type();
        Self { action, schema, ty }
    }
}

#[async_trait]
impl<A: Action> DynAction for RegisteredAction<A> {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn validate(&self, config: &wire::Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if let Some(Some(config)) = decode_typed(config, &self.ty, &mut diags) {
            self.action.validate(&mut diags, config).await;
        }
        diags
    }

    async fn plan(&self, config: &wire::Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if let Some(Some(config)) = decode_typed(config, &self.ty, &mut diags) {
            self.action.plan(&mut diags, config).await;
        }
        diags
    }

    async fn invoke(&self, config: &wire::Dynamic, progress: Progress) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if let Some(Some(config)) = decode_typed(config, &self.ty, &mut diags) {
            self.action.invoke(&mut diags, config, progress).await;
        }
        diags
    }
}
