//! The app under test in-process, on its own database.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use app::backend::cache::TierStats;
use app::backend::db::Database;
use app::web::AppState;
use axum::body::Body;
use axum::http::{header, Method, Request};
use axum::Router;
use clap::Parser;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::config::Config;
use server::startup::Prepared;
use sqlx::PgPool;
use tower::ServiceExt;

use super::{body_value, Conduit, Reply};

pub struct TestApp {
    /// The test's pool, which the app's `Database` is over.
    pool: PgPool,
    router: Router,
    /// The metrics listener's.
    metrics: Router,
    state: AppState,
    /// The cache listener and the like, stopped with the app.
    background: Vec<tokio::task::JoinHandle<()>>,
    /// Whether the cache listener is known to be subscribed.
    listening: AtomicBool,
}

/// The secret the test app signs tokens with.
pub const SECRET: &[u8] = b"integration-tests-secret-0123456789";

impl TestApp {
    pub fn new(db: PgPool) -> Self {
        Self::configured(db, &[])
    }

    /// An app whose configuration has `args` (command-line flags, e.g.
    /// `["--public-origin", "https://conduit.example"]`) on top of the
    /// tests' own, started as the server starts it.
    pub fn configured(db: PgPool, args: &[&str]) -> Self {
        let options = LeptosOptions::builder().output_name("conduit").build();
        Self::started(db, options, args)
    }

    /// An app whose site root (its static files) is `root`.
    pub fn with_site_root(db: PgPool, root: &str) -> Self {
        let options = LeptosOptions::builder()
            .output_name("conduit")
            .site_root(root)
            .build();
        Self::started(db, options, &[])
    }

    fn started(db: PgPool, options: LeptosOptions, args: &[&str]) -> Self {
        let secret = std::str::from_utf8(SECRET).unwrap();
        // Development: no rate limits (every request comes from one
        // unspecified address); the tests of limits set their own.
        let base = [
            ("--database-url", "postgres://set-by-the-test-pool"),
            ("--app-env", "development"),
            ("--jwt-secret", secret),
            ("--jwt-ttl-hours", "1"),
        ];
        let unless_given = base
            .iter()
            .filter(|(flag, _)| !args.contains(flag))
            .flat_map(|(flag, value)| [*flag, *value]);
        let config = Config::parse_from(
            std::iter::once("server")
                .chain(unless_given)
                .chain(args.iter().copied()),
        );
        let prepared = Prepared::new(&config, options).expect("a valid test configuration");
        let (state, background) = prepared.start(Database::over(db.clone()));
        Self {
            pool: db,
            listening: AtomicBool::new(false),
            router: prepared.router(state.clone()),
            metrics: prepared.metrics_router(state.clone()),
            state,
            background,
        }
    }

    /// Stops the background tasks (the cache listener, the queues' workers):
    /// for a test that works a queue itself and looks at it in between.
    pub fn stop_background(&self) {
        for task in &self.background {
            task.abort();
        }
    }

    /// The test database's pool, for another app over the same data.
    pub fn pool(&self) -> PgPool {
        self.pool.clone()
    }

    /// Waits until this app has handled every change-feed message of the
    /// writes committed so far: a write's own message, arriving after a
    /// test has moved on, would drop what the test just had stored. Asks
    /// again now and then: a message sent before the listener subscribed is
    /// never delivered (nor is any write's from before then).
    pub async fn settle(&self) {
        let heard = self.state.cache.heard();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.state.cache.heard() <= heard {
            let asked = sqlx::query("select pg_notify($1, 'settle')")
                .bind(app::backend::cache::CHANNEL)
                .execute(&self.pool)
                .await;
            if asked.is_err() || Instant::now() > deadline {
                // The test closed the database, or the listener is down on
                // purpose: nothing to wait for.
                return;
            }
            let asked_at = Instant::now();
            while self.state.cache.heard() <= heard
                && asked_at.elapsed() < Duration::from_millis(100)
            {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
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

    /// The OpenMetrics text the metrics listener would serve.
    pub async fn metrics(&self) -> Reply {
        let request = Request::get("/metrics").body(Body::empty()).unwrap();
        let response = self.metrics.clone().oneshot(request).await.unwrap();
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
        // The first request waits for the cache listener: one that had to
        // try again to subscribe flushes the cache when it does, which would
        // drop what a test has just stored.
        if !self.listening.swap(true, Ordering::AcqRel) {
            self.settle().await;
        }
        let write = request.method() != Method::GET;
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        if write && status.is_success() {
            self.settle().await;
        }
        Reply {
            status,
            headers,
            body: body_value(&bytes),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop_background();
    }
}
