use std::sync::Arc;

use sqlx::PgPool;

use super::cache::Cache;
use super::db::Health;
use super::limits::RateLimits;
use super::passwords::Passwords;
use super::tokens::Tokens;
use crate::error::AppError;

/// What every service stands on: the database, the cache in front of it,
/// tokens, password hashing and rate limits. Built once at start-up; the
/// web layer's state (`crate::web::AppState`) holds it, and services take it.
pub struct Services {
    /// The pool; services reach it through [`Services::db`], which fails
    /// fast while the database is known to be down.
    pub db: PgPool,
    pub db_health: Health,
    pub tokens: Arc<Tokens>,
    pub passwords: Arc<Passwords>,
    pub limits: Arc<RateLimits>,
    /// The in-process cache in front of `db`.
    pub cache: Cache,
}

impl Services {
    /// The pool, or 503 at once while the database is known to be down.
    pub fn db(&self) -> Result<&PgPool, AppError> {
        if self.db_health.is_up() {
            Ok(&self.db)
        } else {
            Err(AppError::Unavailable)
        }
    }
}
