use std::sync::Arc;

use super::cache::{Cache, Change};
use super::db::{Database, Reader, Writer};
use super::limits::RateLimits;
use super::passwords::Passwords;
use super::tokens::Tokens;
use crate::error::AppError;

/// What every service stands on: the database, the cache in front of it,
/// tokens, password hashing and rate limits. Built once at start-up; the
/// web layer's state (`crate::web::AppState`) holds it, and services take it.
pub struct Services {
    /// Services reach it through [`Services::db`] and [`Services::reads`],
    /// which fail fast while it is known to be down.
    pub db: Database,
    pub tokens: Arc<Tokens>,
    pub passwords: Arc<Passwords>,
    pub limits: Arc<RateLimits>,
    /// The in-process cache in front of `db`.
    pub cache: Cache,
}

impl Services {
    /// The writer: writes, and reads that must be current. 503 at once
    /// while the database is known to be down.
    pub fn db(&self) -> Result<Writer<'_>, AppError> {
        self.db.writer()
    }

    /// Reads that may come from a replica (one that has replayed every
    /// write this instance knows of: a user reads their own writes).
    pub fn reads(&self) -> Result<Reader<'_>, AppError> {
        self.db.reader()
    }

    /// After a write committed: replicas must replay it before they answer
    /// this instance again, and this instance's cache forgets what it made
    /// stale, in that order (see `db::Freshness`). The database's change
    /// feed tells every instance the same (this one too); doing it here
    /// first means the writer's next request on this instance sees it.
    ///
    /// Runs as a task of its own: a caller that stops waiting (the client
    /// went away, the request timed out) must not stop it halfway.
    pub async fn committed(&self, changes: impl IntoIterator<Item = Change>) {
        let db = self.db.clone();
        let cache = self.cache.clone();
        let changes: Vec<Change> = changes.into_iter().collect();
        let applied = tokio::spawn(async move {
            db.committed().await;
            cache.committed(&changes).await;
        });
        if let Err(error) = applied.await {
            tracing::error!(%error, "applying a committed write failed");
        }
    }
}
