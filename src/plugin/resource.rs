//! The managed-resource contract: a resource works on its own typed state
//! (serde structs), and `Registered` turns the protocol's wire values into
//! those types and back, once, at the edge.

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::cty::{self, Type};
use super::diagnostics::{AttributePath, Diagnostics};
use super::identity::{Identity, IdentitySchema};
use super::proto::tfplugin6 as tf;
use super::schema::Schema;
use super::serde_bridge::{from_value, to_value};
use super::wire;

/// One managed resource type. `State` mirrors the schema; `Private` is what
/// the provider keeps beside the state for itself (ids of the pieces made).
#[async_trait]
pub trait Resource: Send + Sync {
    type State: Serialize + DeserializeOwned + Send + Sync;
    type Private: Serialize + DeserializeOwned + Default + Send + Sync;

    fn schema(&self) -> Schema;

    /// Checks of the configuration that need no AWS call.
    async fn validate(&self, diags: &mut Diagnostics, config: Self::State);

    /// Refresh; `None` when the object is gone.
    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Self::State,
        private: Self::Private,
    ) -> Option<(Self::State, Self::Private)>;

    /// `prior_private` is empty for a new object; when Terraform plans the
    /// new half of a replacement, it is the private state of the object
    /// being replaced.
    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State,
        config: Self::State,
        prior_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)>;

    /// The planned state, its private state and the attributes whose change
    /// forces a replacement.
    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        proposed: Self::State,
        config: Self::State,
        prior_private: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)>;

    async fn plan_destroy(
        &self,
        _diags: &mut Diagnostics,
        _prior: Self::State,
        prior_private: Self::Private,
    ) -> Option<Self::Private> {
        Some(prior_private)
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State,
        config: Self::State,
        planned_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)>;

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        planned: Self::State,
        config: Self::State,
        planned_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)>;

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        planned_private: Self::Private,
    ) -> Option<()>;

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)>;

    /// The identity attributes of this type, if it has an identity.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// The identity of the object a state describes; attributes not known
    /// yet (before create) are left out.
    fn identity(&self, _state: &Self::State) -> Identity {
        Identity::new()
    }

    /// The import id an identity from an `import` block stands for.
    fn import_id(&self, _identity: &Identity) -> Result<String, String> {
        Err("this resource type cannot be imported by identity".to_string())
    }

    /// Rewrites a state saved by an older schema version (as JSON) into the
    /// current shape; attributes the current schema lacks are dropped after.
    fn upgrade_json(
        &self,
        _from_version: i64,
        state: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        Ok(state)
    }
}

/// What the protocol hands a resource: wire values, decoded with its type.
#[async_trait]
pub trait DynResource: Send + Sync {
    fn schema(&self) -> &Schema;
    async fn validate(&self, config: &wire::Dynamic) -> Diagnostics;
    async fn read(&self, state: &wire::Dynamic, private: &[u8]) -> Outcome;
    async fn plan(&self, request: PlanRequest<'_>) -> PlanOutcome;
    async fn apply(&self, request: ApplyRequest<'_>) -> Outcome;
    async fn import(&self, id: &str) -> Outcome;
    async fn import_by_identity(&self, identity: &tf::ResourceIdentityData) -> Outcome;
    fn identity_schema(&self) -> Option<&IdentitySchema>;
    fn upgrade(&self, version: i64, json: &[u8]) -> (Option<Vec<u8>>, Diagnostics);
}

pub struct PlanRequest<'a> {
    pub prior: &'a wire::Dynamic,
    pub proposed: &'a wire::Dynamic,
    pub config: &'a wire::Dynamic,
    pub prior_private: &'a [u8],
}

pub struct ApplyRequest<'a> {
    pub prior: &'a wire::Dynamic,
    pub planned: &'a wire::Dynamic,
    pub config: &'a wire::Dynamic,
    pub planned_private: &'a [u8],
}

/// A state (msgpack, `None` for null) and private bytes, with diagnostics.
#[derive(Default)]
pub struct Outcome {
    pub state: Option<Vec<u8>>,
    pub private: Vec<u8>,
    /// The identity of the object the state describes, when it has one.
    pub identity: Option<tf::ResourceIdentityData>,
    pub diags: Diagnostics,
}

#[derive(Default)]
pub struct PlanOutcome {
    pub planned: Option<Vec<u8>>,
    pub private: Vec<u8>,
    pub replace: Vec<AttributePath>,
    pub identity: Option<tf::ResourceIdentityData>,
    pub diags: Diagnostics,
}

/// A resource with its schema and value type computed once.
pub struct Registered<R: Resource> {
    resource: R,
    schema: Schema,
    ty: Type,
    identity: Option<IdentitySchema>,
}

