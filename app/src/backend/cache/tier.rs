//! One kind of cached value: a bounded moka cache with coalesced loads and counters.

use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache as Moka;
use moka::notification::RemovalCause;

/// Approximate heap bytes of a cached key or value, for the memory budget.
pub trait Weigh {
    fn weigh(&self) -> usize;
}

/// Limits of one tier.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: u64,
    pub time_to_live: Duration,
    pub time_to_idle: Duration,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    loads: AtomicU64,
    evictions: AtomicU64,
    invalidations: AtomicU64,
}

/// Counts of one tier, for `/metrics`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TierStats {
    pub name: &'static str,
    /// Reads answered without a database query (including coalesced waiters).
    pub hits: u64,
    /// Reads that ran the loader: one per database round of a cache miss.
    pub loads: u64,
    /// Entries dropped to stay within the memory budget.
    pub evictions: u64,
    /// Invalidation requests (a key, or the whole tier).
    pub invalidations: u64,
    pub entries: u64,
    pub weighted_bytes: u64,
}

/// Why a load produced no cache entry.
enum Skipped<V, E> {
    /// The loader failed; nothing is cached and every waiter gets the error.
    Failed(E),
    /// An invalidation arrived while the value was loading, so it may predate
    /// the write: returned to the waiting readers, never stored.
    Superseded(V),
}

/// A cache of one kind of value. When disabled, every read runs its loader.
pub struct Tier<K, V> {
    name: &'static str,
    store: Option<Moka<K, V>>,
    /// Bumped by every invalidation; see [`Skipped::Superseded`].
    generation: AtomicU64,
    counters: Arc<Counters>,
}

