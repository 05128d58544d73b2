//! `emreks_notebook_user`: one person or group who may use the platform's
//! EMR Studio, with their own interactive endpoints (Jupyter Enterprise
//! Gateway) on the platform's notebook virtual cluster. This file is the
//! Terraform face of it; `schema` holds what Terraform exchanges and the
//! typed spec, `notebooks` what the user needs from the platform, `apply`
//! the lifecycle, `read` refresh and import.

mod apply;
mod flatten;
pub mod list;
mod notebooks;
mod plan;
mod read;
mod schema;
mod validate;

use async_trait::async_trait;

use crate::aws::SharedAws;
use crate::platform::naming;
use crate::plugin::identity::{Identity, IdentityAttribute, IdentitySchema};
use crate::plugin::resource::Resource;
use crate::plugin::schema::Schema;
use crate::plugin::{AttributePath, Diagnostics, Value};
use crate::resources::configured;
use crate::resources::values::known;

use apply::Built;
use schema::{
    NotebookUserPrivate, NotebookUserSpec, NotebookUserState, Recorded, FORCES_REPLACEMENT,
};

pub struct NotebookUserResource {
    aws: SharedAws,
}

impl NotebookUserResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

#[async_trait]
impl Resource for NotebookUserResource {
    type State = NotebookUserState;
    type Private = Option<NotebookUserPrivate>;

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Self::State) {
        validate::validate(diags, &config);
        if let Value::Value(t) = &config.timeouts {
            t.validate(diags);
        }
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        mut state: Self::State,
        private: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = configured(&self.aws, diags)?;
        if let Err(err) = read::refresh(&aws, &mut state).await {
            err.report(diags, "Cannot read the notebook user");
        }
        Some((state, private))
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State,
        _config: Self::State,
        _prior_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let planned = plan::plan_create(proposed);
        if let Some(aws) = self.aws.get() {
            validate::check_with_aws(&aws, diags, &planned).await;
        }
        Some((planned, Some(NotebookUserPrivate::default())))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        proposed: Self::State,
        _config: Self::State,
        prior_private: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let planned = plan::plan_update(&prior, proposed);
        if planned != prior {
            if let Some(aws) = self.aws.get() {
                validate::check_with_aws(&aws, diags, &planned).await;
            }
        }
        let replace = FORCES_REPLACEMENT
            .iter()
            .map(|n| AttributePath::new(*n))
            .collect();
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
        let _writing = aws
            .reads
            .writing(known(&planned.platform_id).unwrap_or_default());
        let spec = match NotebookUserSpec::decode(&planned) {
            Ok(spec) => spec,
            Err(err) => {
                err.report(diags, "Cannot create the notebook user");
                return None;
            }
        };
        let mut state = planned;
        let mut private = planned_private.unwrap_or_default();
        let mut built = Built::default();
        let timeout = spec.timeouts.create;
        let nothing = Recorded::default();
        let created =
            apply::reconcile(&aws, &nothing, &spec, &mut private, timeout, &mut built).await;
        flatten::built(&mut state, &built);
        if let Err(err) = created {
            err.report(diags, "Cannot create the notebook user");
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
        let _writing = aws
            .reads
            .writing(known(&prior.platform_id).unwrap_or_default());
        let mut state = planned;
        let mut private = planned_private.unwrap_or_default();
        let mut built = Built::default();
        let updated = match NotebookUserSpec::decode(&state) {
            Ok(spec) => {
                let recorded = Recorded::decode(&prior);
                let timeout = spec.timeouts.update;
                apply::reconcile(&aws, &recorded, &spec, &mut private, timeout, &mut built).await
            }
            Err(err) => Err(err),
        };
        flatten::built(&mut state, &built);
        if let Err(err) = updated {
            err.report(diags, "Cannot update the notebook user");
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
        let _writing = aws
            .reads
            .writing(known(&prior.platform_id).unwrap_or_default());
        // Empty after import or from an older release: destroy then finds
        // the access in AWS by the platform's marker.
        let mut private = planned_private.unwrap_or_default();
        let destroyed = match NotebookUserSpec::decode(&prior) {
            Ok(spec) => apply::destroy(&aws, &Recorded::decode(&prior), &spec, &mut private).await,
            Err(err) => Err(err),
        };
        if let Err(err) = destroyed {
            err.report(diags, "Cannot destroy the notebook user");
        }
        Some(())
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![
                IdentityAttribute {
                    name: "platform_id",
                    required_for_import: true,
                    description: "The `id` of the `emreks_platform` whose Studio the user uses.",
                },
                IdentityAttribute {
                    name: "identity_type",
                    required_for_import: true,
                    description: "`USER` or `GROUP`.",
                },
                IdentityAttribute {
                    name: "identity_name",
                    required_for_import: true,
                    description: "The IAM or IAM Identity Center user or group name.",
                },
            ],
        })
    }

    fn identity(&self, state: &Self::State) -> Identity {
        [
            ("platform_id", &state.platform_id),
            ("identity_type", &state.identity_type),
            ("identity_name", &state.identity_name),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key.to_string(), known(value)?.to_string())))
        .collect()
    }

    fn import_id(&self, identity: &Identity) -> Result<String, String> {
        match (
            identity.get("platform_id"),
            identity.get("identity_type"),
            identity.get("identity_name"),
        ) {
            (Some(platform), Some(kind), Some(name)) => {
                Ok(naming::notebook_user_id(platform, kind, name))
            }
            _ => Err(
                "The identity must set `platform_id`, `identity_type` and `identity_name`."
                    .to_string(),
            ),
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = configured(&self.aws, diags)?;
        match read::import(&aws, &id).await {
            Ok(state) => Some((state, Some(NotebookUserPrivate::default()))),
            Err(err) => {
                err.report(diags, "Cannot import the notebook user");
                None
            }
        }
    }
}
