use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

use super::auth::Auth;
use super::cache::Cache;

/// Everything a request handler or server function needs, cloned cheaply per request.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub auth: Arc<Auth>,
    /// The in-process cache in front of `db`.
    pub cache: Cache,
    /// Mark the session cookie `Secure` (everywhere but local development).
    pub secure_cookies: bool,
    /// Origin the hashed `/pkg` assets are loaded from, without a trailing
    /// slash; empty to load them from this server.
    pub asset_base_url: String,
}
