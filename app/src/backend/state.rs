use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

use super::cache::Cache;
use super::passwords::Passwords;
use super::tokens::Tokens;

/// Everything a request handler or server function needs, cloned cheaply per request.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub tokens: Arc<Tokens>,
    pub passwords: Arc<Passwords>,
    /// The in-process cache in front of `db`.
    pub cache: Cache,
    /// Mark the session cookie `Secure` (everywhere but local development).
    pub secure_cookies: bool,
    /// Origin the hashed `/pkg` assets are loaded from, without a trailing
    /// slash; empty to load them from this server.
    pub asset_base_url: String,
}