impl<R: Resource> Registered<R> {
    pub fn new(resource: R) -> Self {
        let schema = resource.schema();
        let ty = schema.value_type();
        let identity = resource.identity_schema();
        Self {
            resource,
            schema,
            ty,
            identity,
        }
    }

    /// The wire identity of the object `state` describes, once it is known.
    fn identity_of(&self, state: &R::State) -> Option<tf::ResourceIdentityData> {
        self.identity
            .as_ref()
            .and_then(|schema| schema.encode(&self.resource.identity(state)))
    }

    fn decode(&self, value: &wire::Dynamic, diags: &mut Diagnostics) -> Option<Option<R::State>> {
        decode_typed(value, &self.ty, diags)
    }

    fn encode(&self, state: &R::State, diags: &mut Diagnostics) -> Option<Vec<u8>> {
        encode_typed(state, &self.ty, diags)
    }
}

/// A wire value of type `ty` as `T`: `Some(None)` for a null value (no
/// object); `None` after an error, which is reported.
pub fn decode_typed<T: DeserializeOwned>(
    value: &wire::Dynamic,
    ty: &Type,
    diags: &mut Diagnostics,
) -> Option<Option<T>> {
    let decoded = match wire::decode(value, ty) {
        Ok(decoded) => decoded,
        Err(err) => {
            report_codec_error(diags, "Cannot read the value Terraform sent", &err);
            return None;
        }
    };
    if decoded.is_null() {
        return Some(None);
    }
    match from_value(&decoded) {
        Ok(state) => Some(Some(state)),
        Err(err) => {
            report_codec_error(diags, "Invalid value", &err);
            None
        }
    }
}

/// `value` as msgpack of type `ty`; a failure is the provider's bug, reported.
pub fn encode_typed<T: Serialize>(
    value: &T,
    ty: &Type,
    diags: &mut Diagnostics,
) -> Option<Vec<u8>> {
    let encoded = to_value(value, ty).and_then(|value| cty::encode_msgpack(&value, ty));
    match encoded {
        Ok(bytes) => Some(bytes),
        Err(err) => {
            diags.root_error(
                "Provider error: cannot encode a value",
                format!("{err}. This is a bug in the provider; please report it."),
            );
            None
        }
    }
}

/// A codec error in the configuration points at its attribute.
pub fn report_codec_error(diags: &mut Diagnostics, summary: &str, err: &cty::CodecError) {
    let mut path = AttributePath::root();
    for step in &err.path {
        path = match step {
            cty::PathStep::Attribute(name) => path.attribute(name.clone()),
            cty::PathStep::Key(key) => path.key(key.clone()),
            cty::PathStep::Index(index) => path.index(*index),
        };
    }
    diags.error(summary, err.message.clone(), path);
}

pub fn decode_private<P: DeserializeOwned + Default>(bytes: &[u8], diags: &mut Diagnostics) -> P {
    wire::decode_private(bytes).unwrap_or_else(|why| {
        diags.root_warning(
            "Private state ignored",
            format!("The provider's private data in the state could not be read ({why}); it is rebuilt from AWS."),
        );
        P::default()
    })
}

#[async_trait]
impl<R: Resource> DynResource for Registered<R> {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn validate(&self, config: &wire::Dynamic) -> Diagnostics {
        let mut diags = Diagnostics::default();
        if let Some(Some(config)) = self.decode(config, &mut diags) {
            self.resource.validate(&mut diags, config).await;
        }
        diags
    }

    async fn read(&self, state: &wire::Dynamic, private: &[u8]) -> Outcome {
        let mut out = Outcome::default();
        let Some(Some(state)) = self.decode(state, &mut out.diags) else {
            return out;
        };
        let private = decode_private(private, &mut out.diags);
        if let Some((state, private)) = self.resource.read(&mut out.diags, state, private).await {
            out.state = self.encode(&state, &mut out.diags);
            out.identity = self.identity_of(&state);
            out.private = wire::encode_private(&private);
        }
        out
    }

