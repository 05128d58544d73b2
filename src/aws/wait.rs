//! Waiting on AWS: polls with capped exponential backoff until an object
//! settles, giving up promptly when Terraform asks the provider to stop
//! (what exists is then in the state); and deletes retried while network
//! interfaces AWS services made still hold what is being deleted.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// What one poll saw.
pub enum Poll<T> {
    /// Done, with the final description.
    Ready(T),
    /// Still changing; the status is reported if the wait times out.
    Pending(String),
    /// Settled in a state that will never become ready.
    Failed(String),
}

/// Backoff between polls: starts at `first`, doubles, never exceeds `cap`.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub first: Duration,
    pub cap: Duration,
}

impl Backoff {
    /// For operations that take minutes on AWS (clusters, nodegroups, endpoints).
    pub const SLOW: Backoff = Backoff {
        first: Duration::from_millis(500),
        cap: Duration::from_secs(30),
    };
    /// For operations that take seconds (NAT gateways, add-ons).
    pub const FAST: Backoff = Backoff {
        first: Duration::from_millis(250),
        cap: Duration::from_secs(10),
    };

    /// The delay before poll number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(16));
        self.first.saturating_mul(factor).min(self.cap)
    }

    /// The delay before the next poll of a wait that has lasted `waited`:
    /// a tenth of it, between `first` and `cap`. The object is then seen
    /// ready at most a tenth (or `first`) after it became so, where
    /// doubling delays could see it up to twice as late; the polls grow
    /// geometrically all the same, so a long wait stays cheap in calls (a
    /// ten-minute cluster: about 70 polls, most of them in its first
    /// minute, then one every 24-30 s).
    pub fn after(&self, waited: Duration) -> Duration {
        (waited / 10).clamp(self.first, self.cap.max(self.first))
    }
}

/// `delay` made random in its upper half ("equal jitter"): retries that
/// start together (ten platforms' calls throttled at once) then spread
/// over time instead of reaching a throttled API in step, and no pause
/// exceeds its backoff's cap.
pub fn jittered(delay: Duration) -> Duration {
    let half = delay / 2;
    half + half.mul_f64(rand::random::<f64>())
}

/// A poll's pause made random in its top fifth: waits that start together
/// (a platform's nodegroups) drift apart by up to a fifth of a pause at
/// every poll, so their calls spread out within a few polls, while each
/// stays close to its interval: the pause bounds how late a ready object
/// is seen, and equal jitter would halve it on average for no gain.
pub fn spread(delay: Duration) -> Duration {
    let fifth = delay / 5;
    delay - fifth.mul_f64(rand::random::<f64>())
}

/// Polls until `poll` is ready, fails, or `timeout` passes.
pub async fn until<T, F, Fut>(
    operation: &str,
    resource: &str,
    timeout: Duration,
    backoff: Backoff,
    mut poll: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>>>,
{
    let started = Instant::now();
    loop {
        match poll().await? {
            Poll::Ready(value) => return Ok(value),
            Poll::Failed(why) => return Err(Error::aws_message(operation, resource, why)),
            Poll::Pending(status) => {
                let elapsed = started.elapsed();
                if elapsed >= timeout {
                    return Err(Error::aws_message(
                        operation,
                        resource,
                        format!(
                            "still {status} after {}s; raise the `timeouts` of this resource if AWS is slow",
                            elapsed.as_secs()
                        ),
                    ));
                }
                tracing::debug!(operation, resource, status, "waiting");
                let delay = spread(backoff.after(elapsed)).min(timeout - elapsed);
                if crate::plugin::stop::sleep_or_stop(delay).await {
                    return Err(Error::aws_message(operation, resource, format!(
                        "stopped while {status}: Terraform was interrupted; what exists is recorded in the state and the next apply continues"
                    )));
                }
            }
        }
    }
}

/// Runs a delete until AWS stops answering `DependencyViolation`: network
/// interfaces AWS services made (EKS, load balancers, EMR) hold subnets,
/// VPCs and security groups for minutes after their owner is gone. A delete
/// of something already gone counts as done.
pub async fn delete_when_released<F, Fut>(
    operation: &str,
    resource: &str,
    timeout: Duration,
    mut delete: F,
) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    until(operation, resource, timeout, Backoff::FAST, || {
        let attempt = delete();
        async move {
            match attempt.await {
                Ok(()) => Ok(Poll::Ready(())),
                Err(err) if err.is_not_found() => Ok(Poll::Ready(())),
                Err(err) if err.has_code("DependencyViolation") => Ok(Poll::Pending(
                    "in use by network interfaces AWS has not released yet".into(),
                )),
                Err(err) => Err(err),
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps() {
        let backoff = Backoff {
            first: Duration::from_secs(1),
            cap: Duration::from_secs(5),
        };
        let delays: Vec<u64> = (0..5).map(|n| backoff.delay(n).as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 5, 5]);
        assert_eq!(backoff.delay(1000), Duration::from_secs(5));
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        let delay = Duration::from_secs(8);
        for _ in 0..200 {
            let pause = jittered(delay);
            assert!(
                pause >= Duration::from_secs(4) && pause <= delay,
                "{pause:?}"
            );
        }
        assert_eq!(jittered(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn spread_stays_in_the_top_fifth() {
        let delay = Duration::from_secs(10);
        for _ in 0..200 {
            let pause = spread(delay);
            assert!(
                pause >= Duration::from_secs(8) && pause <= delay,
                "{pause:?}"
            );
        }
        assert_eq!(spread(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn polls_a_tenth_of_the_wait_apart_within_bounds() {
        let backoff = Backoff {
            first: Duration::from_millis(500),
            cap: Duration::from_secs(30),
        };
        assert_eq!(backoff.after(Duration::ZERO), Duration::from_millis(500));
        assert_eq!(
            backoff.after(Duration::from_secs(12)),
            Duration::from_millis(1200)
        );
        assert_eq!(
            backoff.after(Duration::from_secs(600)),
            Duration::from_secs(30)
        );
    }

    #[tokio::test]
    async fn waits_until_ready() {
        let mut polls = 0;
        let fast = Backoff {
            first: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        };
        let result = until(
            "eks:DescribeCluster",
            "c",
            Duration::from_secs(5),
            fast,
            || {
                polls += 1;
                let n = polls;
                async move {
                    Ok(if n < 3 {
                        Poll::Pending("CREATING".into())
                    } else {
                        Poll::Ready(n)
                    })
                }
            },
        )
        .await;
        assert_eq!(result.ok(), Some(3));
    }

    #[tokio::test]
    async fn times_out_with_the_last_status() {
        let fast = Backoff {
            first: Duration::from_millis(1),
            cap: Duration::from_millis(1),
        };
        let result: Result<(), _> = until("op", "r", Duration::from_millis(20), fast, || async {
            Ok(Poll::Pending("CREATING".into()))
        })
        .await;
        let err = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("still CREATING"), "{err}");
    }

    #[tokio::test]
    async fn a_failed_state_stops_waiting() {
        let result: Result<(), _> =
            until("op", "r", Duration::from_secs(5), Backoff::FAST, || async {
                Ok(Poll::Failed("status FAILED".into()))
            })
            .await;
        assert!(result.is_err());
    }
}
