//! The `tfplugin6.Provider` gRPC service: each RPC decoded, handed to the
//! provider or the resource it names, and its answer encoded. RPCs for
//! features this provider does not offer answer with a clear diagnostic.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use tonic::{Request, Response, Status};

use super::action::{DynAction, Progress};
use super::cty::Type;
use super::data_source::DynDataSource;
use super::diagnostics::Diagnostics;
use super::ephemeral::{timestamp, DynEphemeral};
use super::list::DynListResource;
use super::proto::tfplugin6 as tf;
use super::provider::Provider;
use super::resource::{report_codec_error, ApplyRequest, DynResource, PlanRequest};
use super::schema::Schema;
use super::serde_bridge::from_value;
use super::{stop, wire};

type Reply<T> = Result<Response<T>, Status>;
type Streamed<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

pub struct Service<P: Provider> {
    provider: Arc<P>,
    schema: Schema,
    config_type: Type,
    resources: BTreeMap<String, Box<dyn DynResource>>,
    data_sources: BTreeMap<String, Box<dyn DynDataSource>>,
    ephemeral: BTreeMap<String, Box<dyn DynEphemeral>>,
    /// Named as the resource types they list.
    list_resources: BTreeMap<String, Box<dyn DynListResource>>,
    /// Shared: an invoked action runs on in its own task while it streams.
    actions: BTreeMap<String, Arc<dyn DynAction>>,
}

/// `name` → `<provider>_name`, the type names Terraform uses.
fn prefixed<T>(provider: &str, named: Vec<(&'static str, T)>) -> BTreeMap<String, T> {
    named
        .into_iter()
        .map(|(name, item)| (format!("{provider}_{name}"), item))
        .collect()
}

/// The one `kind` named `type_name`, or an error diagnostic saying there is none.
fn lookup<'a, T: ?Sized>(
    table: &'a BTreeMap<String, Box<T>>,
    kind: &str,
    type_name: &str,
    diags: &mut Diagnostics,
) -> Option<&'a T> {
    let found = table.get(type_name).map(Box::as_ref);
    if found.is_none() {
        diags.root_error(
            format!("Unknown {kind}"),
            format!("This provider has no {kind} \"{type_name}\"."),
        );
    }
    found
}

impl<P: Provider> Service<P> {
    pub fn new(provider: P) -> Self {
        let schema = provider.schema();
        let config_type = schema.value_type();
        let name = provider.name();
        let resources = prefixed(name, provider.resources());
        let data_sources = prefixed(name, provider.data_sources());
        let ephemeral = prefixed(name, provider.ephemeral_resources());
        let list_resources = prefixed(name, provider.list_resources());
        let actions = prefixed(name, provider.actions())
            .into_iter()
            .map(|(name, action)| (name, Arc::from(action)))
            .collect();
        Self {
            provider: Arc::new(provider),
            schema,
            config_type,
            resources,
            data_sources,
            ephemeral,
            list_resources,
            actions,
        }
    }

    fn resource(&self, type_name: &str, diags: &mut Diagnostics) -> Option<&dyn DynResource> {
        lookup(&self.resources, "resource type", type_name, diags)
    }

    fn data_source(&self, type_name: &str, diags: &mut Diagnostics) -> Option<&dyn DynDataSource> {
        lookup(&self.data_sources, "data source", type_name, diags)
    }

    fn action(&self, type_name: &str, diags: &mut Diagnostics) -> Option<Arc<dyn DynAction>> {
        let found = self.actions.get(type_name).cloned();
        if found.is_none() {
            diags.root_error(
                "Unknown action",
                format!("This provider has no action \"{type_name}\"."),
            );
        }
        found
    }

    fn ephemeral(&self, type_name: &str, diags: &mut Diagnostics) -> Option<&dyn DynEphemeral> {
        lookup(&self.ephemeral, "ephemeral resource type", type_name, diags)
    }

