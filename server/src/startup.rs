use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::backend::cache::{self, Cache};
use app::backend::passwords::Passwords;
use app::backend::tokens::Tokens;
use app::backend::{db, AppState};
use app::{shell, App};
use axum::extract::MatchedPath;
use axum::http::{HeaderName, Request};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use secrecy::ExposeSecret;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::{AppEnv, Config, HttpConfig};
use crate::{api, health, http_cache, metrics, shutdown};

/// Password hashes computed at once; each takes ~19 MiB (argon2id defaults).
const HASHING_CONCURRENCY: usize = 8;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Why the server could not start or stopped abnormally, as one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("invalid DATABASE_URL: {0}")]
    DatabaseUrl(#[source] sqlx::Error),
    #[error("cannot reach the database: {0}")]
    DatabaseUnreachable(#[source] sqlx::Error),
    #[error("cannot migrate the database: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
    #[error("server failed: {0}")]
    Serve(#[source] std::io::Error),
}

/// A server that has connected, migrated and bound its port, ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: PgPool,
    cache_listener: tokio::task::JoinHandle<()>,
    shutdown_grace: Duration,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listening socket.
    pub async fn build(
        config: &Config,
        leptos_options: LeptosOptions,
    ) -> Result<Self, StartupError> {
        // Configuration errors first: nothing is opened for a server that cannot run.
        let secret = config.resolve_jwt_secret().map_err(StartupError::Config)?;
        let connect_options: PgConnectOptions = config
            .database
            .url
            .expose_secret()
            .parse()
            .map_err(StartupError::DatabaseUrl)?;
        let settings = db::PoolSettings {
            max_connections: config.database.max_connections,
            acquire_timeout: config.database.acquire_timeout(),
        };
        let db = db::connect(connect_options, &settings)
            .await
            .map_err(StartupError::DatabaseUnreachable)?;
        db::migrate(&db).await?;

        let addr = leptos_options.site_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;

        let cache = Cache::new(config.cache.settings());
        let cache_listener = tokio::spawn(cache::listener::run(cache.clone(), db.clone()));
        let state = AppState {
            leptos_options,
            db: db.clone(),
            tokens: Arc::new(Tokens::new(
                secret.expose_secret().as_bytes(),
                config.auth.token_ttl(),
            )),
            passwords: Arc::new(Passwords::new(HASHING_CONCURRENCY)),
            cache,
            secure_cookies: config.app_env == AppEnv::Production,
            asset_base_url: config.http.asset_base_url.trim_end_matches('/').to_owned(),
        };
        if config.seed_demo_data && config.app_env == AppEnv::Development {
            match crate::seed::demo_data(&state).await {
                Ok(true) => tracing::info!("seeded the demo data set into an empty database"),
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "could not seed the demo data set"),
            }
        }
        let router = router(state, &config.http);
        Ok(Self {
            listener,
            router,
            db,
            cache_listener,
            shutdown_grace: config.shutdown_grace(),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight
    /// requests finish within the grace period, and closes the pool.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let drain = std::sync::Arc::new(tokio::sync::Notify::new());
        // Without TCP_NODELAY a body written after its headers (files are
        // streamed in chunks) waits for the client's delayed ACK: ~40 ms.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(%error, "cannot set TCP_NODELAY");
            }
        });
        let server = axum::serve(listener, self.router).with_graceful_shutdown({
            let drain = drain.clone();
            async move { drain.notified().await }
        });
        let mut server = std::pin::pin!(server.into_future());

        tokio::select! {
            result = &mut server => result.map_err(StartupError::Serve)?,
            () = shutdown::signal() => {
                tracing::info!(grace = ?self.shutdown_grace, "draining in-flight requests");
                drain.notify_one();
                match tokio::time::timeout(self.shutdown_grace, &mut server).await {
                    Ok(result) => result.map_err(StartupError::Serve)?,
                    Err(_) => tracing::warn!("grace period over; dropping open connections"),
                }
            }
        }
        // The listener holds a pooled connection; closing waits for it.
        self.cache_listener.abort();
        self.db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The whole HTTP surface: probes, REST API, server functions, pages and
/// static files. Built by a function so that tests can drive it in-process.
pub fn router(state: AppState, config: &HttpConfig) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let http_cache = http_cache::HttpCache::new(config, &state.cache);

    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(metrics::render))
        .nest("/api", api::router(&config.cors_allowed_origins))
        .leptos_routes_with_context(&state, routes, || (), move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(axum::middleware::from_fn_with_state(
                    http_cache,
                    http_cache::headers,
                )),
        )
        .with_state(state)
}

/// A request's span, named by the route it matched (`/api/articles/{slug}`),
/// never by the raw path: few distinct names, and no user data in them.
fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str);
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        request_id,
    )
}
