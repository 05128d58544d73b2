//! Retries of calls AWS refuses for a reason that passes. Throttling and
//! server errors are the SDK's own retries, configured here for every
//! client; a refusal about a role made seconds ago (IAM is eventually
//! consistent, so EKS or EMR may not be able to use it yet) is retried by
//! [`while_role_propagates`].

use std::future::Future;
use std::time::Duration;

use aws_sdk_eks::config::retry::{RetryConfig, RetryPartition, TokenBucket};

use super::wait::{jittered, Backoff};
use crate::error::{Error, Result};

/// The longest pause between two attempts of a throttled call.
pub const SDK_MAX_BACKOFF: Duration = Duration::from_secs(20);

/// The SDK's retries of every call: AWS's standard mode, `max_retries`
/// more attempts after the first, each pause random up to a doubling
/// ceiling (1 s, 2 s, 4 s ...) capped at [`SDK_MAX_BACKOFF`].
pub fn sdk_retry_config(max_retries: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(max_retries.saturating_add(1))
        .with_initial_backoff(Duration::from_secs(1))
        .with_max_backoff(SDK_MAX_BACKOFF)
}

/// The retry partition of one client (`service` names it): retries bounded
/// by `max_retries` alone. The SDK's default partition also draws each
/// retry from a process-wide quota of 500 tokens (5 a throttled retry,
/// only 1 back a first-try success), meant to stop retry storms against a
/// failing service; under steady throttling, as ten platforms' applies
/// meet in a busy account, it runs dry in a few hundred retries and every
/// call then fails on its first `ThrottlingException`. The pauses above
/// already spread the retries out.
pub fn sdk_retry_partition(service: &'static str) -> RetryPartition {
    RetryPartition::custom(service)
        .token_bucket(TokenBucket::unlimited())
        .build()
}

/// The pauses while a new role propagates: 0.5 s, doubling, at most 10 s.
pub const IAM_PROPAGATION: Backoff = Backoff {
    first: Duration::from_millis(500),
    cap: Duration::from_secs(10),
};

/// Sends `call` up to `tries` times while it fails with AWS's `code` and a
/// message about the role, pausing with [`IAM_PROPAGATION`] in between.
pub async fn while_role_propagates<T, F, Fut>(tries: u32, code: &str, mut call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Err(err) if role_not_ready(&err, code) && attempt + 1 < tries => {
                tracing::debug!(error = %err, "waiting for a new IAM role to propagate");
                tokio::time::sleep(jittered(IAM_PROPAGATION.delay(attempt))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn role_not_ready(err: &Error, code: &str) -> bool {
    err.has_code(code) && err.mentions("role")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_retries_are_bounded_by_count_and_pause() {
        let config = sdk_retry_config(25);
        assert_eq!(config.max_attempts(), 26);
        assert_eq!(config.initial_backoff(), Duration::from_secs(1));
        assert_eq!(config.max_backoff(), SDK_MAX_BACKOFF);
        assert_eq!(sdk_retry_config(u32::MAX).max_attempts(), u32::MAX);
    }

    #[test]
    fn the_pauses_double_up_to_ten_seconds() {
        let pauses: Vec<u64> = (0..8)
            .map(|n| IAM_PROPAGATION.delay(n).as_millis() as u64)
            .collect();
        assert_eq!(pauses, [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    }

    #[test]
    fn only_a_refusal_about_the_role_is_retried() {
        let refused = Error::aws_coded(
            "eks:CreateCluster",
            "c",
            "InvalidParameterException",
            "Role arn:aws:iam::1:role/r cannot be assumed",
        );
        assert!(role_not_ready(&refused, "InvalidParameterException"));
        assert!(!role_not_ready(&refused, "InvalidRequestException"));
        let other = Error::aws_coded(
            "eks:CreateCluster",
            "c",
            "InvalidParameterException",
            "bad subnet",
        );
        assert!(!role_not_ready(&other, "InvalidParameterException"));
    }

    #[tokio::test]
    async fn gives_up_after_the_last_try() {
        let mut sent = 0;
        let result: Result<()> = while_role_propagates(2, "InvalidRequestException", || {
            sent += 1;
            async {
                Err(Error::aws_coded(
                    "emr:CreateStudio",
                    "s",
                    "InvalidRequestException",
                    "Unable to assume the service role",
                ))
            }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(sent, 2);
    }
}
