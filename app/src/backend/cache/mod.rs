//! The in-process cache in front of PostgreSQL.
//!
//! Shared entries ([`entries`]) hold what every reader sees; the per-user
//! bits (`favorited`, `following`) are added per request by one indexed
//! query, so one user's view never reaches another. Layers above keep
//! entries derived from these (the HTTP layer's rendered responses) and
//! subscribe as [`Dependent`]s to hear of every change.
//!
//! Coherence across instances: the database tells every instance of each
//! committed write through PostgreSQL `NOTIFY` from the write's own
//! transaction ([`listener`] receives it), and the instance that wrote also
//! applies it at once ([`Cache::committed`]). An instance that loses its
//! listener connection flushes everything when it reconnects, since it may
//! have missed messages.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub mod entries;
pub mod listener;
mod tier;

pub use entries::{
    Anchors, ListKey, Listed, SharedArticle, SharedComment, SharedList, SharedProfile, UserSessions,
};
pub use tier::{RemovalListener, StaleIfError, Tier, TierSettings, TierStats, Weigh, HEADER_BYTES};

/// The `NOTIFY` channel that carries invalidations between instances.
pub const CHANNEL: &str = "conduit_cache";

/// Sizes and lifetimes, from configuration.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub enabled: bool,
    /// Memory budget of all tiers together, by the weight of their entries.
    pub max_bytes: u64,
    /// Upper bound on an entry's age: the safety net behind invalidation.
    pub time_to_live: Duration,
    /// Entries nobody read for this long are dropped early.
    pub time_to_idle: Duration,
    /// How long past its time to live an entry may still answer while the
    /// database is unavailable.
    pub stale_for: Duration,
}

impl Settings {
    /// The limits of a tier given `percent` of the memory budget; `None` when
    /// the cache is disabled.
    pub fn share(&self, percent: u64) -> Option<TierSettings> {
        self.enabled.then_some(TierSettings {
            max_bytes: self.max_bytes / 100 * percent,
            time_to_live: self.time_to_live,
            time_to_idle: self.time_to_idle,
            stale_for: self.stale_for,
        })
    }
}

/// A write that makes cached entries stale, as precise as it can say so:
/// each change invalidates only what shows the records it touched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// An article was published or edited (`slugs`: its slugs before and
    /// after): it, every list (membership and order) and the tags.
    Article { id: i64, slugs: Vec<String> },
    /// An article was deleted, with its comments.
    ArticleDeleted { id: i64, slug: String },
    /// An article's favorites count changed, and someone's list of
    /// favorites: it, the lists showing it, and lists of favorites.
    Favorites { id: i64, slug: String },
    /// An article's comments changed.
    Comments { article_id: i64, slug: String },
    /// A user's public profile changed (`usernames`: before and after); it
    /// is embedded in their articles, the lists showing them, and comments.
    Author { id: i64, usernames: Vec<String> },
    /// A user's sessions were revoked.
    Sessions { user_id: i64 },
    /// A signed-in user wrote something (followed, favorited, commented,
    /// edited...): what was rendered for them alone may show the old state.
    /// Shared entries are told by the precise changes above.
    Reader { user_id: i64 },
}

/// A database that is unavailable lets an expired entry answer in place
/// of a load; an answer such as "not found" never does.
impl StaleIfError for crate::error::AppError {
    fn allows_stale(&self) -> bool {
        *self == crate::error::AppError::Unavailable
    }
}

/// A future a [`Dependent`] returns.
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Entries kept outside the data tiers and derived from them, such as
/// rendered responses: told of every change, flushed with the rest.
pub trait Dependent: Send + Sync {
    fn apply<'a>(&'a self, change: &'a Change) -> Pending<'a, ()>;
    fn flush(&self);
    fn stats(&self) -> Pending<'_, TierStats>;
}

/// The two tag lists: every tag in use (`GET /api/tags`), and the sidebar's.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum TagListKind {
    All,
    Sidebar,
}

impl Weigh for TagListKind {
    fn weigh(&self) -> usize {
        1
    }
}

/// What travels over `NOTIFY`: `{"origin": "database", "change": …}`. The
/// origin names the sender, for whoever reads the channel with `psql`.
#[derive(Debug, Deserialize)]
struct Message {
    change: Change,
}

/// Every tier, cheap to clone (the tiers are shared).
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Tiers>,
}

