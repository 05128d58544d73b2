//! `emreks_platform`: a Spark platform on EMR on EKS, an EKS cluster in its
//! own VPC or in subnets the user passes in, with the EMR-on-EKS layer on
//! it. This file is the Terraform face of it; `schema` holds what
//! Terraform exchanges and the typed spec, `plan` the planning, `apply` the
//! lifecycle's steps, `read` refresh and import.

mod apply;
mod flatten;
pub mod list;
pub mod lookup;
mod ownership;
mod placement;
mod plan;
mod private;
mod read;
pub mod schema;
mod settings;
mod validate;

use async_trait::async_trait;

use crate::aws::SharedAws;
use crate::plugin::identity::{Identity, IdentityAttribute, IdentitySchema};
use crate::plugin::resource::Resource;
use crate::plugin::schema::Schema;
use crate::plugin::{AttributePath, Diagnostics};
use crate::resources::configured;
use crate::resources::values::known;

use apply::Built;
pub use private::PlatformPrivate;
use read::Refreshed;
pub use schema::PlatformState;
use schema::{PlatformSpec, Recorded};

pub struct PlatformResource {
    aws: SharedAws,
    /// Name → suffix of the platforms this run refreshed from a state.
    /// Terraform plans the replacement of a tainted object as a create with
    /// no prior private state; this tells it from a new platform.
    refreshed: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
}

impl PlatformResource {
    pub fn new(aws: SharedAws) -> Self {
        Self {
            aws,
            refreshed: Default::default(),
        }
    }

    /// The suffix of the platform of that name this run found in a state.
    fn refreshed_suffix(&self, name: &str) -> Option<String> {
        self.refreshed
            .lock()
            .ok()
            .and_then(|known| known.get(name).cloned())
    }

    /// The provider's default tags, once it is configured.
    fn default_tags(&self) -> std::collections::BTreeMap<String, String> {
        self.aws
            .get()
            .map(|aws| aws.default_tags.clone())
            .unwrap_or_default()
    }
}