    fn list_resource(
        &self,
        type_name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&dyn DynListResource> {
        lookup(&self.list_resources, "list resource", type_name, diags)
    }

    /// The events of one `ListResource` call: the search's own diagnostics
    /// (if any), then one event per object found, read through its
    /// resource type's import so that identity and object are what an
    /// import stores. An object that cannot be read (gone since it was
    /// listed) is skipped with a warning; Terraform stops at an error.
    async fn list_events(
        &self,
        request: tf::list_resource::Request,
    ) -> Vec<tf::list_resource::Event> {
        let only = |diags: Diagnostics| tf::list_resource::Event {
            diagnostic: diags.to_proto(),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        let list = self.list_resource(&request.type_name, &mut diags);
        let resource = self.resource(&request.type_name, &mut diags);
        let (Some(list), Some(resource)) = (list, resource) else {
            return vec![only(diags)];
        };
        let config = request.config.unwrap_or_else(wire::null);
        let (found, found_diags) = list.find(&config).await;
        diags.extend(found_diags);
        let mut events = Vec::new();
        if !diags.items.is_empty() {
            let stop = diags.has_errors();
            events.push(only(diags));
            if stop {
                return events;
            }
        }
        // Terraform reads no further than its limit (default 100).
        let limit = usize::try_from(request.limit).unwrap_or(0);
        for item in found.into_iter().take(limit) {
            let out = resource.import(&item.import_id).await;
            let (Some(state), Some(identity)) = (out.state, out.identity) else {
                let mut skipped = Diagnostics::default();
                let why: Vec<String> = out
                    .diags
                    .errors()
                    .map(|d| format!("{}: {}", d.summary, d.detail))
                    .collect();
                skipped.root_warning(
                    format!("Skipped {}", item.display_name),
                    format!(
                        "It was found but could not be read: {}",
                        if why.is_empty() {
                            "it is gone".to_string()
                        } else {
                            why.join("; ")
                        }
                    ),
                );
                events.push(only(skipped));
                continue;
            };
            events.push(tf::list_resource::Event {
                identity: Some(identity),
                display_name: item.display_name,
                resource_object: request
                    .include_resource_object
                    .then(|| wire::msgpack(state)),
                diagnostic: out.diags.to_proto(),
            });
        }
        events
    }

    fn config(&self, value: Option<&wire::Dynamic>, diags: &mut Diagnostics) -> Option<P::Config> {
        let decoded = match wire::decode(value.unwrap_or(&wire::null()), &self.config_type) {
            Ok(decoded) => decoded,
            Err(err) => {
                report_codec_error(diags, "Invalid provider configuration", &err);
                return None;
            }
        };
        match from_value(&decoded) {
            Ok(config) => Some(config),
            Err(err) => {
                report_codec_error(diags, "Invalid provider configuration", &err);
                None
            }
        }
    }

    fn capabilities() -> tf::ServerCapabilities {
        tf::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: false,
            move_resource_state: false,
            generate_resource_config: false,
        }
    }
}

fn unsupported(what: &str) -> Vec<tf::Diagnostic> {
    let mut diags = Diagnostics::default();
    diags.root_error(
        "Not supported",
        format!("The emreks provider does not offer {what}."),
    );
    diags.to_proto()
}

fn dynamic(bytes: Option<Vec<u8>>) -> Option<wire::Dynamic> {
    Some(bytes.map(wire::msgpack).unwrap_or_else(wire::null))
}

#[tonic::async_trait]
impl<P: Provider> tf::provider_server::Provider for Service<P> {
    async fn get_metadata(
        &self,
        _: Request<tf::get_metadata::Request>,
    ) -> Reply<tf::get_metadata::Response> {
        Ok(Response::new(tf::get_metadata::Response {
            server_capabilities: Some(Self::capabilities()),
            resources: self
                .resources
                .keys()
                .map(|name| tf::get_metadata::ResourceMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|name| tf::get_metadata::DataSourceMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            ephemeral_resources: self
                .ephemeral
                .keys()
                .map(|name| tf::get_metadata::EphemeralMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            actions: self
                .actions
                .keys()
                .map(|name| tf::get_metadata::ActionMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            list_resources: self
                .list_resources
                .keys()
                .map(|name| tf::get_metadata::ListResourceMetadata {
                    type_name: name.clone(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<tf::get_provider_schema::Request>,
    ) -> Reply<tf::get_provider_schema::Response> {
        Ok(Response::new(tf::get_provider_schema::Response {
            provider: Some(self.schema.to_proto()),
            resource_schemas: self
                .resources
                .iter()
                .map(|(name, resource)| (name.clone(), resource.schema().to_proto()))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(name, source)| (name.clone(), source.schema().to_proto()))
                .collect(),
            ephemeral_resource_schemas: self
                .ephemeral
                .iter()
                .map(|(name, resource)| (name.clone(), resource.schema().to_proto()))
                .collect(),
            action_schemas: self
                .actions
                .iter()
                .map(|(name, action)| {
                    let schema = Some(action.schema().to_proto());
                    (name.clone(), tf::ActionSchema { schema })
                })
                .collect(),
            list_resource_schemas: self
                .list_resources
                .iter()
                .map(|(name, list)| (name.clone(), list.schema().to_proto()))
                .collect(),
            server_capabilities: Some(Self::capabilities()),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<tf::validate_provider_config::Request>,
    ) -> Reply<tf::validate_provider_config::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let Some(config) = self.config(request.config.as_ref(), &mut diags) {
            self.provider.validate(&mut diags, config).await;
        }
        Ok(Response::new(tf::validate_provider_config::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<tf::validate_resource_config::Request>,
    ) -> Reply<tf::validate_resource_config::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let Some(resource) = self.resource(&request.type_name, &mut diags) {
            let config = request.config.unwrap_or_else(wire::null);
            diags.extend(resource.validate(&config).await);
        }
        Ok(Response::new(tf::validate_resource_config::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<tf::validate_data_resource_config::Request>,
    ) -> Reply<tf::validate_data_resource_config::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let Some(source) = self.data_source(&request.type_name, &mut diags) {
            let config = request.config.unwrap_or_else(wire::null);
            diags.extend(source.validate(&config).await);
        }
        Ok(Response::new(tf::validate_data_resource_config::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<tf::upgrade_resource_state::Request>,
    ) -> Reply<tf::upgrade_resource_state::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let mut upgraded = None;
        if let Some(resource) = self.resource(&request.type_name, &mut diags) {
            match request.raw_state {
                Some(raw) if !raw.json.is_empty() => {
                    let (bytes, found) = resource.upgrade(request.version, &raw.json);
                    diags.extend(found);
                    upgraded = bytes.map(wire::msgpack);
                }
                _ => diags.root_error(
                    "Cannot upgrade the saved state",
                    "The state was saved in the legacy flatmap format, which this provider never wrote.",
                ),
            }
        }
        Ok(Response::new(tf::upgrade_resource_state::Response {
            upgraded_state: upgraded,
            diagnostics: diags.to_proto(),
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<tf::get_resource_identity_schemas::Request>,
    ) -> Reply<tf::get_resource_identity_schemas::Response> {
        Ok(Response::new(tf::get_resource_identity_schemas::Response {
            identity_schemas: self
                .resources
                .iter()
                .filter_map(|(name, resource)| {
                    Some((name.clone(), resource.identity_schema()?.to_proto()))
                })
                .collect(),
            diagnostics: Vec::new(),
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<tf::upgrade_resource_identity::Request>,
    ) -> Reply<tf::upgrade_resource_identity::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let mut upgraded = None;
        if let Some(resource) = self.resource(&request.type_name, &mut diags) {
            match (resource.identity_schema(), request.raw_identity) {
                (Some(schema), Some(raw)) if !raw.json.is_empty() => {
                    upgraded = schema.upgrade_json(request.version, &raw.json, &mut diags);
                }
                (Some(_), _) => diags.root_error(
                    "Cannot upgrade the resource identity",
                    "Terraform sent no saved identity to upgrade.",
                ),
                (None, _) => diags.root_error(
                    "Cannot upgrade the resource identity",
                    format!(
                        "The resource type \"{}\" has no identity.",
                        request.type_name
                    ),
                ),
            }
        }
        Ok(Response::new(tf::upgrade_resource_identity::Response {
            upgraded_identity: upgraded,
            diagnostics: diags.to_proto(),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<tf::configure_provider::Request>,
    ) -> Reply<tf::configure_provider::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let Some(config) = self.config(request.config.as_ref(), &mut diags) {
            self.provider
                .configure(&mut diags, request.terraform_version, config)
                .await;
        }
        Ok(Response::new(tf::configure_provider::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<tf::read_resource::Request>,
    ) -> Reply<tf::read_resource::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let Some(resource) = self.resource(&request.type_name, &mut diags) else {
            return Ok(Response::new(tf::read_resource::Response {
                diagnostics: diags.to_proto(),
                ..Default::default()
            }));
        };
        let state = request.current_state.unwrap_or_else(wire::null);
        let out = resource.read(&state, &request.private).await;
        diags.extend(out.diags);
        // A failed read keeps what Terraform had.
        let new_state = match out.state {
            Some(bytes) => Some(wire::msgpack(bytes)),
            None if diags.has_errors() => Some(state),
            None => Some(wire::null()),
        };
        let private = if out.private.is_empty() && diags.has_errors() {
            request.private
        } else {
            out.private
        };
        let new_identity = match out.identity {
            None if diags.has_errors() => request.current_identity,
            found => found,
        };
        Ok(Response::new(tf::read_resource::Response {
            new_state,
            diagnostics: diags.to_proto(),
            private,
            new_identity,
            ..Default::default()
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<tf::plan_resource_change::Request>,
    ) -> Reply<tf::plan_resource_change::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let Some(resource) = self.resource(&request.type_name, &mut diags) else {
            return Ok(Response::new(tf::plan_resource_change::Response {
                diagnostics: diags.to_proto(),
                ..Default::default()
            }));
        };
        let (prior, proposed, config) = (
            request.prior_state.unwrap_or_else(wire::null),
            request.proposed_new_state.unwrap_or_else(wire::null),
            request.config.unwrap_or_else(wire::null),
        );
        let out = resource
            .plan(PlanRequest {
                prior: &prior,
                proposed: &proposed,
                config: &config,
                prior_private: &request.prior_private,
            })
            .await;
        diags.extend(out.diags);
        Ok(Response::new(tf::plan_resource_change::Response {
            planned_state: dynamic(out.planned),
            requires_replace: out.replace.iter().map(|p| p.to_proto()).collect(),
            planned_private: out.private,
            planned_identity: out.identity,
            diagnostics: diags.to_proto(),
            ..Default::default()
        }))
    }

    async fn apply_resource_change(
        &self,
        request: Request<tf::apply_resource_change::Request>,
    ) -> Reply<tf::apply_resource_change::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let Some(resource) = self.resource(&request.type_name, &mut diags) else {
            return Ok(Response::new(tf::apply_resource_change::Response {
                diagnostics: diags.to_proto(),
                ..Default::default()
            }));
        };
        let (prior, planned, config) = (
            request.prior_state.unwrap_or_else(wire::null),
            request.planned_state.unwrap_or_else(wire::null),
            request.config.unwrap_or_else(wire::null),
        );
        let out = resource
            .apply(ApplyRequest {
                prior: &prior,
                planned: &planned,
                config: &config,
                planned_private: &request.planned_private,
            })
            .await;
        diags.extend(out.diags);
        Ok(Response::new(tf::apply_resource_change::Response {
            new_state: dynamic(out.state),
            private: out.private,
            new_identity: out.identity,
            diagnostics: diags.to_proto(),
            ..Default::default()
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<tf::import_resource_state::Request>,
    ) -> Reply<tf::import_resource_state::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let mut imported = Vec::new();
        if let Some(resource) = self.resource(&request.type_name, &mut diags) {
            // An `import` block names the object by its id or by its identity.
            let out = match &request.identity {
                Some(identity) if request.id.is_empty() => {
                    resource.import_by_identity(identity).await
                }
                _ => resource.import(&request.id).await,
            };
            diags.extend(out.diags);
            if let Some(state) = out.state {
                imported.push(tf::import_resource_state::ImportedResource {
                    type_name: request.type_name.clone(),
                    state: Some(wire::msgpack(state)),
                    private: out.private,
                    identity: out.identity,
                });
            }
        }
        Ok(Response::new(tf::import_resource_state::Response {
            imported_resources: imported,
            diagnostics: diags.to_proto(),
            ..Default::default()
        }))
    }

    async fn move_resource_state(
        &self,
        _: Request<tf::move_resource_state::Request>,
    ) -> Reply<tf::move_resource_state::Response> {
        Ok(Response::new(tf::move_resource_state::Response {
            diagnostics: unsupported("moving state between resource types"),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<tf::read_data_source::Request>,
    ) -> Reply<tf::read_data_source::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let mut state = None;
        if let Some(source) = self.data_source(&request.type_name, &mut diags) {
            let config = request.config.unwrap_or_else(wire::null);
            let (read, found) = source.read(&config).await;
            diags.extend(found);
            state = read.map(wire::msgpack);
        }
        Ok(Response::new(tf::read_data_source::Response {
            state,
            diagnostics: diags.to_proto(),
            ..Default::default()
        }))
    }

    async fn generate_resource_config(
        &self,
        _: Request<tf::generate_resource_config::Request>,
    ) -> Reply<tf::generate_resource_config::Response> {
        Ok(Response::new(tf::generate_resource_config::Response {
            diagnostics: unsupported("configuration generation for this resource"),
            ..Default::default()
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<tf::validate_ephemeral_resource_config::Request>,
    ) -> Reply<tf::validate_ephemeral_resource_config::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let Some(resource) = self.ephemeral(&request.type_name, &mut diags) {
            let config = request.config.unwrap_or_else(wire::null);
            diags.extend(resource.validate(&config).await);
        }
        Ok(Response::new(
            tf::validate_ephemeral_resource_config::Response {
                diagnostics: diags.to_proto(),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<tf::open_ephemeral_resource::Request>,
    ) -> Reply<tf::open_ephemeral_resource::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let Some(resource) = self.ephemeral(&request.type_name, &mut diags) else {
            return Ok(Response::new(tf::open_ephemeral_resource::Response {
                diagnostics: diags.to_proto(),
                ..Default::default()
            }));
        };
        let config = request.config.unwrap_or_else(wire::null);
        let out = resource.open(&config).await;
        diags.extend(out.diags);
        Ok(Response::new(tf::open_ephemeral_resource::Response {
            result: out.result.map(wire::msgpack),
            private: Some(out.private),
            renew_at: out.renew_at.map(timestamp),
            diagnostics: diags.to_proto(),
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<tf::renew_ephemeral_resource::Request>,
    ) -> Reply<tf::renew_ephemeral_resource::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let Some(resource) = self.ephemeral(&request.type_name, &mut diags) else {
            return Ok(Response::new(tf::renew_ephemeral_resource::Response {
                diagnostics: diags.to_proto(),
                ..Default::default()
            }));
        };
        let out = resource.renew(&request.private.unwrap_or_default()).await;
        diags.extend(out.diags);
        Ok(Response::new(tf::renew_ephemeral_resource::Response {
            private: Some(out.private),
            renew_at: out.renew_at.map(timestamp),
            diagnostics: diags.to_proto(),
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<tf::close_ephemeral_resource::Request>,
    ) -> Reply<tf::close_ephemeral_resource::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let Some(resource) = self.ephemeral(&request.type_name, &mut diags) {
            diags.extend(resource.close(&request.private.unwrap_or_default()).await);
        }
        Ok(Response::new(tf::close_ephemeral_resource::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    type ListResourceStream = Streamed<tf::list_resource::Event>;

    async fn list_resource(
        &self,
        request: Request<tf::list_resource::Request>,
    ) -> Reply<Self::ListResourceStream> {
        let events = self.list_events(request.into_inner()).await;
        Ok(Response::new(Box::pin(futures::stream::iter(
            events.into_iter().map(Ok),
        ))))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<tf::validate_list_resource_config::Request>,
    ) -> Reply<tf::validate_list_resource_config::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let Some(list) = self.list_resource(&request.type_name, &mut diags) {
            let config = request.config.unwrap_or_else(wire::null);
            diags.extend(list.validate(&config).await);
        }
        Ok(Response::new(tf::validate_list_resource_config::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn get_functions(
        &self,
        _: Request<tf::get_functions::Request>,
    ) -> Reply<tf::get_functions::Response> {
        Ok(Response::new(Default::default()))
    }

    async fn call_function(
        &self,
        _: Request<tf::call_function::Request>,
    ) -> Reply<tf::call_function::Response> {
        Ok(Response::new(tf::call_function::Response {
            error: Some(tf::FunctionError {
                text: "The emreks provider offers no functions.".to_string(),
                function_argument: None,
            }),
            ..Default::default()
        }))
    }

    async fn validate_state_store_config(
        &self,
        _: Request<tf::validate_state_store::Request>,
    ) -> Reply<tf::validate_state_store::Response> {
        Ok(Response::new(tf::validate_state_store::Response {
            diagnostics: unsupported("state storage"),
        }))
    }

    async fn configure_state_store(
        &self,
        _: Request<tf::configure_state_store::Request>,
    ) -> Reply<tf::configure_state_store::Response> {
        Ok(Response::new(tf::configure_state_store::Response {
            diagnostics: unsupported("state storage"),
            ..Default::default()
        }))
    }

    type ReadStateBytesStream = Streamed<tf::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        _: Request<tf::read_state_bytes::Request>,
    ) -> Reply<Self::ReadStateBytesStream> {
        Err(Status::unimplemented(
            "the emreks provider offers no state storage",
        ))
    }

    async fn write_state_bytes(
        &self,
        _: Request<tonic::Streaming<tf::write_state_bytes::RequestChunk>>,
    ) -> Reply<tf::write_state_bytes::Response> {
        Err(Status::unimplemented(
            "the emreks provider offers no state storage",
        ))
    }

    async fn lock_state(
        &self,
        _: Request<tf::lock_state::Request>,
    ) -> Reply<tf::lock_state::Response> {
        Err(Status::unimplemented(
            "the emreks provider offers no state storage",
        ))
    }

    async fn unlock_state(
        &self,
        _: Request<tf::unlock_state::Request>,
    ) -> Reply<tf::unlock_state::Response> {
        Err(Status::unimplemented(
            "the emreks provider offers no state storage",
        ))
    }

    async fn get_states(
        &self,
        _: Request<tf::get_states::Request>,
    ) -> Reply<tf::get_states::Response> {
        Err(Status::unimplemented(
            "the emreks provider offers no state storage",
        ))
    }

    async fn delete_state(
        &self,
        _: Request<tf::delete_state::Request>,
    ) -> Reply<tf::delete_state::Response> {
        Err(Status::unimplemented(
            "the emreks provider offers no state storage",
        ))
    }

    async fn plan_action(
        &self,
        request: Request<tf::plan_action::Request>,
    ) -> Reply<tf::plan_action::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let Some(action) = self.action(&request.action_type, &mut diags) {
            let config = request.config.unwrap_or_else(wire::null);
            diags.extend(action.plan(&config).await);
        }
        Ok(Response::new(tf::plan_action::Response {
            diagnostics: diags.to_proto(),
            ..Default::default()
        }))
    }

    type InvokeActionStream = Streamed<tf::invoke_action::Event>;

    /// Progress events as the action reports them, then one Completed with
    /// its diagnostics.
    async fn invoke_action(
        &self,
        request: Request<tf::invoke_action::Request>,
    ) -> Reply<Self::InvokeActionStream> {
        use tf::invoke_action::event::{Completed, Progress as Step, Type as Kind};
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        let Some(action) = self.action(&request.action_type, &mut diags) else {
            let done = tf::invoke_action::Event {
                r#type: Some(Kind::Completed(Completed {
                    diagnostics: diags.to_proto(),
                })),
            };
            return Ok(Response::new(Box::pin(futures::stream::iter([Ok(done)]))));
        };
        let (sender, receiver) = futures::channel::mpsc::unbounded::<String>();
        let (done_sender, done_receiver) = futures::channel::oneshot::channel::<Diagnostics>();
        let config = request.config.unwrap_or_else(wire::null);
        tokio::spawn(async move {
            let diags = action.invoke(&config, Progress::new(sender)).await;
            let _ = done_sender.send(diags);
        });
        // The stream's items are tonic's Result<_, Status>, whatever its size.
        #[allow(clippy::result_large_err)]
        let progress = receiver.map(|message| {
            Ok(tf::invoke_action::Event {
                r#type: Some(Kind::Progress(Step { message })),
            })
        });
        let completed = futures::stream::once(async move {
            let diags = done_receiver.await.unwrap_or_else(|_| {
                let mut lost = Diagnostics::default();
                lost.root_error(
                    "Provider error: the action stopped",
                    "The action ended without a result. This is a bug in the provider; please report it.",
                );
                lost
            });
            Ok(tf::invoke_action::Event {
                r#type: Some(Kind::Completed(Completed {
                    diagnostics: diags.to_proto(),
                })),
            })
        });
        Ok(Response::new(Box::pin(progress.chain(completed))))
    }

    async fn validate_action_config(
        &self,
        request: Request<tf::validate_action_config::Request>,
    ) -> Reply<tf::validate_action_config::Response> {
        let request = request.into_inner();
        let mut diags = Diagnostics::default();
        if let Some(action) = self.action(&request.type_name, &mut diags) {
            let config = request.config.unwrap_or_else(wire::null);
            diags.extend(action.validate(&config).await);
        }
        Ok(Response::new(tf::validate_action_config::Response {
            diagnostics: diags.to_proto(),
        }))
    }

    async fn stop_provider(
        &self,
        _: Request<tf::stop_provider::Request>,
    ) -> Reply<tf::stop_provider::Response> {
        tracing::info!(
            "Terraform asked the provider to stop; in-flight operations save what they made"
        );
        stop::request();
        Ok(Response::new(tf::stop_provider::Response {
            error: String::new(),
        }))
    }
}
