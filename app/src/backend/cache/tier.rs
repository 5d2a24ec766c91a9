//! One kind of cached value: a bounded moka cache with coalesced loads,
//! stale-if-error and counters.

use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::future::Cache as Moka;
use moka::notification::RemovalCause;
use moka::ops::compute::{CompResult, Op};

/// Approximate heap bytes of a cached key or value, for the memory budget.
pub trait Weigh {
    fn weigh(&self) -> usize;
}

/// Whether a failed load may be answered with an expired entry, as a CDN
/// does with `stale-if-error`: yes for an outage of the database, no for an
/// answer such as "not found", which is news.
pub trait StaleIfError {
    fn allows_stale(&self) -> bool;
}

/// TierSettings of one tier.
#[derive(Clone, Copy, Debug)]
pub struct TierSettings {
    pub max_bytes: u64,
    /// How long an entry is fresh; writes invalidate it sooner.
    pub time_to_live: Duration,
    pub time_to_idle: Duration,
    /// How long after that an expired entry is kept to stand in for loads
    /// that fail because the database is unavailable.
    pub stale_for: Duration,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    loads: AtomicU64,
    stale: AtomicU64,
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
    /// Reads answered with an expired entry because the load failed.
    pub stale: u64,
    /// Entries dropped to stay within the memory budget.
    pub evictions: u64,
    /// Invalidation requests (a key, a set of keys, or the whole tier).
    pub invalidations: u64,
    pub entries: u64,
    pub weighted_bytes: u64,
}

/// A cached value, when it was loaded, and when it stops being fresh.
#[derive(Clone)]
pub struct Entry<V> {
    pub value: V,
    loaded_at: Instant,
    fresh_until: Instant,
}

/// Called with each key that leaves a tier and the value it held (evicted,
/// expired or invalidated; not when its value is replaced by a fresher one).
/// An expired value is reported when it is replaced too, possibly after
/// the new value was loaded: the value says which one left.
pub type RemovalListener<K, V> = Arc<dyn Fn(&K, &V) + Send + Sync>;

/// A cache of one kind of value. When disabled, every read runs its loader.
///
/// Invalidating an entry makes it stale rather than dropping it: the next
/// read loads afresh, and a stale entry can still stand in while the
/// database is down (a page written a moment before an outage is better
/// served a moment old than not at all).
pub struct Tier<K, V> {
    name: &'static str,
    store: Option<Moka<K, Entry<V>>>,
    time_to_live: Duration,
    /// Entries loaded before this are stale (nanoseconds since `origin`):
    /// invalidating a whole tier is one store.
    stale_before: AtomicU64,
    origin: Instant,
    /// Bumped by every invalidation: a value whose load overlapped one may
    /// predate the write, so it is returned to its readers but not stored.
    generation: AtomicU64,
    counters: Arc<Counters>,
}

