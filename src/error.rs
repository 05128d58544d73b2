//! The provider's one error type. Whatever fails below a resource (a value
//! of the configuration found wrong only at apply, an AWS call, a request
//! to a cluster's Kubernetes API) is an [`Error`], and [`Error::report`] is
//! the one place it becomes a Terraform diagnostic: a configuration error
//! then points at its attribute however late it was found.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::plugin::{AttributePath, Diagnostics};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A configuration value the provider cannot act on; `why` says what is allowed.
    #[error("{}", located(path, why))]
    Config { path: AttributePath, why: String },
    /// An AWS call failed, or answered without what the provider needs.
    #[error("{operation} on {resource} failed: {message}")]
    Aws {
        /// `service:Operation`, e.g. `eks:CreateCluster`.
        operation: String,
        /// What the operation acted on, e.g. `EKS cluster "analytics"`.
        resource: String,
        /// AWS's error code, when there was one (`ResourceNotFoundException`).
        code: Option<String>,
        message: String,
    },
    /// A request to a cluster's Kubernetes API failed.
    #[error("{operation} on {resource} failed: {message}")]
    Kubernetes {
        /// `k8s:apply`, `k8s:get`, `k8s:delete` or `k8s:connect`.
        operation: String,
        resource: String,
        /// The API status's reason (`Forbidden`, `NotFound`), when it gave one.
        reason: Option<String>,
        message: String,
    },
    /// An object the provider was about to change or delete belongs to
    /// another platform, or to no platform: it is left alone.
    #[error("{resource} is not platform \"{platform}\"'s: {}", owner_text(owner))]
    NotOurs {
        resource: String,
        platform: String,
        /// The platform its ownership tag names, or `None` without the tag.
        /// `platform` and `owner` are the marker (`<name>-<suffix>`) where
        /// there is one.
        owner: Option<String>,
    },
}

fn located(path: &AttributePath, why: &str) -> String {
    if path.is_root() {
        why.to_string()
    } else {
        format!("{path}: {why}")
    }
}

fn owner_text(owner: &Option<String>) -> String {
    match owner {
        Some(owner) => format!("it belongs to platform \"{owner}\""),
        None => "it carries no platform tag".to_string(),
    }
}

/// AWS error codes that mean "no such object".
const NOT_FOUND_CODES: [&str; 12] = [
    "ResourceNotFoundException",
    "NoSuchEntity",
    "NoSuchBucket",
    "NotFoundException",
    "InvalidVpcID.NotFound",
    "InvalidSubnetID.NotFound",
    "InvalidInternetGatewayID.NotFound",
    "InvalidRouteTableID.NotFound",
    "InvalidAllocationID.NotFound",
    "InvalidAssociationID.NotFound",
    "NatGatewayNotFound",
    "InvalidGroup.NotFound",
];

/// AWS error codes that mean "it exists already".
const ALREADY_EXISTS_CODES: [&str; 3] = [
    "EntityAlreadyExists",
    "ResourceInUseException",
    "ResourceAlreadyExistsException",
];

impl Error {
    pub fn config(path: AttributePath, why: impl Into<String>) -> Self {
        Error::Config {
            path,
            why: why.into(),
        }
    }

    /// What `terraform import` was given cannot be imported: the id is
    /// malformed, or names an object this provider did not make.
    pub fn import_refused(what: impl std::fmt::Display, why: impl std::fmt::Display) -> Self {
        Error::Config {
            path: AttributePath::root(),
            why: format!("cannot import {what}: {why}"),
        }
    }

    /// A failed SDK call, in words that say what failed and why.
    pub fn aws<E>(
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
        Error::Aws {
            operation: operation.into(),
            resource: resource.into(),
            code,
            message,
        }
    }

    /// An AWS operation that answered, but not with what the provider needs
    /// (no id in a response, a status that never settles, ...).
    pub fn aws_message(
        operation: &str,
        resource: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Aws {
            operation: operation.into(),
            resource: resource.into(),
            code: None,
            message: message.into(),
        }
    }

    pub fn kubernetes(
        operation: &str,
        resource: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Kubernetes {
            operation: operation.into(),
            resource: resource.into(),
            reason: None,
            message: message.into(),
        }
    }

