//! The response tiers: rendered answers kept in this instance, so a popular
//! page is rendered once per write rather than once per request (on CDN
//! misses, and when no CDN is in front). One tier holds anonymous answers,
//! another those rendered for one signed-in reader ([`super::readers`]).
//! Each stored response is indexed by its [`super::tags`], so that a change
//! drops only what it touched.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use app::backend::cache::{
    Cache, Change, Dependent, Pending, Tier, TierStats, Weigh, HEADER_BYTES,
};
use axum::body::Bytes;
use axum::http::HeaderMap;

use super::tags;

/// The headers and body of a `200 OK`, stored with the headers it is sent
/// with (ETag, `Vary`, `Cache-Control`).
#[derive(Clone, Debug)]
pub struct Stored {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Weigh for Stored {
    fn weigh(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| HEADER_BYTES + name.as_str().len() + value.len())
            .sum();
        headers + self.body.len()
    }
}

/// Stored responses by method, URI and `Origin` (and reader), and the keys
/// under each tag.
pub struct Responses {
    tier: Tier<String, Arc<Stored>>,
    index: Arc<Mutex<Index>>,
    /// Whether this tier holds answers rendered for one signed-in reader.
    per_reader: bool,
}

#[derive(Default)]
struct Index {
    keys_by_tag: HashMap<String, HashSet<String>>,
    /// Each key's tags, and the response they were read from.
    tags_by_key: HashMap<String, (Weak<Stored>, Vec<String>)>,
    /// How many keys trigger the next [`Index::prune`].
    prune_at: usize,
}

/// Keys the index holds before it first looks for responses that are gone.
const FIRST_PRUNE: usize = 1024;

impl Index {
    fn add(&mut self, key: &str, tags: &[String], stored: &Arc<Stored>) {
        self.remove(key);
        for tag in tags {
            self.keys_by_tag
                .entry(tag.clone())
                .or_default()
                .insert(key.to_owned());
        }
        self.tags_by_key
            .insert(key.to_owned(), (Arc::downgrade(stored), tags.to_vec()));
        if self.tags_by_key.len() >= self.prune_at {
            self.prune();
            self.prune_at = (self.tags_by_key.len() * 2).max(FIRST_PRUNE);
        }
    }

    /// Forgets the keys whose response is gone without a removal report:
    /// rendered but not stored (a change overlapped the render), so never in
    /// the tier. What is stored or still being answered is alive. Run when
    /// the index has doubled, so it stays within twice the live keys.
    fn prune(&mut self) {
        let gone: Vec<String> = self
            .tags_by_key
            .iter()
            .filter(|(_, (stored, _))| stored.strong_count() == 0)
            .map(|(key, _)| key.clone())
            .collect();
        for key in gone {
            self.remove(&key);
        }
    }

    fn remove(&mut self, key: &str) {
        let Some((_, tags)) = self.tags_by_key.remove(key) else {
            return;
        };
        for tag in tags {
            if let Some(keys) = self.keys_by_tag.get_mut(&tag) {
                keys.remove(key);
                if keys.is_empty() {
                    self.keys_by_tag.remove(&tag);
                }
            }
        }
    }

    /// Forgets `key` when `left` (a response that left the tier) is the one
    /// its tags were read from. The tier reports an expired response when a
    /// new one replaces it, after the new one was indexed: that report must
    /// leave the new one's tags in place. (The `Weak` keeps the allocation,
    /// so no other response can be at its address while it is indexed.)
    fn forget(&mut self, key: &str, left: &Arc<Stored>) {
        let indexed = self
            .tags_by_key
            .get(key)
            .is_some_and(|(stored, _)| std::ptr::eq(stored.as_ptr(), Arc::as_ptr(left)));
        if indexed {
            self.remove(key);
        }
    }

    /// The keys under any of `tags`, taken out of the index.
    fn take(&mut self, tags: &[String]) -> Vec<String> {
        let keys: HashSet<String> = tags
            .iter()
            .filter_map(|tag| self.keys_by_tag.get(tag))
            .flatten()
            .cloned()
            .collect();
        for key in &keys {
            self.remove(key);
        }
        keys.into_iter().collect()
    }
}

impl Responses {
    /// A tier named `name` with `percent` of the cache budget, subscribed
    /// to the cache's changes; `per_reader` when it holds answers rendered
    /// for one signed-in reader.
    pub fn new(cache: &Cache, name: &'static str, percent: u64, per_reader: bool) -> Arc<Self> {
        let index = Arc::new(Mutex::new(Index::default()));
        let forget = {
            let index = index.clone();
            Arc::new(move |key: &String, left: &Arc<Stored>| lock(&index).forget(key, left))
        };
        let responses = Arc::new(Self {
            tier: Tier::with_removal_listener(name, cache.share(percent), Some(forget)),
            index,
            per_reader,
        });
        cache.subscribe(responses.clone());
        responses
    }

    pub fn tier(&self) -> &Tier<String, Arc<Stored>> {
        &self.tier
    }

    /// Records the tags of `stored`, the response about to be stored under `key`.
    pub fn index(&self, key: &str, tags: &[String], stored: &Arc<Stored>) {
        lock(&self.index).add(key, tags, stored);
    }
}

fn lock(index: &Mutex<Index>) -> std::sync::MutexGuard<'_, Index> {
    index.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Dependent for Responses {
    fn apply<'a>(&'a self, change: &'a Change) -> Pending<'a, ()> {
        Box::pin(async move {
            // What one reader wrote, or their sessions, show only in answers
            // rendered for them. Told to the shared tier, such a change would
            // count as one and keep every page rendering then from being stored.
            let for_one_reader = matches!(change, Change::Reader { .. } | Change::Sessions { .. });
            if for_one_reader && !self.per_reader {
                return;
            }
            match tags::stale(change) {
                None => self.flush(),
                Some(stale) => {
                    let keys = lock(&self.index).take(&stale);
                    self.tier.invalidate_keys(&keys).await;
                }
            }
        })
    }

    fn flush(&self) {
        *lock(&self.index) = Index::default();
        self.tier.invalidate_all();
    }

    fn stats(&self) -> Pending<'_, TierStats> {
        Box::pin(self.tier.stats())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response() -> Arc<Stored> {
        Arc::new(Stored {
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"<p>page</p>"),
        })
    }

    fn tags(names: &[&str]) -> Vec<String> {
        names.iter().map(|&name| name.to_owned()).collect()
    }

    #[test]
    fn a_removal_report_for_a_replaced_response_keeps_the_new_ones_tags() {
        let mut index = Index::default();
        let (old, new) = (response(), response());
        index.add("GET /a", &tags(&["article:a"]), &old);
        index.add("GET /a", &tags(&["article:a", "comments:a"]), &new);
        index.forget("GET /a", &old);
        assert_eq!(
            index.take(&tags(&["comments:a"])),
            vec!["GET /a".to_owned()]
        );
    }

    #[test]
    fn pruning_forgets_responses_that_were_never_stored() {
        let mut index = Index::default();
        let kept = response();
        index.add("GET /kept", &tags(&["article:kept"]), &kept);
        index.add("GET /dropped", &tags(&["article:dropped"]), &response());
        index.prune();
        assert!(index.take(&tags(&["article:dropped"])).is_empty());
        assert_eq!(
            index.take(&tags(&["article:kept"])),
            vec!["GET /kept".to_owned()]
        );
    }
}
