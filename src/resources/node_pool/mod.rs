//! `emreks_node_pool`: Spark nodes on an EKS Auto Mode platform, as
//! Karpenter NodePools on an Auto Mode NodeClass, from a role preset that
//! matches the platform's pod templates. This file is the Terraform face of
//! it; `schema` holds what Terraform exchanges, `plan` and `facts` the
//! planning, `apply` the lifecycle, `read` refresh and import (by
//! `<platform id>:<pool name>`).

mod apply;
mod facts;
mod plan;
mod read;
mod schema;

use async_trait::async_trait;

use crate::aws::reads::within;
use crate::aws::SharedAws;
use crate::plugin::identity::{Identity, IdentityAttribute, IdentitySchema};
use crate::plugin::resource::Resource;
use crate::plugin::schema::Schema;
use crate::plugin::value::StructEmpty;
use crate::plugin::{AttributePath, Diagnostics};
use crate::resources::configured;
use crate::resources::values::{known, strings, unknown_as_null};

use schema::{NodePoolState, FORCES_REPLACEMENT};

pub struct NodePoolResource {
    aws: SharedAws,
}

impl NodePoolResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

/// Plans a configuration: the preset's defaults, the computed values, the
/// checks (against AWS where the provider is configured).
async fn planned(
    aws: &SharedAws,
    diags: &mut Diagnostics,
    proposed: NodePoolState,
) -> NodePoolState {
    let mut planned = proposed;
    plan::fill_defaults(&mut planned);
    plan::plan_computed(&mut planned);
    plan::check_disruption(diags, &planned);
    if let Some(aws) = aws.get() {
        facts::check(&aws, diags, &planned).await;
    }
    planned
}

/// A state fit to save after a failed step: nothing may stay unknown.
fn settle(state: &mut NodePoolState) {
    unknown_as_null(&mut state.id);
    unknown_as_null(&mut state.node_class_name);
    unknown_as_null(&mut state.node_pool_names);
    unknown_as_null(&mut state.resolved_labels);
    unknown_as_null(&mut state.resolved_taints);
}

impl NodePoolResource {
    async fn write(
        &self,
        diags: &mut Diagnostics,
        planned: NodePoolState,
        previous: Vec<String>,
        what: &str,
    ) -> NodePoolState {
        let mut state = planned;
        let Some(aws) = configured(&self.aws, diags) else {
            return state;
        };
        let platform_id = known(&state.platform_id).unwrap_or_default().to_string();
        let name = known(&state.name).unwrap_or_default().to_string();
        let _writing = aws.reads.writing(&within(&platform_id, &name));
        // A platform made in the same apply could not be checked at plan.
        plan::plan_computed(&mut state);
        let result = match state.decode() {
            Ok(pool) => apply::apply(&aws, &platform_id, &pool, &previous).await,
            Err(err) => Err(err),
        };
        if let Err(err) = result {
            err.report(diags, what);
        }
        settle(&mut state);
        state
    }
}

#[async_trait]
impl Resource for NodePoolResource {
    type State = NodePoolState;
    type Private = Option<StructEmpty>;

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Self::State) {
        plan::validate(diags, &config);
    }

    async fn read(
        &self,
        diags: &mut Diagnostics,
        state: Self::State,
        private: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = configured(&self.aws, diags)?;
        match read::refresh(&aws, state.clone()).await {
            Ok(Some(state)) => Some((state, private)),
            Ok(None) => None,
            Err(err) => {
                err.report(diags, "Cannot read the node pool");
                Some((state, private))
            }
        }
    }

    async fn plan_create(
        &self,
        diags: &mut Diagnostics,
        proposed: Self::State,
        _config: Self::State,
        _prior_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        Some((planned(&self.aws, diags, proposed).await, None))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        _prior: Self::State,
        proposed: Self::State,
        _config: Self::State,
        prior_private: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let planned = planned(&self.aws, diags, proposed).await;
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
        let state = self
            .write(diags, planned, Vec::new(), "Cannot create the node pool")
            .await;
        Some((state, planned_private))
    }

    async fn update(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        planned: Self::State,
        _config: Self::State,
        planned_private: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let previous = strings(&prior.node_pool_names);
        let state = self
            .write(diags, planned, previous, "Cannot update the node pool")
            .await;
        Some((state, planned_private))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        _planned_private: Self::Private,
    ) -> Option<()> {
        let aws = configured(&self.aws, diags)?;
        let platform_id = known(&prior.platform_id).unwrap_or_default();
        let name = known(&prior.name).unwrap_or_default();
        let _writing = aws.reads.writing(&within(platform_id, name));
        let recorded = strings(&prior.node_pool_names);
        if let Err(err) = apply::destroy(&aws, platform_id, name, &recorded).await {
            err.report(diags, "Cannot destroy the node pool");
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
                    description: "The `id` of the pool's `emreks_platform`.",
                },
                IdentityAttribute {
                    name: "name",
                    required_for_import: true,
                    description: "The pool's name.",
                },
            ],
        })
    }

    fn identity(&self, state: &Self::State) -> Identity {
        [("platform_id", &state.platform_id), ("name", &state.name)]
            .into_iter()
            .filter_map(|(key, value)| Some((key.to_string(), known(value)?.to_string())))
            .collect()
    }

    fn import_id(&self, identity: &Identity) -> Result<String, String> {
        match (identity.get("platform_id"), identity.get("name")) {
            (Some(platform), Some(name)) => Ok(format!("{platform}:{name}")),
            _ => Err("The identity must set `platform_id` and `name`.".to_string()),
        }
    }

    async fn import(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = configured(&self.aws, diags)?;
        match read::import(&aws, &id).await {
            Ok(state) => Some((state, None)),
            Err(err) => {
                err.report(diags, "Cannot import the node pool");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::Value;

    #[test]
    fn a_failed_create_leaves_nothing_unknown() {
        let mut state = NodePoolState {
            id: Value::Unknown,
            node_pool_names: Value::Unknown,
            ..Default::default()
        };
        settle(&mut state);
        assert_eq!(state.id, Value::Null);
        assert_eq!(state.node_pool_names, Value::Null);
    }
}
