//! The provider: its configuration (in `schema`), the AWS clients it
//! builds from it once Terraform configures it, and the resources it serves.

mod schema;

use async_trait::async_trait;

use crate::aws::config;
use crate::aws::SharedAws;
use crate::plugin::action::{DynAction, RegisteredAction};
use crate::plugin::data_source::{DynDataSource, RegisteredDataSource};
use crate::plugin::ephemeral::{DynEphemeral, RegisteredEphemeral};
use crate::plugin::list::{DynListResource, RegisteredList};
use crate::plugin::provider::Provider;
use crate::plugin::resource::{DynResource, Registered};
use crate::plugin::schema::Schema;
use crate::plugin::{AttributePath, Diagnostics};
use crate::resources::cluster_auth::ClusterAuthResource;
use crate::resources::node_pool::NodePoolResource;
use crate::resources::nodegroup::list::NodegroupList;
use crate::resources::nodegroup::NodegroupResource;
use crate::resources::notebook_user::list::NotebookUserList;
use crate::resources::notebook_user::NotebookUserResource;
use crate::resources::platform::list::PlatformList;
use crate::resources::platform::PlatformResource;
use crate::resources::platform_data::PlatformDataSource;
use crate::resources::spark_job::SparkJobAction;
use schema::{settings_from_config, ProviderConfig};

#[derive(Default)]
pub struct EmrEksProvider {
    aws: SharedAws,
}

#[async_trait]
impl Provider for EmrEksProvider {
    type Config = ProviderConfig;

    fn name(&self) -> &'static str {
        "emreks"
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn validate(&self, diags: &mut Diagnostics, config: Self::Config) {
        settings_from_config(diags, &config);
    }

    async fn configure(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: Self::Config,
    ) {
        let settings = settings_from_config(diags, &config);
        if settings.region.is_none() {
            diags.error(
                "No AWS region",
                "Set the provider's `region`, or AWS_REGION, or a region in the AWS profile.",
                AttributePath::new("region"),
            );
        }
        if !diags.has_errors() {
            match config::build(&settings).await {
                Ok(aws) => {
                    // Like the hashicorp/aws provider: bad credentials fail here, once,
                    // rather than in the middle of an apply.
                    if !settings.skip_credentials_validation {
                        if let Err(err) = aws.account_id().await {
                            diags.root_error(
                                "Invalid AWS credentials",
                                format!("{err}. Check the credentials, or set skip_credentials_validation."),
                            );
                            return;
                        }
                    }
                    self.aws.set(aws)
                }
                Err(why) => diags.root_error("Cannot configure AWS", why),
            }
        }
    }

    fn resources(&self) -> Vec<(&'static str, Box<dyn DynResource>)> {
        vec![
            (
                "platform",
                Box::new(Registered::new(PlatformResource::new(self.aws.clone()))),
            ),
            (
                "nodegroup",
                Box::new(Registered::new(NodegroupResource::new(self.aws.clone()))),
            ),
            (
                "notebook_user",
                Box::new(Registered::new(NotebookUserResource::new(self.aws.clone()))),
            ),
            (
                "node_pool",
                Box::new(Registered::new(NodePoolResource::new(self.aws.clone()))),
            ),
        ]
    }

    fn ephemeral_resources(&self) -> Vec<(&'static str, Box<dyn DynEphemeral>)> {
        vec![(
            "cluster_auth",
            Box::new(RegisteredEphemeral::new(ClusterAuthResource::new(
                self.aws.clone(),
            ))),
        )]
    }

    fn data_sources(&self) -> Vec<(&'static str, Box<dyn DynDataSource>)> {
        vec![(
            "platform",
            Box::new(RegisteredDataSource::new(PlatformDataSource::new(
                self.aws.clone(),
            ))),
        )]
    }

    fn list_resources(&self) -> Vec<(&'static str, Box<dyn DynListResource>)> {
        vec![
            (
                "platform",
                Box::new(RegisteredList::new(PlatformList::new(self.aws.clone()))),
            ),
            (
                "nodegroup",
                Box::new(RegisteredList::new(NodegroupList::new(self.aws.clone()))),
            ),
            (
                "notebook_user",
                Box::new(RegisteredList::new(NotebookUserList::new(self.aws.clone()))),
            ),
        ]
    }

    fn actions(&self) -> Vec<(&'static str, Box<dyn DynAction>)> {
        vec![(
            "spark_job",
            Box::new(RegisteredAction::new(SparkJobAction::new(self.aws.clone()))),
        )]
    }
}
