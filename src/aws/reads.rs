//! Reads shared by the resources of one provider process. Terraform starts
//! a provider process per plan or apply and asks its resources in
//! parallel; many of them read the same facts (a platform's cluster, its
//! subnets, its saved settings, instance types). Each fact is read once:
//! the first asker reads, the others wait for that answer (single flight).
//! Facts are grouped by scope (a platform's name, or [`GLOBAL`] for what
//! no apply changes); whatever writes to a platform forgets its scope, so
//! a read after a write asks AWS again. Failures are not kept: the next
//! asker reads again.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::error::{Error, Result};

/// The scope of facts no apply of the provider changes (instance types,
/// their offerings).
pub const GLOBAL: &str = "";

type Shared = Arc<dyn Any + Send + Sync>;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Key {
    scope: String,
    what: String,
    kind: TypeId,
}

/// The facts read so far, by scope and name.
#[derive(Default)]
pub struct SharedReads {
    cells: Mutex<HashMap<Key, Arc<OnceCell<Shared>>>>,
}

impl SharedReads {
    /// The fact `what` of `scope`: read by `read` on first asking, then
    /// the same answer until the scope is forgotten.
    pub async fn read<T, F, Fut>(&self, scope: &str, what: &str, read: F) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>> + Send,
    {
        let key = Key {
            scope: scope.to_string(),
            what: what.to_string(),
            kind: TypeId::of::<T>(),
        };
        let cell = self.lock().entry(key).or_default().clone();
        let value = cell
            .get_or_try_init(|| async {
                // Boxed: the readers nest, and their futures' types with them.
                let read: Pin<Box<dyn Future<Output = Result<T>> + Send + '_>> = Box::pin(read());
                read.await.map(|value| Arc::new(value) as Shared)
            })
            .await?;
        // The key holds the type, so the value always is a `T`.
        value
            .downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| Error::aws_message("shared read", what, "a kept answer of another type"))
    }

    /// Forgets every fact of `scope` and of the scopes within it (named
    /// `<scope>/...`, see [`within`]): its objects are being changed.
    pub fn forget(&self, scope: &str) {
        let inner = format!("{scope}/");
        self.lock()
            .retain(|key, _| key.scope != scope && !key.scope.starts_with(&inner));
    }

    /// Marks a write to `scope`'s objects: its facts are forgotten now and
    /// again when the returned guard drops (the write is over), so no read
    /// made meanwhile outlives it.
    pub fn writing(&self, scope: &str) -> Writing<'_> {
        self.forget(scope);
        Writing {
            reads: self,
            scope: scope.to_string(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<OnceCell<Shared>>>> {
        // A panic elsewhere while holding the lock leaves the map whole.
        self.cells
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The scope of one object within `scope` (a nodegroup of a platform):
/// forgotten with its own writes and with `scope`'s.
pub fn within(scope: &str, object: &str) -> String {
    format!("{scope}/{object}")
}

/// A write in progress to a scope's objects; see [`SharedReads::writing`].
pub struct Writing<'a> {
    reads: &'a SharedReads,
    scope: String,
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.reads.forget(&self.scope);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn one_read_for_parallel_askers_and_again_after_forget() {
        let reads = Arc::new(SharedReads::default());
        let count = Arc::new(AtomicUsize::new(0));
        let ask = |reads: Arc<SharedReads>, count: Arc<AtomicUsize>| async move {
            reads
                .read("analytics", "cluster", || async {
                    count.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    Ok::<_, Error>(7u32)
                })
                .await
        };
        let answers =
            futures::future::join_all((0..8).map(|_| ask(reads.clone(), count.clone()))).await;
        assert!(answers.iter().all(|a| a.as_ref().ok() == Some(&7)));
        assert_eq!(count.load(Ordering::SeqCst), 1);
        reads.forget("other");
        ask(reads.clone(), count.clone()).await.ok();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        reads.forget("analytics");
        ask(reads.clone(), count.clone()).await.ok();
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_scope_forgets_the_scopes_within_it_and_not_its_namesakes() {
        let reads = SharedReads::default();
        let read = |scope: String, value: u32| {
            let reads = &reads;
            async move {
                reads
                    .read(&scope, "x", || async move { Ok(value) })
                    .await
                    .ok()
            }
        };
        read(within("analytics", "a"), 1).await;
        read("analytics-2".into(), 1).await;
        reads.forget(&within("analytics", "b"));
        assert_eq!(read(within("analytics", "a"), 2).await, Some(1));
        reads.forget("analytics");
        assert_eq!(read(within("analytics", "a"), 2).await, Some(2));
        assert_eq!(read("analytics-2".into(), 2).await, Some(1));
    }

    #[tokio::test]
    async fn a_failure_is_not_kept() {
        let reads = SharedReads::default();
        let failed: Result<u32> = reads
            .read(GLOBAL, "types", || async {
                Err(Error::aws_message("ec2:DescribeInstanceTypes", "x", "down"))
            })
            .await;
        assert!(failed.is_err());
        let read = reads.read(GLOBAL, "types", || async { Ok(3u32) }).await;
        assert_eq!(read.ok(), Some(3));
    }
}
