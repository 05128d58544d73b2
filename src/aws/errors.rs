//! AWS failures as messages that say which operation failed on which resource.

use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

#[derive(Debug, Clone)]
pub struct AwsError {
    /// `service:Operation`, e.g. `eks:CreateCluster`.
    pub operation: String,
    /// What the operation was acting on, e.g. `cluster "analytics"`.
    pub resource: String,
    /// AWS's error code, when there was one (`ResourceNotFoundException`).
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    pub fn sdk<E>(
        operation: &str,
        resource: impl Into<String>,
        err: SdkError<E, HttpResponse>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let code = err.code().map(str::to_string);
        let message = match (&err, err.code(), err.message()) {
            (_, Some(code), Some(message)) => format!("{code}: {message}"),
            (_, Some(code), None) => code.to_string(),
            (SdkError::ServiceError(context), None, _) => format!(
                "HTTP {} without an AWS error in the response (is the endpoint an AWS API?)",
                context.raw().status().as_u16()
            ),
            (SdkError::TimeoutError(_), _, _) => "the request timed out".to_string(),
            (SdkError::DispatchFailure(failure), _, _) => match failure.as_connector_error() {
                Some(cause) => format!(
                    "could not reach the endpoint: {}",
                    DisplayErrorContext(cause)
                ),
                None => "could not reach the endpoint".to_string(),
            },
            _ => DisplayErrorContext(&err).to_string(),
        };
        Self {
            operation: operation.into(),
            resource: resource.into(),
            code,
            message,
        }
    }

    pub fn message(
        operation: &str,
        resource: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            operation: operation.into(),
            resource: resource.into(),
            code: None,
            message: message.into(),
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some(
                "ResourceNotFoundException"
                    | "NoSuchEntity"
                    | "NoSuchBucket"
                    | "NotFoundException"
                    | "InvalidVpcID.NotFound"
                    | "InvalidSubnetID.NotFound"
                    | "InvalidInternetGatewayID.NotFound"
                    | "InvalidRouteTableID.NotFound"
                    | "InvalidAllocationID.NotFound"
                    | "InvalidAssociationID.NotFound"
                    | "NatGatewayNotFound"
                    | "InvalidGroup.NotFound"
            )
        )
    }

    pub fn is_already_exists(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some(
                "EntityAlreadyExists" | "ResourceInUseException" | "ResourceAlreadyExistsException"
            )
        )
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {} failed: {}",
            self.operation, self.resource, self.message
        )
    }
}

impl std::error::Error for AwsError {}

/// Treats "not found" as success: deleting what is already gone is done.
pub fn ignore_not_found(result: Result<(), AwsError>) -> Result<(), AwsError> {
    match result {
        Err(err) if err.is_not_found() => Ok(()),
        other => other,
    }
}

/// Turns "not found" into `None`: for reads, where a missing object is an answer.
pub fn found<T>(result: Result<T, AwsError>) -> Result<Option<T>, AwsError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_operation_and_resource() {
        let err = AwsError::message("eks:CreateCluster", "cluster \"a\"", "boom");
        assert_eq!(
            err.to_string(),
            "eks:CreateCluster on cluster \"a\" failed: boom"
        );
    }

    #[test]
    fn not_found_is_ignored_on_delete() {
        let mut err = AwsError::message("ec2:DeleteVpc", "vpc-1", "gone");
        err.code = Some("InvalidVpcID.NotFound".into());
        assert!(ignore_not_found(Err(err)).is_ok());
        let other = AwsError::message("ec2:DeleteVpc", "vpc-1", "denied");
        assert!(ignore_not_found(Err(other)).is_err());
    }
}