    /// AWS's error code, or the Kubernetes status reason.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Aws { code, .. } => code.as_deref(),
            Error::Kubernetes { reason, .. } => reason.as_deref(),
            Error::Config { .. } | Error::NotOurs { .. } => None,
        }
    }

    pub fn has_code(&self, code: &str) -> bool {
        self.code() == Some(code)
    }

    /// Whether the message mentions `words`, in any case (AWS tells some
    /// refusals apart only in words).
    pub fn mentions(&self, words: &str) -> bool {
        let message = match self {
            Error::Aws { message, .. } | Error::Kubernetes { message, .. } => message,
            Error::Config { why, .. } => why,
            Error::NotOurs { .. } => return false,
        };
        message.to_lowercase().contains(&words.to_lowercase())
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Aws { code: Some(code), .. } if NOT_FOUND_CODES.contains(&code.as_str()))
    }

    pub fn is_already_exists(&self) -> bool {
        matches!(self, Error::Aws { code: Some(code), .. } if ALREADY_EXISTS_CODES.contains(&code.as_str()))
    }

    /// The error as a Terraform diagnostic under `summary`: on its attribute
    /// for a configuration error, on the resource as a whole otherwise.
    pub fn report(&self, diags: &mut Diagnostics, summary: &str) {
        match self {
            Error::Config { path, why } => diags.error(summary, why.clone(), path.clone()),
            other => diags.root_error(summary, other.to_string()),
        }
    }
}

#[cfg(test)]
impl Error {
    /// An AWS error with `code`, as the SDK reports one.
    pub fn aws_coded(operation: &str, resource: &str, code: &str, message: &str) -> Self {
        Error::Aws {
            operation: operation.into(),
            resource: resource.into(),
            code: Some(code.into()),
            message: format!("{code}: {message}"),
        }
    }
}

/// SDK results with the operation and the object named in their error.
pub trait AwsContext<T> {
    fn context(self, operation: &str, resource: impl Into<String>) -> Result<T>;
}

impl<T, E> AwsContext<T> for std::result::Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    fn context(self, operation: &str, resource: impl Into<String>) -> Result<T> {
        self.map_err(|err| Error::aws(operation, resource, err))
    }
}

/// "Not found" as an answer rather than a failure.
pub trait NotFound<T> {
    /// For finders: a missing object is `None`.
    fn found(self) -> Result<Option<T>>;
    /// For deletes: what is already gone is deleted.
    fn ignore_not_found(self) -> Result<()>;
}

impl<T> NotFound<T> for Result<T> {
    fn found(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }

    fn ignore_not_found(self) -> Result<()> {
        self.found().map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coded(code: &str) -> Error {
        Error::Aws {
            operation: "ec2:DeleteVpc".into(),
            resource: "vpc-1".into(),
            code: Some(code.into()),
            message: format!("{code}: gone"),
        }
    }

    #[test]
    fn names_operation_and_resource() {
        let err = Error::aws_message("eks:CreateCluster", "cluster \"a\"", "boom");
        assert_eq!(
            err.to_string(),
            "eks:CreateCluster on cluster \"a\" failed: boom"
        );
    }

    #[test]
    fn not_found_is_ignored_on_delete() {
        assert!(Err::<(), _>(coded("InvalidVpcID.NotFound"))
            .ignore_not_found()
            .is_ok());
        let other = Error::aws_message("ec2:DeleteVpc", "vpc-1", "denied");
        assert!(Err::<(), _>(other).ignore_not_found().is_err());
        assert_eq!(Err::<(), _>(coded("NoSuchEntity")).found(), Ok(None));
    }

    #[test]
    fn a_late_configuration_error_points_at_its_attribute() {
        let err = Error::config(AttributePath::new("vpc_cidr"), "too small");
        assert_eq!(err.to_string(), "vpc_cidr: too small");
        let mut diags = Diagnostics::default();
        err.report(&mut diags, "Cannot create the platform");
        let sent = diags.to_proto();
        assert_eq!(sent[0].detail, "too small");
        assert!(sent[0].attribute.is_some());

        let mut diags = Diagnostics::default();
        coded("Throttling").report(&mut diags, "Cannot create the platform");
        assert!(diags.to_proto()[0].attribute.is_none());
    }

    #[test]
    fn codes_and_messages_classify() {
        assert!(coded("EntityAlreadyExists").is_already_exists());
        assert!(!coded("EntityAlreadyExists").is_not_found());
        let role = Error::Aws {
            operation: "eks:CreateCluster".into(),
            resource: "c".into(),
            code: Some("InvalidParameterException".into()),
            message: "InvalidParameterException: Role cannot be assumed".into(),
        };
        assert!(role.has_code("InvalidParameterException") && role.mentions("role"));
        assert!(!role.has_code("InvalidRequestException"));
        let foreign = Error::NotOurs {
            resource: "IAM role \"r\"".into(),
            platform: "a".into(),
            owner: Some("b".into()),
        };
        assert!(foreign.to_string().contains("belongs to platform \"b\""));
    }
}