impl<K, V> Tier<K, V>
where
    K: Hash + Eq + Weigh + Send + Sync + 'static,
    V: Clone + Weigh + Send + Sync + 'static,
{
    pub fn new(name: &'static str, limits: Option<Limits>) -> Self {
        let counters = Arc::new(Counters::default());
        let store = limits.map(|limits| {
            let evictions = counters.clone();
            Moka::builder()
                .name(name)
                .max_capacity(limits.max_bytes)
                .weigher(|key: &K, value: &V| {
                    u32::try_from(key.weigh() + value.weigh()).unwrap_or(u32::MAX)
                })
                .time_to_live(limits.time_to_live)
                .time_to_idle(limits.time_to_idle)
                .eviction_listener(move |_key, _value, cause| {
                    if cause == RemovalCause::Size {
                        evictions.evictions.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .build()
        });
        Self {
            name,
            store,
            generation: AtomicU64::new(0),
            counters,
        }
    }

    /// The cached value for `key`, or the result of `load`. Concurrent misses
    /// for one key run `load` once and share its result (or its error).
    pub async fn get_or_load<E, F>(&self, key: K, load: F) -> Result<V, E>
    where
        E: Clone + Send + Sync + 'static,
        F: Future<Output = Result<V, E>>,
    {
        let Some(store) = &self.store else {
            return load.await;
        };
        let generation = self.generation.load(Ordering::Acquire);
        let loaded = AtomicBool::new(false);
        let result = store
            .try_get_with(key, async {
                loaded.store(true, Ordering::Relaxed);
                self.counters.loads.fetch_add(1, Ordering::Relaxed);
                let value = load.await.map_err(Skipped::Failed)?;
                if self.generation.load(Ordering::Acquire) != generation {
                    return Err(Skipped::Superseded(value));
                }
                Ok(value)
            })
            .await;
        if !loaded.load(Ordering::Relaxed) {
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
        }
        result.or_else(|skipped| match &*skipped {
            Skipped::Failed(error) => Err(error.clone()),
            Skipped::Superseded(value) => Ok(value.clone()),
        })
    }

    pub async fn invalidate(&self, key: &K) {
        if let Some(store) = &self.store {
            self.bump();
            store.invalidate(key).await;
        }
    }

    pub fn invalidate_all(&self) {
        if let Some(store) = &self.store {
            self.bump();
            store.invalidate_all();
        }
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.counters.invalidations.fetch_add(1, Ordering::Relaxed);
    }

    pub async fn stats(&self) -> TierStats {
        let (entries, weighted_bytes) = match &self.store {
            Some(store) => {
                // Counts are updated by moka's housekeeping; settle them first.
                store.run_pending_tasks().await;
                (store.entry_count(), store.weighted_size())
            }
            None => (0, 0),
        };
        TierStats {
            name: self.name,
            hits: self.counters.hits.load(Ordering::Relaxed),
            loads: self.counters.loads.load(Ordering::Relaxed),
            evictions: self.counters.evictions.load(Ordering::Relaxed),
            invalidations: self.counters.invalidations.load(Ordering::Relaxed),
            entries,
            weighted_bytes,
        }
    }
}

/// Bytes a `String` or `Vec` header takes besides its contents.
pub const HEADER_BYTES: usize = 24;

impl Weigh for String {
    fn weigh(&self) -> usize {
        HEADER_BYTES + self.len()
    }
}

impl Weigh for i64 {
    fn weigh(&self) -> usize {
        8
    }
}

impl Weigh for () {
    fn weigh(&self) -> usize {
        0
    }
}

impl<T: Weigh> Weigh for Option<T> {
    fn weigh(&self) -> usize {
        self.as_ref().map_or(8, Weigh::weigh)
    }
}

impl<T: Weigh> Weigh for Vec<T> {
    fn weigh(&self) -> usize {
        HEADER_BYTES + self.iter().map(Weigh::weigh).sum::<usize>()
    }
}

impl<T: Weigh> Weigh for Arc<T> {
    fn weigh(&self) -> usize {
        (**self).weigh()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier() -> Tier<String, Arc<String>> {
        Tier::new(
            "test",
            Some(Limits {
                max_bytes: 1 << 20,
                time_to_live: Duration::from_secs(60),
                time_to_idle: Duration::from_secs(60),
            }),
        )
    }

    #[tokio::test]
    async fn a_second_read_is_a_hit() {
        let tier = tier();
        for _ in 0..2 {
            let value: Result<_, ()> = tier
                .get_or_load("k".to_owned(), async { Ok(Arc::new("v".to_owned())) })
                .await;
            assert_eq!(*value.unwrap(), "v");
        }
        let stats = tier.stats().await;
        assert_eq!((stats.loads, stats.hits, stats.entries), (1, 1, 1));
    }

    #[tokio::test]
    async fn errors_are_returned_and_not_cached() {
        let tier = tier();
        let failed = tier
            .get_or_load("k".to_owned(), async { Err("down") })
            .await;
        assert_eq!(failed, Err("down"));
        let loaded: Result<_, &str> = tier
            .get_or_load("k".to_owned(), async { Ok(Arc::new("v".to_owned())) })
            .await;
        assert_eq!(*loaded.unwrap(), "v");
        assert_eq!(tier.stats().await.loads, 2);
    }

    #[tokio::test]
    async fn a_value_loaded_across_an_invalidation_is_not_stored() {
        let tier = tier();
        let stale: Result<_, ()> = tier
            .get_or_load("k".to_owned(), async {
                // A write lands while this read is in flight.
                tier.invalidate(&"k".to_owned()).await;
                Ok(Arc::new("old".to_owned()))
            })
            .await;
        assert_eq!(*stale.unwrap(), "old", "the reader still gets its answer");
        let fresh: Result<_, ()> = tier
            .get_or_load("k".to_owned(), async { Ok(Arc::new("new".to_owned())) })
            .await;
        assert_eq!(*fresh.unwrap(), "new");
    }

    #[tokio::test]
    async fn the_memory_budget_evicts() {
        let tier: Tier<String, Arc<String>> = Tier::new(
            "small",
            Some(Limits {
                max_bytes: 2_000,
                time_to_live: Duration::from_secs(60),
                time_to_idle: Duration::from_secs(60),
            }),
        );
        for i in 0..20 {
            let _: Result<_, ()> = tier
                .get_or_load(format!("k{i}"), async { Ok(Arc::new("x".repeat(500))) })
                .await;
        }
        let stats = tier.stats().await;
        assert!(stats.weighted_bytes <= 2_000, "{stats:?}");
        assert!(stats.evictions > 0, "{stats:?}");
    }

    #[tokio::test]
    async fn a_disabled_tier_always_loads() {
        let tier: Tier<String, Arc<String>> = Tier::new("off", None);
        for _ in 0..3 {
            let _: Result<_, ()> = tier
                .get_or_load("k".to_owned(), async { Ok(Arc::new("v".to_owned())) })
                .await;
        }
        assert_eq!(tier.stats().await.hits, 0);
    }
}