struct Tiers {
    articles: Tier<String, Arc<SharedArticle>>,
    lists: Tier<ListKey, Arc<SharedList>>,
    anchors: Tier<Listed, Arc<Anchors>>,
    profiles: Tier<String, Arc<SharedProfile>>,
    tags: Tier<TagListKind, Arc<Vec<String>>>,
    comments: Tier<i64, Arc<Vec<SharedComment>>>,
    sessions: Tier<i64, Arc<UserSessions>>,
    dependents: RwLock<Vec<Arc<dyn Dependent>>>,
    settings: Settings,
    /// Messages from [`CHANNEL`] handled so far, readable or not.
    heard: AtomicU64,
}

impl Cache {
    /// The data tiers take their shares of the memory budget here; the rest
    /// (40%) is left to [`Dependent`]s, by how much each holds per entry and
    /// how many entries are hot: article bodies are the big ones.
    pub fn new(settings: Settings) -> Self {
        Self {
            inner: Arc::new(Tiers {
                articles: Tier::new("articles", settings.share(28)),
                comments: Tier::new("comments", settings.share(14)),
                lists: Tier::new("lists", settings.share(9)),
                anchors: Tier::new("anchors", settings.share(1)),
                profiles: Tier::new("profiles", settings.share(4)),
                sessions: Tier::new("sessions", settings.share(3)),
                tags: Tier::new("tags", settings.share(1)),
                dependents: RwLock::new(Vec::new()),
                settings,
                heard: AtomicU64::new(0),
            }),
        }
    }

    /// How long an expired entry may still answer while the database is down.
    pub fn stale_for(&self) -> Duration {
        self.inner.settings.stale_for
    }

    /// The limits of a dependent tier given `percent` of the memory budget.
    pub fn share(&self, percent: u64) -> Option<TierSettings> {
        self.inner.settings.share(percent)
    }

    /// Has `dependent` told of every change from now on.
    pub fn subscribe(&self, dependent: Arc<dyn Dependent>) {
        self.dependents_mut().push(dependent);
    }

    /// Articles by slug, with body.
    pub fn articles(&self) -> &Tier<String, Arc<SharedArticle>> {
        &self.inner.articles
    }

    /// First pages of the global and per-tag lists.
    pub fn lists(&self) -> &Tier<ListKey, Arc<SharedList>> {
        &self.inner.lists
    }

    /// Where the deep pages of the global list (`None`) and of each tag start.
    pub fn anchors(&self) -> &Tier<Listed, Arc<Anchors>> {
        &self.inner.anchors
    }

    /// Whether entries are kept at all (`CACHE_ENABLED`).
    pub fn enabled(&self) -> bool {
        self.inner.settings.enabled
    }

    /// Profiles by username key (`models::Username::key`).
    pub fn profiles(&self) -> &Tier<String, Arc<SharedProfile>> {
        &self.inner.profiles
    }

    /// The tag lists: every tag in use, and the sidebar's selection.
    pub fn tags(&self) -> &Tier<TagListKind, Arc<Vec<String>>> {
        &self.inner.tags
    }

    /// Which tokens of each user are valid, by user id.
    pub fn sessions(&self) -> &Tier<i64, Arc<UserSessions>> {
        &self.inner.sessions
    }

    /// Comments by article id.
    pub fn comments(&self) -> &Tier<i64, Arc<Vec<SharedComment>>> {
        &self.inner.comments
    }

    /// Applies `changes`, which describe a committed write of this
    /// instance's (`Services::committed`).
    pub async fn committed(&self, changes: &[Change]) {
        for change in changes {
            self.apply(change).await;
        }
    }

    /// Applies a message from [`CHANNEL`]. Any database role may `NOTIFY`
    /// on the channel, so what does not parse is logged and ignored:
    /// flushing on it would let anyone keep every instance cold.
    pub async fn receive(&self, payload: &str) {
        match serde_json::from_str::<Message>(payload) {
            Ok(message) => self.apply(&message.change).await,
            Err(error) => tracing::warn!(%error, "ignored an unreadable cache invalidation"),
        }
        self.inner.heard.fetch_add(1, Ordering::AcqRel);
    }

    /// How many messages from [`CHANNEL`] this instance has handled. They
    /// arrive in commit order, so once one sent at some moment is counted,
    /// every write committed before it has been applied here.
    pub fn heard(&self) -> u64 {
        self.inner.heard.load(Ordering::Acquire)
    }

