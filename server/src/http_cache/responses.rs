//! The response tier: rendered anonymous answers kept in this instance, so
//! a popular page is rendered once per write rather than once per request
//! (on CDN misses, and when no CDN is in front).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use app::backend::cache::{Cache, Change, Dependent, Tier, TierStats, Weigh, HEADER_BYTES};
use axum::body::Bytes;
use axum::http::HeaderMap;

/// The headers and body of a `200 OK` that any anonymous visitor may get,
/// stored with the headers it is sent with (ETag, `Vary`, `Cache-Control`).
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

/// Stored responses by method, URI and `Origin`.
pub struct Responses {
    tier: Tier<String, Arc<Stored>>,
}

impl Responses {
    /// Takes the 40% of the cache budget the data tiers leave, and subscribes
    /// to the cache's changes.
    pub fn new(cache: &Cache) -> Arc<Self> {
        let responses = Arc::new(Self {
            tier: Tier::new("responses", cache.share(40)),
        });
        cache.subscribe(responses.clone());
        responses
    }

    pub fn tier(&self) -> &Tier<String, Arc<Stored>> {
        &self.tier
    }
}

impl Dependent for Responses {
    /// A response can show anything, so any change drops them all.
    fn apply(&self, _change: &Change) {
        self.tier.invalidate_all();
    }

    fn flush(&self) {
        self.tier.invalidate_all();
    }

    fn stats(&self) -> Pin<Box<dyn Future<Output = TierStats> + Send + '_>> {
        Box::pin(self.tier.stats())
    }
}