    async fn plan(&self, request: PlanRequest<'_>) -> PlanOutcome {
        let mut out = PlanOutcome::default();
        let diags = &mut out.diags;
        let (Some(prior), Some(proposed), Some(config)) = (
            self.decode(request.prior, diags),
            self.decode(request.proposed, diags),
            self.decode(request.config, diags),
        ) else {
            return out;
        };
        let prior_private: R::Private = decode_private(request.prior_private, diags);
        let planned = match (prior, proposed, config) {
            (None, Some(proposed), Some(config)) => self
                .resource
                .plan_create(diags, proposed, config, prior_private)
                .await
                .map(|(state, private)| (Some(state), private, Vec::new())),
            (Some(prior), Some(proposed), Some(config)) => self
                .resource
                .plan_update(diags, prior, proposed, config, prior_private)
                .await
                .map(|(state, private, replace)| (Some(state), private, replace)),
            (Some(prior), None, _) => self
                .resource
                .plan_destroy(diags, prior, prior_private)
                .await
                .map(|private| (None, private, Vec::new())),
            _ => {
                diags.root_error(
                    "Provider error: inconsistent plan request",
                    "Terraform asked to plan a resource with neither a prior nor a new state.",
                );
                None
            }
        };
        if let Some((state, private, replace)) = planned {
            out.planned = match &state {
                Some(state) => self.encode(state, &mut out.diags),
                None => None,
            };
            out.identity = state.as_ref().and_then(|state| self.identity_of(state));
            out.private = wire::encode_private(&private);
            out.replace = replace;
        }
        out
    }

    async fn apply(&self, request: ApplyRequest<'_>) -> Outcome {
        let mut out = Outcome::default();
        let diags = &mut out.diags;
        let (Some(prior), Some(planned), Some(config)) = (
            self.decode(request.prior, diags),
            self.decode(request.planned, diags),
            self.decode(request.config, diags),
        ) else {
            return out;
        };
        let private: R::Private = decode_private(request.planned_private, diags);
        let result = match (prior, planned, config) {
            (None, Some(planned), Some(config)) => {
                self.resource.create(diags, planned, config, private).await
            }
            (Some(prior), Some(planned), Some(config)) => {
                self.resource
                    .update(diags, prior, planned, config, private)
                    .await
            }
            (Some(prior), None, _) => {
                // A failed destroy keeps the object in the state.
                let before = self.encode(&prior, diags);
                let identity = self.identity_of(&prior);
                self.resource.destroy(diags, prior, private).await;
                if diags.has_errors() {
                    out.state = before;
                    out.identity = identity;
                    out.private = request.planned_private.to_vec();
                }
                return out;
            }
            _ => None,
        };
        if let Some((state, private)) = result {
            out.state = self.encode(&state, &mut out.diags);
            out.identity = self.identity_of(&state);
            out.private = wire::encode_private(&private);
        }
        out
    }

    async fn import(&self, id: &str) -> Outcome {
        let mut out = Outcome::default();
        if let Some((state, private)) = self.resource.import(&mut out.diags, id.to_string()).await {
            out.state = self.encode(&state, &mut out.diags);
            out.identity = self.identity_of(&state);
            out.private = wire::encode_private(&private);
        }
        out
    }

    async fn import_by_identity(&self, identity: &tf::ResourceIdentityData) -> Outcome {
        let mut diags = Diagnostics::default();
        let Some(schema) = &self.identity else {
            diags.root_error(
                "Import by identity not supported",
                "This resource type has no identity; import it by its id.",
            );
            return Outcome {
                diags,
                ..Default::default()
            };
        };
        let id = schema
            .decode(identity, &mut diags)
            .map(|identity| self.resource.import_id(&identity));
        match id {
            Some(Ok(id)) => {
                let mut out = self.import(&id).await;
                diags.extend(out.diags);
                out.diags = diags;
                out
            }
            Some(Err(why)) => {
                diags.root_error("Invalid resource identity", why);
                Outcome {
                    diags,
                    ..Default::default()
                }
            }
            None => Outcome {
                diags,
                ..Default::default()
            },
        }
    }

    fn identity_schema(&self) -> Option<&IdentitySchema> {
        self.identity.as_ref()
    }

    fn upgrade(&self, version: i64, json: &[u8]) -> (Option<Vec<u8>>, Diagnostics) {
        let mut diags = Diagnostics::default();
        let current = if version == self.schema.version {
            Ok(json.to_vec())
        } else {
            serde_json::from_slice::<serde_json::Value>(json)
                .map_err(|err| format!("the saved state is not JSON: {err}"))
                .and_then(|state| self.resource.upgrade_json(version, state))
                .and_then(|state| serde_json::to_vec(&state).map_err(|err| err.to_string()))
        };
        // Attributes removed since the state was written are dropped.
        let upgraded = current.and_then(|bytes| {
            let value = cty::decode_json_ignoring_undefined(&bytes, &self.ty)
                .map_err(|err| err.to_string())?;
            cty::encode_msgpack(&value, &self.ty).map_err(|err| err.to_string())
        });
        match upgraded {
            Ok(bytes) => (Some(bytes), diags),
            Err(why) => {
                diags.root_error(
                    "Cannot upgrade the saved state",
                    format!(
                        "The state saved with schema version {version} could not be read: {why}."
                    ),
                );
                (None, diags)
            }
        }
    }
}
