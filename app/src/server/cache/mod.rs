//! The in-process cache in front of PostgreSQL.
//!
//! Shared entries hold what every reader sees; the per-user bits
//! (`favorited`, `following`) are added per request by one indexed query, so
//! one user's view never reaches another. Rendered anonymous pages are a tier
//! too, flushed by every write.
//!
//! Coherence across instances: a write invalidates the affected entries here
//! at once and tells every other instance through PostgreSQL `NOTIFY`
//! ([`listener`]). An instance that loses its listener connection flushes
//! everything when it reconnects, since it may have missed messages.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::articles::{SharedArticle, SharedPage};
use super::comments::SharedComment;
use super::profiles::SharedProfile;

pub mod listener;
mod page;
mod tier;

pub use page::Page;
pub use tier::{Limits, Tier, TierStats, Weigh};

/// The `NOTIFY` channel that carries invalidations between instances.
pub const CHANNEL: &str = "conduit_cache";

/// Sizes and lifetimes, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct CacheSettings {
    pub enabled: bool,
    /// Memory budget of all tiers together, by the weight of their entries.
    pub max_bytes: u64,
    /// Upper bound on an entry's age: the safety net behind invalidation.
    pub time_to_live: Duration,
    /// Entries nobody read for this long are dropped early.
    pub time_to_idle: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_bytes: 128 << 20,
            time_to_live: Duration::from_secs(300),
            time_to_idle: Duration::from_secs(120),
        }
    }
}

/// The first page of the global list (`tag: None`) or of one tag.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct FeedKey {
    pub tag: Option<String>,
    pub limit: i64,
}

impl Weigh for FeedKey {
    fn weigh(&self) -> usize {
        self.tag.weigh() + 8
    }
}

/// A write that makes cached entries stale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// An article was created, edited or (un)favorited: it, every list and the tags.
    Article { slugs: Vec<String> },
    /// An article was deleted, with its comments.
    ArticleDeleted { slug: String, id: i64 },
    /// An article's comments changed.
    Comments { article_id: i64 },
    /// A user's public profile changed: it is embedded in their articles and
    /// comments, so everything goes (profile edits are rare).
    Author,
}

/// What travels over `NOTIFY`.
#[derive(Debug, Serialize, Deserialize)]
struct Message {
    /// The sending instance, which has applied the change already.
    origin: String,
    change: Change,
}

/// Every tier, cheap to clone (the tiers are shared).
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Tiers>,
    instance: Arc<str>,
}

struct Tiers {
    articles: Tier<String, Arc<SharedArticle>>,
    feeds: Tier<FeedKey, Arc<SharedPage>>,
    profiles: Tier<String, Arc<SharedProfile>>,
    tags: Tier<(), Arc<Vec<String>>>,
    comments: Tier<i64, Arc<Vec<SharedComment>>>,
    pages: Tier<String, Arc<Page>>,
}

impl Cache {
    pub fn new(settings: CacheSettings) -> Self {
        // Shares of the memory budget, by how much each tier holds per entry
        // and how many entries are hot: rendered pages and article bodies are
        // the big ones.
        let limits = |percent: u64| {
            settings.enabled.then_some(Limits {
                max_bytes: settings.max_bytes / 100 * percent,
                time_to_live: settings.time_to_live,
                time_to_idle: settings.time_to_idle,
            })
        };
        Self {
            inner: Arc::new(Tiers {
                pages: Tier::new("pages", limits(40)),
                articles: Tier::new("articles", limits(30)),
                comments: Tier::new("comments", limits(15)),
                feeds: Tier::new("feeds", limits(10)),
                profiles: Tier::new("profiles", limits(4)),
                tags: Tier::new("tags", limits(1)),
            }),
            // A random id, so that an instance recognises its own messages.
            instance: Arc::from(super::auth::Auth::generate_secret()),
        }
    }

    /// Articles by slug, with body.
    pub fn articles(&self) -> &Tier<String, Arc<SharedArticle>> {
        &self.inner.articles
    }

    /// First pages of the global and per-tag lists.
    pub fn feeds(&self) -> &Tier<FeedKey, Arc<SharedPage>> {
        &self.inner.feeds
    }

    /// Profiles by lower-cased username.
    pub fn profiles(&self) -> &Tier<String, Arc<SharedProfile>> {
        &self.inner.profiles
    }

