//! Terraform's `StopProvider` (sent on Ctrl-C or a cancelled run): waits and
//! retry loops watch this signal, give up promptly and let the operation
//! return what it made so far, so Terraform saves the partial state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use tokio::sync::Notify;

static STOPPING: AtomicBool = AtomicBool::new(false);

fn notify() -> &'static Notify {
    static NOTIFY: OnceLock<Notify> = OnceLock::new();
    NOTIFY.get_or_init(Notify::new)
}

/// Asks every in-flight operation to stop.
pub fn request() {
    STOPPING.store(true, Ordering::SeqCst);
    notify().notify_waiters();
}

pub fn requested() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// Completes once a stop is requested (at once if it already was).
pub async fn requested_signal() {
    loop {
        let notified = notify().notified();
        if requested() {
            return;
        }
        notified.await;
        if requested() {
            return;
        }
    }
}

/// Sleeps for `duration`, or less if a stop comes first; true when stopped.
pub async fn sleep_or_stop(duration: std::time::Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(duration) => requested(),
        _ = requested_signal() => true,
    }
}
