//! Service-linked roles: account-wide roles an AWS service acts through,
//! shared with whatever else uses the service, so made but never deleted.

use crate::aws::Aws;
use crate::error::{AwsContext, Result};

/// Makes the service's linked role unless the account has it.
pub async fn ensure_service_linked_role(aws: &Aws, service: &str, what: &str) -> Result<()> {
    let created = aws
        .iam
        .create_service_linked_role()
        .aws_service_name(service)
        .send()
        .await
        .context("iam:CreateServiceLinkedRole", what);
    match created {
        Err(err) if err.mentions("has been taken") || err.is_already_exists() => Ok(()),
        other => other.map(drop),
    }
}