impl<K, V> Tier<K, V>
where
    K: Hash + Eq + Clone + Weigh + Send + Sync + 'static,
    V: Clone + Weigh + Send + Sync + 'static,
{
    pub fn new(name: &'static str, limits: Option<TierSettings>) -> Self {
        Self::with_removal_listener(name, limits, None)
    }

    /// A tier that tells `listener` of every key it drops.
    pub fn with_removal_listener(
        name: &'static str,
        limits: Option<TierSettings>,
        listener: Option<RemovalListener<K, V>>,
    ) -> Self {
        let counters = Arc::new(Counters::default());
        let store = limits.map(|limits| {
            let evictions = counters.clone();
            Moka::builder()
                .name(name)
                .max_capacity(limits.max_bytes)
                .weigher(|key: &K, entry: &Entry<V>| {
                    u32::try_from(key.weigh() + entry.value.weigh() + 16).unwrap_or(u32::MAX)
                })
                .time_to_live(limits.time_to_live + limits.stale_for)
                .time_to_idle(limits.time_to_idle.max(limits.time_to_live))
                .eviction_listener(move |key, entry: Entry<V>, cause| {
                    if cause == RemovalCause::Size {
                        evictions.evictions.fetch_add(1, Ordering::Relaxed);
                    }
                    if let (Some(listener), false) = (&listener, cause == RemovalCause::Replaced) {
                        listener(&key, &entry.value);
                    }
                })
                .build()
        });
        Self {
            name,
            store,
            time_to_live: limits.map_or(Duration::ZERO, |l| l.time_to_live),
            stale_before: AtomicU64::new(0),
            origin: Instant::now(),
            generation: AtomicU64::new(0),
            counters,
        }
    }

    /// Whether this tier stores anything (the cache may be disabled).
    pub fn is_enabled(&self) -> bool {
        self.store.is_some()
    }

    /// The cached value for `key` while it is fresh, or the result of
    /// `load`. Concurrent misses for one key run `load` once: the others
    /// wait and take what it stored. When `load` fails in a way that
    /// [`StaleIfError::allows_stale`], an expired entry answers instead.
    pub async fn get_or_load<E, F>(&self, key: K, load: F) -> Result<V, E>
    where
        E: StaleIfError + Send + Sync + 'static,
        F: Future<Output = Result<V, E>>,
    {
        let Some(store) = &self.store else {
            return load.await;
        };
        if let Some(entry) = store.get(&key).await {
            if self.is_fresh(&entry) {
                self.counters.hits.fetch_add(1, Ordering::Relaxed);
                return Ok(entry.value);
            }
        }
        // When the load starts: what it reads is at least this recent. An
        // entry is dated by it, so that a flush (`stale_before`) that comes
        // after the generation check below still makes the entry stale.
        let generation = self.generation.load(Ordering::Acquire);
        let started = Instant::now();
        let loaded = AtomicBool::new(false);
        // A value returned to this caller without being stored.
        let mut unstored = None;
        let result = store
            .entry(key)
            .and_try_compute_with(|current| async {
                let current = current.map(|entry| entry.into_value());
                if current.as_ref().is_some_and(|e| self.is_fresh(e)) {
                    // Another caller loaded it while this one waited.
                    return Ok(Op::Nop);
                }
                loaded.store(true, Ordering::Relaxed);
                self.counters.loads.fetch_add(1, Ordering::Relaxed);
                match load.await {
                    Ok(value) if self.generation.load(Ordering::Acquire) == generation => {
                        Ok(Op::Put(Entry {
                            value,
                            loaded_at: started,
                            fresh_until: started + self.time_to_live,
                        }))
                    }
                    Ok(value) => {
                        unstored = Some(value);
                        Ok(Op::Nop)
                    }
                    Err(error) if error.allows_stale() && current.is_some() => {
                        self.counters.stale.fetch_add(1, Ordering::Relaxed);
                        Ok(Op::Nop)
                    }
                    Err(error) => Err(error),
                }
            })
            .await?;
        if !loaded.load(Ordering::Relaxed) {
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(value) = unstored {
            return Ok(value);
        }
        match result {
            CompResult::Inserted(entry)
            | CompResult::ReplacedWith(entry)
            | CompResult::Unchanged(entry)
            | CompResult::Removed(entry) => Ok(entry.into_value().value),
            // The closure answers `Nop` only when an entry exists, and a load
            // that stores nothing returned above, so there is always an entry.
            CompResult::StillNone(_) => unreachable!("no entry after a compute that keeps one"),
        }
    }

    /// Makes `key`'s entry stale.
    pub async fn invalidate(&self, key: &K) {
        self.invalidate_keys(std::slice::from_ref(key)).await;
    }

    /// Drops `key`'s entry, so that it cannot stand in for a failed load as
    /// a stale entry would: for what must not outlive a change even during
    /// an outage (a revoked session).
    pub async fn remove(&self, key: &K) {
        if let Some(store) = &self.store {
            self.bump();
            store.invalidate(key).await;
        }
    }

    /// Makes every entry stale.
    pub fn invalidate_all(&self) {
        if self.store.is_some() {
            self.bump();
            let now = u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.stale_before.fetch_max(now, Ordering::AcqRel);
        }
    }

    /// Makes the entries of `keys` stale, as one change. A change that
    /// matches no stored entry is still one: a load in flight may have read
    /// what it changed, and its key is stored only once it returns, so it
    /// is not stored then.
    pub async fn invalidate_keys(&self, keys: &[K]) {
        let Some(store) = &self.store else {
            return;
        };
        self.bump();
        for key in keys {
            store
                .entry(key.clone())
                .and_compute_with(|current| async {
                    match current {
                        Some(entry) => Op::Put(Entry {
                            fresh_until: Instant::now(),
                            ..entry.into_value()
                        }),
                        None => Op::Nop,
                    }
                })
                .await;
        }
    }

    /// Makes the entries `matches` picks stale, by walking the tier: for
    /// small tiers or rare changes.
    pub async fn invalidate_where(&self, matches: impl Fn(&K, &V) -> bool) {
        let Some(store) = &self.store else {
            return;
        };
        let doomed: Vec<K> = store
            .iter()
            .filter(|(key, entry)| matches(key, &entry.value))
            .map(|(key, _)| (*key).clone())
            .collect();
        self.invalidate_keys(&doomed).await;
    }

    fn is_fresh(&self, entry: &Entry<V>) -> bool {
        let stale_before = self.stale_before.load(Ordering::Acquire);
        let loaded = u64::try_from(entry.loaded_at.duration_since(self.origin).as_nanos())
            .unwrap_or(u64::MAX);
        entry.fresh_until > Instant::now() && loaded > stale_before
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
            stale: self.counters.stale.load(Ordering::Relaxed),
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

impl StaleIfError for () {
    fn allows_stale(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A load failure in tests: `Outage` may be answered stale, `Gone` not.
    #[derive(Clone, Debug, PartialEq)]
    enum Failure {
        Outage,
        Gone,
    }

    impl StaleIfError for Failure {
        fn allows_stale(&self) -> bool {
            *self == Failure::Outage
        }
    }

    fn tier() -> Tier<String, Arc<String>> {
        Tier::new(
            "test",
            Some(TierSettings {
                max_bytes: 1 << 20,
                time_to_live: Duration::from_secs(60),
                time_to_idle: Duration::from_secs(60),
                stale_for: Duration::from_secs(60),
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
            .get_or_load("k".to_owned(), async { Err(Failure::Outage) })
            .await;
        assert_eq!(failed, Err(Failure::Outage));
        let loaded: Result<_, Failure> = tier
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
                // A write lands while this read is in flight. (Invalidating
                // this very key would wait for this load: keys are locked
                // while they load, so a write waits for the read it races.)
                tier.invalidate_all();
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
    async fn a_change_matching_nothing_stored_keeps_a_load_in_flight_from_being_stored() {
        let tier = tier();
        let loaded = tier
            .get_or_load("k".to_owned(), async {
                // What this load read was just changed; nothing is stored yet.
                tier.invalidate_keys(&[]).await;
                Ok::<_, ()>(Arc::new("before the change".to_owned()))
            })
            .await;
        assert_eq!(
            *loaded.unwrap(),
            "before the change",
            "answered all the same"
        );
        let again = tier
            .get_or_load("k".to_owned(), async {
                Ok::<_, ()>(Arc::new("after".to_owned()))
            })
            .await;
        assert_eq!(*again.unwrap(), "after", "loaded again, not a hit");
    }

    #[tokio::test]
    async fn a_removed_entry_cannot_stand_in_for_a_failed_load() {
        let tier = tier();
        let _: Result<_, Failure> = tier
            .get_or_load("k".to_owned(), async { Ok(Arc::new("kept".to_owned())) })
            .await;
        tier.remove(&"k".to_owned()).await;
        let failed = tier
            .get_or_load("k".to_owned(), async { Err(Failure::Outage) })
            .await;
        assert_eq!(failed, Err(Failure::Outage));
    }

    #[tokio::test]
    async fn the_memory_budget_evicts() {
        let tier: Tier<String, Arc<String>> = Tier::new(
            "small",
            Some(TierSettings {
                max_bytes: 2_000,
                time_to_live: Duration::from_secs(60),
                time_to_idle: Duration::from_secs(60),
                stale_for: Duration::from_secs(60),
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

    fn short_lived() -> Tier<String, Arc<String>> {
        Tier::new(
            "short",
            Some(TierSettings {
                max_bytes: 1 << 20,
                time_to_live: Duration::from_millis(1),
                time_to_idle: Duration::from_secs(60),
                stale_for: Duration::from_secs(60),
            }),
        )
    }

    #[tokio::test]
    async fn an_outage_is_answered_with_the_expired_entry() {
        let tier = short_lived();
        let key = || "k".to_owned();
        let _: Result<_, Failure> = tier
            .get_or_load(key(), async { Ok(Arc::new("v".into())) })
            .await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        let during = tier
            .get_or_load(key(), async { Err(Failure::Outage) })
            .await;
        assert_eq!(*during.unwrap(), "v");
        assert_eq!(tier.stats().await.stale, 1);
        // Once the database answers again, the entry is fresh again.
        let after: Result<_, Failure> = tier
            .get_or_load(key(), async { Ok(Arc::new("w".into())) })
            .await;
        assert_eq!(*after.unwrap(), "w");
    }

    #[tokio::test]
    async fn news_such_as_not_found_is_never_hidden_by_an_expired_entry() {
        let tier = short_lived();
        let key = || "k".to_owned();
        let _: Result<_, Failure> = tier
            .get_or_load(key(), async { Ok(Arc::new("v".into())) })
            .await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        let gone = tier.get_or_load(key(), async { Err(Failure::Gone) }).await;
        assert_eq!(gone, Err(Failure::Gone));
    }

    #[tokio::test]
    async fn invalidating_where_makes_only_the_matching_entries_stale() {
        let tier = tier();
        let read = |key: &'static str| {
            tier.get_or_load(key.to_owned(), async move {
                Ok::<_, ()>(Arc::new(key.to_owned()))
            })
        };
        for key in ["a1", "a2", "b1"] {
            read(key).await.unwrap();
        }
        tier.invalidate_where(|key, _| key.starts_with('a')).await;
        for key in ["a1", "a2", "b1"] {
            read(key).await.unwrap();
        }
        assert_eq!(
            tier.stats().await.loads,
            5,
            "a1 and a2 loaded again, b1 not"
        );
    }

    #[tokio::test]
    async fn an_invalidated_entry_still_stands_in_during_an_outage() {
        let tier = tier();
        let key = || "k".to_owned();
        let _: Result<_, Failure> = tier
            .get_or_load(key(), async { Ok(Arc::new("v".into())) })
            .await;
        tier.invalidate_all();
        let during = tier
            .get_or_load(key(), async { Err(Failure::Outage) })
            .await;
        assert_eq!(*during.unwrap(), "v");
        tier.invalidate(&key()).await;
        let gone = tier.get_or_load(key(), async { Err(Failure::Gone) }).await;
        assert_eq!(gone, Err(Failure::Gone));
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
