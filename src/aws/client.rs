//! The AWS clients of one provider instance, configured once, and what
//! every call shares: the region, its partition, the account, the
//! provider's default tags.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use tokio::sync::OnceCell;

use crate::error::{AwsContext, Error, Result};

/// Every AWS client a resource may need, configured once per provider instance.
pub struct Aws {
    pub region: String,
    pub partition: String,
    /// Tags the provider adds to every taggable object it creates.
    pub default_tags: BTreeMap<String, String>,
    pub eks: aws_sdk_eks::Client,
    pub emrcontainers: aws_sdk_emrcontainers::Client,
    pub emr: aws_sdk_emr::Client,
    pub iam: aws_sdk_iam::Client,
    pub s3: aws_sdk_s3::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub sts: aws_sdk_sts::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub autoscaling: aws_sdk_autoscaling::Client,
    /// Overrides the Kubernetes API URL of every cluster (tests, proxies).
    pub kubernetes_endpoint: Option<String>,
    /// Region and credentials, for what signs requests itself (EKS tokens).
    pub sdk_config: aws_config::SdkConfig,
    pub(super) account_id: OnceCell<String>,
    /// What the resources of this process read in common, read once.
    pub reads: super::reads::SharedReads,
}

impl Aws {
    /// The account the credentials belong to, asked of STS once.
    pub async fn account_id(&self) -> Result<&str> {
        self.account_id
            .get_or_try_init(|| async {
                let identity = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .context("sts:GetCallerIdentity", "caller")?;
                identity.account.ok_or_else(|| {
                    Error::aws_message(
                        "sts:GetCallerIdentity",
                        "caller",
                        "the response has no account",
                    )
                })
            })
            .await
            .map(String::as_str)
    }

    /// ARN of an AWS-managed IAM policy in this partition.
    pub fn managed_policy_arn(&self, name: &str) -> String {
        format!("arn:{}:iam::aws:policy/{}", self.partition, name)
    }
}

/// The configured clients, shared between the provider and its resources
/// (resources are built before Terraform configures the provider).
#[derive(Clone, Default)]
pub struct SharedAws(Arc<RwLock<Option<Arc<Aws>>>>);

impl SharedAws {
    pub fn set(&self, aws: Aws) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(Arc::new(aws));
        }
    }

    /// The clients, once Terraform has configured the provider.
    pub fn get(&self) -> Option<Arc<Aws>> {
        self.0.read().ok().and_then(|slot| slot.clone())
    }
}

/// The AWS partition a region belongs to.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions() {
        assert_eq!(partition_of("eu-west-1"), "aws");
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
    }
}
