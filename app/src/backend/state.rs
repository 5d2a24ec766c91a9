use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

use super::cache::Cache;
use super::db::Health;
use super::limits::RateLimits;
use super::passwords::Passwords;
use super::tokens::Tokens;
use crate::error::AppError;

/// Everything a request handler or server function needs, cloned cheaply per request.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The pool; services reach it through [`AppState::db`], which fails
    /// fast while the database is known to be down.
    pub db: PgPool,
    pub db_health: Health,
    pub tokens: Arc<Tokens>,
    pub passwords: Arc<Passwords>,
    pub limits: Arc<RateLimits>,
    /// The in-process cache in front of `db`.
    pub cache: Cache,
    /// Mark the session cookie `Secure` (everywhere but local development).
    pub secure_cookies: bool,
    /// Origin the hashed `/pkg` assets are loaded from, without a trailing
    /// slash; empty to load them from this server.
    pub asset_base_url: String,
    /// The site's own origin (`https://conduit.example`) as browsers see it,
    /// for the same-origin check of form posts; `None` to compare with the
    /// request's own host.
    pub public_origin: Option<String>,
}

impl AppState {
    /// The pool, or 503 at once while the database is known to be down.
    pub fn db(&self) -> Result<&PgPool, AppError> {
        if self.db_health.is_up() {
            Ok(&self.db)
        } else {
            Err(AppError::Unavailable)
        }
    }
}
