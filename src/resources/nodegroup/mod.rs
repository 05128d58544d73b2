//! `emreks_nodegroup`: a Spark-tuned EKS managed nodegroup in one
//! availability zone, from a role preset that matches the platform's pod
//! templates, scaling from zero with Cluster Autoscaler. This file is the
//! Terraform face of it; `schema` holds what Terraform exchanges and the
//! typed spec, `plan` and `facts` the planning, `apply` the lifecycle,
//! `read` refresh and import.

mod apply;
mod facts;
mod flatten;
pub mod list;
mod plan;
mod read;
mod schema;
mod validate;

pub use flatten::taints_of;
pub use plan::shape as instance_shape;
pub use schema::{taints_attribute, taints_from, taints_value, TaintState};
pub use validate::check_labels_and_taints;

use async_trait::async_trait;

use crate::aws::reads::within;
use crate::aws::SharedAws;
use crate::platform::naming;
use crate::plugin::identity::{Identity, IdentityAttribute, IdentitySchema};
use crate::plugin::resource::Resource;
use crate::plugin::schema::Schema;
use crate::plugin::value::StructEmpty;
use crate::plugin::{AttributePath, Diagnostics, Value};
use crate::resources::configured;
use crate::resources::values::{known, map_is_unknown, to_map};

use apply::Built;
use schema::{NodegroupSpec, NodegroupState, Recorded, FORCES_REPLACEMENT};

pub struct NodegroupResource {
    aws: SharedAws,
}

impl NodegroupResource {
    pub fn new(aws: SharedAws) -> Self {
        Self { aws }
    }
}