#[async_trait]
impl Resource for PlatformResource {
    type State = PlatformState;
    type Private = Option<PlatformPrivate>;

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Self::State) {
        validate::validate_config(diags, &config);
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Self::State,
        private: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = configured(&self.aws, diags)?;
        let private = private.unwrap_or_default();
        if let (Some(name), Some(suffix)) = (known(&state.name), &private.suffix) {
            if let Ok(mut known) = self.refreshed.lock() {
                known.insert(name.to_string(), suffix.clone());
            }
        }
        let (refreshed, failures) = read::refresh(&aws, state, &private).await;
        for err in failures {
            err.report(diags, "Cannot read the platform");
        }
        match refreshed {
            Refreshed::Found(state) => Some((*state, Some(private))),
            Refreshed::Gone => None,
        }
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State,
        config: Self::State,
        prior_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        if let Some(aws) = self.aws.get() {
            validate::check_zones(&aws, diags, &config).await;
            if let Some(name) = known(&config.name) {
                let replaced = prior_private
                    .and_then(|private| private.suffix)
                    .or_else(|| self.refreshed_suffix(name));
                ownership::check_name_free(&aws, diags, name, replaced.as_deref()).await;
            }
        }
        let region = self.aws.get().map(|aws| aws.region.clone());
        let (planned, private) =
            plan::plan_create(diags, proposed, &self.default_tags(), region.as_deref());
        Some((planned, Some(private)))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        proposed: Self::State,
        config: Self::State,
        prior_private: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let region = self.aws.get().map(|aws| aws.region.clone());
        if let Some(aws) = self.aws.get() {
            placement::check(&aws, diags, &proposed).await;
        }
        let (planned, replace) = plan::plan_update(
            diags,
            &prior,
            proposed,
            &config,
            &self.default_tags(),
            region.as_deref(),
        );
        Some((planned, prior_private, replace))
    }

    async fn create(
        &self,
        diags: &mut Diagnostics,
        planned: Self::State,
        _config: Self::State,
        planned_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = configured(&self.aws, diags)?;
        // What this process read of the platform is stale once this writes.
        let _writing = aws.reads.writing(known(&planned.name).unwrap_or_default());
        let spec = match PlatformSpec::decode(&planned) {
            Ok(spec) => spec,
            Err(err) => {
                // Nothing was made: no state to keep.
                err.report(diags, "Cannot create the platform");
                return None;
            }
        };
        let mut private = planned_private.unwrap_or_default();
        if let Err(err) = apply::check_name_free(&aws, &spec, private.suffix.as_deref()).await {
            // Nothing was made: no state, so that an import can follow.
            err.report(diags, "Cannot create the platform");
            return None;
        }
        // The suffix is drawn at plan; a state from before then draws it here.
        let suffix = private
            .suffix
            .get_or_insert_with(|| crate::resources::random_token(8))
            .clone();
        match apply::remove_abandoned(&aws, &spec.name, &suffix, spec.timeouts.create).await {
            Ok(notes) => {
                for note in notes {
                    diags.root_warning("Leftovers of an interrupted create removed", note);
                }
            }
            Err(err) => {
                err.report(
                    diags,
                    "Cannot remove the leftovers of an interrupted create",
                );
                return None;
            }
        }
        let mut state = planned;
        let mut built = Built::default();
        let created = apply::create(&aws, &spec, &state, &mut private, &mut built).await;
        flatten::built(&mut state, &built, &private);
        let created = match created {
            Ok(()) => apply::save_settings(&aws, &state, &private).await,
            failed => failed,
        };
        if let Err(err) = created {
            err.report(diags, "Cannot create the platform");
            diags.root_warning(
                "Partial platform saved",
                "What was created is recorded in the state: the next apply replaces the platform and `terraform destroy` removes every piece.",
            );
        }
        plan::settle(&mut state);
        Some((state, Some(private)))
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        planned: Self::State,
        _config: Self::State,
        planned_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = configured(&self.aws, diags)?;
        // What this process read of the platform is stale once this writes.
        let _writing = aws.reads.writing(known(&prior.name).unwrap_or_default());
        let mut state = planned;
        let mut private = planned_private.unwrap_or_default();
        let mut built = Built::default();
        let updated = match PlatformSpec::decode(&state) {
            Ok(spec) => {
                apply::update(
                    &aws,
                    &Recorded::decode(&prior),
                    &spec,
                    &mut private,
                    &mut built,
                )
                .await
            }
            Err(err) => Err(err),
        };
        flatten::built(&mut state, &built, &private);
        let updated = match updated {
            Ok(()) => apply::save_settings(&aws, &state, &private).await,
            failed => failed,
        };
        if let Err(err) = updated {
            err.report(diags, "Cannot update the platform");
        }
        plan::settle(&mut state);
        Some((state, Some(private)))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        planned_private: Self::Private,
    ) -> Option<()> {
        let aws = configured(&self.aws, diags)?;
        // What this process read of the platform is stale once this writes.
        let _writing = aws.reads.writing(known(&prior.name).unwrap_or_default());
        let mut private = planned_private.unwrap_or_default();
        match apply::destroy(&aws, &Recorded::decode(&prior), &mut private).await {
            Ok(notes) => {
                for note in notes {
                    diags.root_warning("Left alone: not this platform's", note);
                }
            }
            Err(err) => err.report(diags, "Cannot destroy the platform"),
        }
        Some(())
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![
                IdentityAttribute {
                    name: "name",
                    required_for_import: true,
                    description: "The platform's name (its EKS cluster name).",
                },
                IdentityAttribute {
                    name: "region",
                    required_for_import: false,
                    description: "The AWS region of the platform (default: the provider's).",
                },
            ],
        })
    }

    fn identity(&self, state: &Self::State) -> Identity {
        let mut identity = Identity::new();
        if let Some(name) = known(&state.name) {
            identity.insert("name".into(), name.to_string());
        }
        if let Some(aws) = self.aws.get() {
            identity.insert("region".into(), aws.region.clone());
        }
        identity
    }

    fn import_id(&self, identity: &Identity) -> Result<String, String> {
        let name = identity.get("name").cloned().unwrap_or_default();
        let ours = self.aws.get().map(|aws| aws.region.clone());
        match (identity.get("region"), ours) {
            (Some(wanted), Some(ours)) if *wanted != ours => Err(format!(
                "The identity's region is {wanted:?} but the provider is configured for {ours:?}: import with a provider configured for {wanted:?}."
            )),
            _ => Ok(name),
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = configured(&self.aws, diags)?;
        match read::import(&aws, &id).await {
            Ok((state, private)) => Some((state, Some(private))),
            Err(err) => {
                err.report(diags, "Cannot import the platform");
                None
            }
        }
    }
}
