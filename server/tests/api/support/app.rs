//! The app under test in-process, on its own database.

use std::sync::Arc;
use std::time::Duration;

use app::backend::cache::{Cache, TierStats};
use app::backend::db::Health;
use app::backend::limits::{RateLimits, RateSettings};
use app::backend::passwords::Passwords;
use app::backend::tokens::Tokens;
use app::backend::{AppState, Bundle, Services};
use axum::body::Body;
use axum::http::{header, Method, Request};
use axum::Router;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::config::{defaults, CacheConfig, HttpConfig};
use sqlx::PgPool;
use tower::ServiceExt;

use super::{body_value, Conduit, Reply};

pub struct TestApp {
    router: Router,
    state: AppState,
}

/// Limits that never apply.
pub const NO_RATE_LIMITS: RateSettings = RateSettings::OFF;

/// The secret the test app signs tokens with.
pub const SECRET: &[u8] = b"integration-tests-secret-0123456789";

impl TestApp {
    pub fn new(db: PgPool) -> Self {
        Self::configured(db, |_| {})
    }

    /// An app whose state `adjust` changes first (e.g. an asset origin).
    pub fn configured(db: PgPool, adjust: impl FnOnce(&mut Services)) -> Self {
        let leptos_options = LeptosOptions::builder().output_name("conduit").build();
        let mut services = Services {
            bundle: Bundle::unhashed(&leptos_options),
            leptos_options,
            db,
            db_health: Health::default(),
            tokens: Arc::new(Tokens::new(SECRET, Duration::from_secs(3600))),
            // One hash at a time keeps parallel tests within memory.
            passwords: Arc::new(Passwords::new(1, Duration::from_secs(60))),
            // Requests driven in-process all come from one (unspecified)
            // address; the tests of rate limits set their own.
            limits: Arc::new(RateLimits::new(NO_RATE_LIMITS)),
            cache: Cache::new(defaults::<CacheConfig>().settings()),
            secure_cookies: false,
            asset_base_url: String::new(),
            public_origin: None,
        };
        adjust(&mut services);
        let state = AppState::new(services);
        Self {
            router: server::startup::router(
                state.clone(),
                &defaults::<HttpConfig>(),
                &["*".to_owned()],
            ),
            state,
        }
    }

    /// The state the router serves, for calling services directly.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The counters of the cache tier called `name`.
    pub async fn tier_stats(&self, name: &str) -> TierStats {
        let stats = self.state.cache.stats().await;
        stats
            .into_iter()
            .find(|tier| tier.name == name)
            .unwrap_or_else(|| panic!("no cache tier called {name}"))
    }

    /// The Prometheus text the metrics listener would serve.
    pub async fn metrics(&self) -> Reply {
        let request = Request::get("/metrics").body(Body::empty()).unwrap();
        let response = server::metrics::router(self.state.clone())
            .oneshot(request)
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: body_value(&bytes),
        }
    }

    /// The router itself, for requests the helpers do not build.
    pub fn router_for_tests(&self) -> Router {
        self.router.clone()
    }
}

impl Conduit for TestApp {
    async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Token {token}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body)),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: body_value(&bytes),
        }
    }
}