#[async_trait]
impl Resource for NodegroupResource {
    type State = NodegroupState;
    type Private = Option<StructEmpty>;

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
        state: Self::State,
        private: Self::Private,
    ) -> Option<(Self::State, Self::Private)> {
        let aws = configured(&self.aws, diags)?;
        match read::refresh(&aws, state.clone()).await {
            Ok(Some(state)) => Some((state, private)),
            Ok(None) => None,
            Err(err) => {
                err.report(diags, "Cannot read the nodegroup");
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
        let mut planned = proposed;
        plan::fill_defaults(&mut planned);
        planned.id = match (known(&planned.platform_id), known(&planned.name)) {
            (Some(platform), Some(name)) => {
                Value::Value(crate::platform::naming::nodegroup_id(platform, name))
            }
            _ => Value::Unknown,
        };
        for value in [
            &mut planned.arn,
            &mut planned.status,
            &mut planned.subnet_id,
            &mut planned.launch_template_id,
        ] {
            *value = Value::Unknown;
        }
        planned.autoscaling_group_names = Value::Unknown;
        plan::plan_resolved(&mut planned);
        if let Some(aws) = self.aws.get() {
            planned.tags_all = if map_is_unknown(&planned.tags) || planned.platform_id.is_unknown()
            {
                Value::Unknown
            } else {
                to_map(&plan::tags_all(&aws.default_tags, &planned))
            };
            let sized = match facts::plan_facts(&aws, &planned).await {
                Some(found) => {
                    facts::check_with_aws(&aws, diags, &planned, &found).await;
                    facts::sizing(&planned, &found, diags)
                }
                None => None,
            };
            plan::set_sizing(&mut planned, sized);
        } else {
            plan::set_sizing(&mut planned, None);
        }
        validate::validate_sizes(diags, &planned);
        Some((planned, None))
    }

    async fn plan_update(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        proposed: Self::State,
        _config: Self::State,
        prior_private: Self::Private,
    ) -> Option<(Self::State, Self::Private, Vec<AttributePath>)> {
        let mut planned = proposed;
        plan::fill_defaults(&mut planned);
        plan::plan_resolved(&mut planned);
        if let Some(aws) = self.aws.get() {
            planned.tags_all = if map_is_unknown(&planned.tags) {
                Value::Unknown
            } else {
                to_map(&plan::tags_all(&aws.default_tags, &planned))
            };
            if let Some(found) = facts::plan_facts(&aws, &planned).await {
                if planned != prior {
                    facts::check_with_aws(&aws, diags, &planned, &found).await;
                }
                // Sized again each plan: the platform's job profiles may have changed.
                if let Some(sized) = facts::sizing(&planned, &found, diags) {
                    plan::set_sizing(&mut planned, Some(sized));
                }
            }
        }
        validate::validate_sizes(diags, &planned);
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
        // What this process read of the nodegroup is stale once this writes;
        // nothing it read of the platform changes.
        let _writing = aws.reads.writing(&within(
            known(&planned.platform_id).unwrap_or_default(),
            known(&planned.name).unwrap_or_default(),
        ));
        let spec = match NodegroupSpec::decode(&planned) {
            Ok(spec) => spec,
            Err(err) => {
                err.report(diags, "Cannot create the nodegroup");
                return None;
            }
        };
        let mut state = planned;
        if state.pods_per_node.is_unknown() {
            // The platform came in the same apply: size against it now.
            let sized = match facts::plan_facts(&aws, &state).await {
                Some(found) => facts::sizing(&state, &found, diags),
                None => None,
            };
            plan::set_sizing(&mut state, Some(sized.unwrap_or_default()));
        }
        let mut built = Built::default();
        let created = apply::create(&aws, &spec, &mut built).await;
        flatten::built(&mut state, &built);
        if let Err(err) = created {
            err.report(diags, "Cannot create the nodegroup");
        }
        plan::settle(&mut state);
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
        let aws = configured(&self.aws, diags)?;
        // What this process read of the nodegroup is stale once this writes;
        // nothing it read of the platform changes.
        let _writing = aws.reads.writing(&within(
            known(&prior.platform_id).unwrap_or_default(),
            known(&prior.name).unwrap_or_default(),
        ));
        let mut state = planned;
        let mut built = Built::default();
        let updated = match NodegroupSpec::decode(&state) {
            Ok(spec) => apply::update(&aws, &Recorded::decode(&prior), &spec, &mut built).await,
            Err(err) => Err(err),
        };
        flatten::built(&mut state, &built);
        if let Err(err) = updated {
            err.report(diags, "Cannot update the nodegroup");
        }
        plan::settle(&mut state);
        Some((state, planned_private))
    }

    async fn destroy(
        &self,
        diags: &mut Diagnostics,
        prior: Self::State,
        _planned_private: Self::Private,
    ) -> Option<()> {
        let aws = configured(&self.aws, diags)?;
        // What this process read of the nodegroup is stale once this writes;
        // nothing it read of the platform changes.
        let _writing = aws.reads.writing(&within(
            known(&prior.platform_id).unwrap_or_default(),
            known(&prior.name).unwrap_or_default(),
        ));
        match apply::destroy(&aws, &Recorded::decode(&prior)).await {
            Ok(Some(note)) => diags.root_warning("Left alone: not this nodegroup", note),
            Ok(None) => {}
            Err(err) => err.report(diags, "Cannot destroy the nodegroup"),
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
                    description: "The `id` of the nodegroup's `emreks_platform`.",
                },
                IdentityAttribute {
                    name: "name",
                    required_for_import: true,
                    description: "The nodegroup's name.",
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
            (Some(platform), Some(name)) => Ok(naming::nodegroup_id(platform, name)),
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
            Ok(mut state) => {
                // Sized as a plan would size it, so the next plan changes nothing.
                let mut scratch = Diagnostics::default();
                let sized = match facts::plan_facts(&aws, &state).await {
                    Some(found) => facts::sizing(&state, &found, &mut scratch),
                    None => None,
                };
                plan::set_sizing(&mut state, Some(sized.unwrap_or_default()));
                Some((state, None))
            }
            Err(err) => {
                err.report(diags, "Cannot import the nodegroup");
                None
            }
        }
    }
}
