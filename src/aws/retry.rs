//! Retries of one call while AWS refuses it for a reason that passes: IAM
//! is eventually consistent, so EKS or EMR may not be able to use a role
//! made seconds ago, and say so as an invalid request about the role.
//! (Throttling and server errors are the SDK's own retries, set in
//! `config.rs`.)

use std::future::Future;
use std::time::Duration;

use super::wait::Backoff;
use crate::error::{Error, Result};

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
                tokio::time::sleep(IAM_PROPAGATION.delay(attempt)).await;
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