    /// The tag list (one entry).
    pub fn tags(&self) -> &Tier<(), Arc<Vec<String>>> {
        &self.inner.tags
    }

    /// Comments by article id.
    pub fn comments(&self) -> &Tier<i64, Arc<Vec<SharedComment>>> {
        &self.inner.comments
    }

    /// Rendered anonymous responses by method and URI.
    pub fn pages(&self) -> &Tier<String, Arc<Page>> {
        &self.inner.pages
    }

    /// Applies `change` here, then tells the other instances. A lost message
    /// is logged, not returned: the write itself succeeded, and the other
    /// instances' entries still expire by their time to live.
    pub async fn publish(&self, db: &PgPool, change: Change) {
        self.apply(&change).await;
        let message = Message {
            origin: self.instance.to_string(),
            change,
        };
        let payload = match serde_json::to_string(&message) {
            Ok(payload) => payload,
            Err(error) => {
                tracing::error!(%error, "cannot encode a cache invalidation");
                return;
            }
        };
        if let Err(error) = sqlx::query("select pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(&payload)
            .execute(db)
            .await
        {
            tracing::error!(%error, "cannot send a cache invalidation to other instances");
        }
    }

    /// Applies a message from [`CHANNEL`] unless this instance sent it.
    pub async fn receive(&self, payload: &str) {
        match serde_json::from_str::<Message>(payload) {
            Ok(message) if *message.origin == *self.instance => {}
            Ok(message) => self.apply(&message.change).await,
            Err(error) => {
                // Something else speaks on our channel: be safe, drop everything.
                tracing::warn!(%error, "unreadable cache invalidation; flushing the cache");
                self.flush();
            }
        }
    }

    async fn apply(&self, change: &Change) {
        let tiers = &self.inner;
        match change {
            Change::Article { slugs } => {
                for slug in slugs {
                    tiers.articles.invalidate(slug).await;
                }
                tiers.feeds.invalidate_all();
                tiers.tags.invalidate_all();
            }
            Change::ArticleDeleted { slug, id } => {
                tiers.articles.invalidate(slug).await;
                tiers.comments.invalidate(id).await;
                tiers.feeds.invalidate_all();
                tiers.tags.invalidate_all();
            }
            Change::Comments { article_id } => tiers.comments.invalidate(article_id).await,
            Change::Author => {
                tiers.articles.invalidate_all();
                tiers.feeds.invalidate_all();
                tiers.profiles.invalidate_all();
                tiers.comments.invalidate_all();
            }
        }
        // A page can show any of the above.
        tiers.pages.invalidate_all();
    }

    /// Drops every entry.
    pub fn flush(&self) {
        let tiers = &self.inner;
        tiers.articles.invalidate_all();
        tiers.feeds.invalidate_all();
        tiers.profiles.invalidate_all();
        tiers.tags.invalidate_all();
        tiers.comments.invalidate_all();
        tiers.pages.invalidate_all();
    }

    pub async fn stats(&self) -> Vec<TierStats> {
        let tiers = &self.inner;
        vec![
            tiers.articles.stats().await,
            tiers.feeds.stats().await,
            tiers.profiles.stats().await,
            tiers.tags.stats().await,
            tiers.comments.stats().await,
            tiers.pages.stats().await,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_travel_as_tagged_json() {
        let change = Change::ArticleDeleted {
            slug: "a-b".into(),
            id: 7,
        };
        let text = serde_json::to_string(&change).unwrap();
        assert_eq!(text, r#"{"kind":"article_deleted","slug":"a-b","id":7}"#);
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), change);
    }

    #[tokio::test]
    async fn an_instance_ignores_its_own_messages_and_applies_others() {
        let cache = Cache::new(CacheSettings::default());
        let fill = || async {
            cache
                .tags()
                .get_or_load((), async { Ok::<_, ()>(Arc::new(vec!["rust".to_owned()])) })
                .await
                .unwrap();
        };
        fill().await;
        let own = serde_json::to_string(&Message {
            origin: cache.instance.to_string(),
            change: Change::Article { slugs: vec![] },
        })
        .unwrap();
        cache.receive(&own).await;
        fill().await;
        assert_eq!(cache.tags().stats().await.loads, 1, "own message ignored");

        let other = own.replace(&*cache.instance, "another-instance");
        cache.receive(&other).await;
        fill().await;
        assert_eq!(cache.tags().stats().await.loads, 2, "other message applied");
    }
}
