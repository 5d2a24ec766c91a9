use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use super::Bundle;
use crate::backend::Services;

/// What every request gets: the services, and what rendering and the
/// session cookie need besides. Axum clones the state for every request,
/// once per layer and handler it passes through, so this is a handle on one
/// shared allocation: a clone is a reference count, not a copy of the
/// configuration (which cost a cached page about 4% of its CPU time when it
/// was). It dereferences to [`Shared`], and that to [`Services`], so a
/// service takes `&state`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] shares: the services and the web layer's settings.
pub struct Shared {
    pub services: Services,
    pub leptos_options: LeptosOptions,
    /// Mark the session cookie `Secure` (everywhere but local development).
    pub secure_cookies: bool,
    /// Origin the hashed `/pkg` assets are loaded from, without a trailing
    /// slash; empty to load them from this server.
    pub asset_base_url: String,
    /// The files of the bundle pages load.
    pub bundle: Bundle,
    /// The site's own origin (`https://conduit.example`) as browsers see it,
    /// for the same-origin check of form posts; `None` to compare with the
    /// request's own host.
    pub public_origin: Option<String>,
    /// Share of page views that send their timings (`frontend` `vitals`).
    pub vitals_sample_rate: f64,
}

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Deref for Shared {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.services
    }
}

/// For `leptos_axum`, which renders with the options it takes from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