    async fn apply(&self, change: &Change) {
        let tiers = &self.inner;
        match change {
            Change::Article { slugs, .. } => {
                for slug in slugs {
                    tiers.articles.invalidate(slug).await;
                }
                tiers.lists.invalidate_all();
                tiers.anchors.invalidate_all();
                tiers.tags.invalidate_all();
            }
            Change::ArticleDeleted { id, slug } => {
                tiers.articles.invalidate(slug).await;
                tiers.comments.invalidate(id).await;
                tiers.lists.invalidate_all();
                tiers.anchors.invalidate_all();
                tiers.tags.invalidate_all();
            }
            Change::Favorites { id, slug } => {
                tiers.articles.invalidate(slug).await;
                // Few entries: the first pages of the global and tag lists.
                let shows =
                    |_: &ListKey, list: &Arc<SharedList>| list.articles.iter().any(|a| a.id == *id);
                tiers.lists.invalidate_where(shows).await;
            }
            Change::Comments { article_id, .. } => tiers.comments.invalidate(article_id).await,
            Change::Author { id, .. } => {
                // Profile edits are rare (and rate-limited): walking the tiers is fine.
                let id = *id;
                tiers
                    .articles
                    .invalidate_where(|_, a| a.author_id == id)
                    .await;
                let shows = |_: &ListKey, list: &Arc<SharedList>| {
                    list.articles.iter().any(|a| a.author_id == id)
                };
                tiers.lists.invalidate_where(shows).await;
                let wrote = |_: &i64, comments: &Arc<Vec<SharedComment>>| {
                    comments.iter().any(|c| c.author_id == id)
                };
                tiers.comments.invalidate_where(wrote).await;
                tiers.profiles.invalidate_where(|_, p| p.id == id).await;
            }
            // Removed, not made stale: a revoked session must not be
            // accepted from a stale entry while the database is unavailable.
            Change::Sessions { user_id } => tiers.sessions.remove(user_id).await,
            Change::Reader { .. } => {}
        }
        for dependent in self.dependents() {
            dependent.apply(change).await;
        }
    }

    /// Drops every entry.
    pub fn flush(&self) {
        let tiers = &self.inner;
        tiers.articles.invalidate_all();
        tiers.lists.invalidate_all();
        tiers.anchors.invalidate_all();
        tiers.profiles.invalidate_all();
        tiers.tags.invalidate_all();
        tiers.comments.invalidate_all();
        tiers.sessions.invalidate_all();
        for dependent in self.dependents() {
            dependent.flush();
        }
    }

    pub async fn stats(&self) -> Vec<TierStats> {
        let tiers = &self.inner;
        let mut stats = vec![
            tiers.articles.stats().await,
            tiers.lists.stats().await,
            tiers.anchors.stats().await,
            tiers.profiles.stats().await,
            tiers.tags.stats().await,
            tiers.comments.stats().await,
            tiers.sessions.stats().await,
        ];
        for dependent in self.dependents() {
            stats.push(dependent.stats().await);
        }
        stats
    }

    /// A snapshot, so that no lock is held across an await.
    fn dependents(&self) -> Vec<Arc<dyn Dependent>> {
        match self.inner.dependents.read() {
            Ok(dependents) => dependents.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn dependents_mut(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<dyn Dependent>>> {
        self.inner
            .dependents
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            enabled: true,
            max_bytes: 1 << 20,
            time_to_live: Duration::from_secs(60),
            time_to_idle: Duration::from_secs(60),
            stale_for: Duration::from_secs(60),
        }
    }

    #[test]
    fn changes_travel_as_tagged_json() {
        let change = Change::ArticleDeleted {
            id: 7,
            slug: "a-b".into(),
        };
        let text = serde_json::to_string(&change).unwrap();
        assert_eq!(text, r#"{"kind":"article_deleted","id":7,"slug":"a-b"}"#);
        assert_eq!(serde_json::from_str::<Change>(&text).unwrap(), change);
    }

    #[tokio::test]
    async fn messages_from_the_change_feed_are_applied_and_garbage_is_not() {
        let cache = Cache::new(settings());
        let fill = || async {
            cache
                .tags()
                .get_or_load(TagListKind::All, async {
                    Ok::<_, ()>(Arc::new(vec!["rust".to_owned()]))
                })
                .await
                .unwrap();
        };
        fill().await;
        // As the trigger writes it (`json_build_object` spaces included).
        let feed = r#"{"origin" : "database", "change" : {"kind" : "article", "id" : 1, "slugs" : ["a"]}}"#;
        cache.receive(feed).await;
        fill().await;
        assert_eq!(cache.tags().stats().await.loads, 2, "the change applied");

        cache.receive("not a message").await;
        fill().await;
        assert_eq!(
            cache.tags().stats().await.loads,
            2,
            "garbage flushes nothing"
        );
    }
}
