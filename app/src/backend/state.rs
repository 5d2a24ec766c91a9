use std::ops::Deref;
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

/// Everything a request handler or server function needs. Axum clones the
/// state for every request, once per layer and handler it passes through, so
/// this is a handle on one shared [`Services`]: a clone is a reference count,
/// not a copy of the configuration (which cost a cached page about 4% of its
/// CPU time when it was).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

/// What every request shares, built once at start-up.
pub struct Services {
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
    /// The files of the bundle pages load.
    pub bundle: super::Bundle,
    /// The site's own origin (`https://conduit.example`) as browsers see it,
    /// for the same-origin check of form posts; `None` to compare with the
    /// request's own host.
    pub public_origin: Option<String>,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// For `leptos_axum`, which renders with the options it takes from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// For the readiness probe.
impl FromRef<AppState> for PgPool {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

/// For the readiness probe.
impl FromRef<AppState> for Health {
    fn from_ref(state: &AppState) -> Self {
        state.db_health.clone()
    }
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
