use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use app::backend::cache::{self, Cache};
use app::backend::db::{self, Database};
use app::backend::limits::RateLimits;
use app::backend::passwords::Passwords;
use app::backend::tokens::Tokens;
use app::backend::Services;
use app::backend::{purge, tags, timelines};
use app::web::{provide_render_context, AppState, Shared};
use app::{shell, App};
use axum::body::Body;
use axum::extract::MatchedPath;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderName, Request, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::client_ip::{self, Proxies};
use crate::config::{AppEnv, Config, HttpConfig};
use crate::forms::{self, Forms};
use crate::metrics::Metrics;
use crate::overload::{self, Overload};
use crate::security_headers::{self, Security};
use crate::{
    api, health, http_cache, metrics, rate_limit, serve, server_fn_status, shutdown, site_assets,
    telemetry,
};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Largest body a page or server function takes (server functions read the
/// whole body before parsing it): a form with the longest article, 100,000
/// characters of four-byte UTF-8 percent-encoded, fits. The REST API keeps
/// its own 1 MiB limit.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;
/// How often rate-limit tables forget clients that are back under their limits.
const FORGET_IDLE_CLIENTS: Duration = Duration::from_secs(60);

/// Why the server could not start or stopped abnormally, as one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
}

/// A server that has bound its ports, ready to run. It has not reached the
/// database yet: that, and the migrations, happen in the background
/// ([`db::schema::prepare`]) while requests are answered 503.
pub struct Application {
    listener: TcpListener,
    metrics_listener: TcpListener,
    router: Router,
    metrics: Router,
    db: Database,
    background: Vec<tokio::task::JoinHandle<()>>,
    connection_limits: serve::ConnectionLimits,
    shutdown_grace: Duration,
}

/// What a configuration makes of itself before anything is opened: the
/// settings that could be wrong are checked here, so that a server that
/// cannot run says so before it connects anywhere.
pub struct Prepared {
    config: Config,
    endpoints: db::Endpoints,
    leptos_options: LeptosOptions,
    secret: secrecy::SecretString,
    cors_origins: Vec<String>,
    bundle: app::web::Bundle,
    metrics: Metrics,
}

impl Prepared {
    pub fn new(config: &Config, leptos_options: LeptosOptions) -> Result<Self, StartupError> {
        let secret = config.resolve_jwt_secret().map_err(StartupError::Config)?;
        let endpoints = config.database.endpoints().map_err(StartupError::Config)?;
        let cors_origins = config
            .http
            .cors_origins(config.app_env)
            .map_err(StartupError::Config)?;
        let bundle = site_assets::load(&leptos_options).map_err(StartupError::Config)?;
        Ok(Self {
            config: config.clone(),
            endpoints,
            leptos_options,
            secret,
            cors_origins,
            bundle,
            metrics: Metrics::new(),
        })
    }

    /// The state every request gets, over `db`, and the tasks that keep it
    /// current: the cache listener (a direct session: `DATABASE_LISTEN_URL`,
    /// or the pool's URL), the replica's watch, and the rate limits'
    /// forgetting. The server and the tests start the app through here, and
    /// only here.
    pub fn start(&self, db: Database) -> (AppState, Vec<tokio::task::JoinHandle<()>>) {
        let config = &self.config;
        // The listener's session is its own connection, never one of the
        // request pool's: those are handed out unpinged while in steady use,
        // and one the database is dropping at that moment would look like a
        // reconnection (and flush the cache) in the middle of an outage.
        let listen_from = db::listener_pool(match &config.database.listen_url {
            Some(_) => self.endpoints.direct.clone(),
            None => db.connect_options(),
        });
        let cache = Cache::new(config.cache.settings());
        let limits = Arc::new(RateLimits::new(config.limits.settings(config.app_env)));
        let background = vec![
            tokio::spawn(cache::listener::run(cache.clone(), listen_from, db.clone())),
            tokio::spawn(db.clone().watch_replica(config.database.read_max_lag())),
            tokio::spawn(forget_idle_clients(limits.clone())),
            tokio::spawn(purge::run(db.clone())),
            tokio::spawn(timelines::run(db.clone())),
            tokio::spawn(tags::run(db.clone())),
        ];
        let services = Services {
            db,
            tokens: Arc::new(Tokens::new(
                self.secret.expose_secret().as_bytes(),
                config.auth.token_ttl(),
            )),
            passwords: Arc::new(Passwords::new(
                Passwords::default_concurrency(),
                config.auth.password_hash_wait(),
            )),
            limits,
            cache,
        };
        let state = AppState::new(Shared {
            services,
            leptos_options: self.leptos_options.clone(),
            secure_cookies: config.app_env == AppEnv::Production,
            asset_base_url: config.http.asset_base_url.trim_end_matches('/').to_owned(),
            bundle: self.bundle.clone(),
            public_origin: config.http.public_origin.clone(),
            vitals_sample_rate: config.http.vitals_sample_rate,
        });
        (state, background)
    }

    /// The public router of `state`.
    pub fn router(&self, state: AppState) -> Router {
        router(state, &self.config.http, &self.cors_origins, &self.metrics)
    }

    /// The metrics listener's router of `state`: what the public router
    /// has counted, and the standing of `state`'s cache and database.
    pub fn metrics_router(&self, state: AppState) -> Router {
        self.metrics.router(state)
    }
}

impl Application {
    /// Checks the configuration and binds the listening sockets. The
    /// database is reached in the background: the schema task migrates it
    /// (waiting for it as long as it takes) and only then lets requests
    /// through, and seeds the demo data in development.
    pub async fn build(
        config: &Config,
        leptos_options: LeptosOptions,
    ) -> Result<Self, StartupError> {
        let prepared = Prepared::new(config, leptos_options)?;
        let settings = config.database.pool_settings();
        let db = Database::open(&prepared.endpoints, &settings);
        let listener = bind(prepared.leptos_options.site_addr).await?;
        let metrics_listener = bind(config.http.metrics_addr).await?;
        let (state, mut background) = prepared.start(db.clone());
        let seed = config.seed_demo_data && config.app_env == AppEnv::Development;
        let direct = prepared.endpoints.direct.clone();
        let seeded = state.clone();
        background.push(tokio::spawn(async move {
            db::schema::prepare(&seeded.db, &direct, &settings).await;
            if seed {
                match crate::seed::demo_data(&seeded).await {
                    Ok(true) => tracing::info!("seeded the demo data set into an empty database"),
                    Ok(false) => {}
                    Err(error) => tracing::warn!(%error, "could not seed the demo data set"),
                }
            }
        }));
        Ok(Self {
            listener,
            metrics_listener,
            metrics: prepared.metrics_router(state.clone()),
            router: prepared.router(state),
            db,
            background,
            connection_limits: config.http.connection_limits(),
            shutdown_grace: config.shutdown_grace(),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn metrics_addr(&self) -> std::io::Result<SocketAddr> {
        self.metrics_listener.local_addr()
    }

    /// Serves until SIGTERM or SIGINT, then stops accepting, lets in-flight
    /// requests finish within the grace period, and closes the pools.
    pub async fn run_until_stopped(mut self) {
        use std::future::IntoFuture;
        let metrics = axum::serve(self.metrics_listener, self.metrics).into_future();
        self.background.push(tokio::spawn(async move {
            if let Err(error) = metrics.await {
                tracing::error!(%error, "the metrics listener failed");
            }
        }));
        serve::serve(
            self.listener,
            self.router,
            self.connection_limits,
            shutdown::signal(),
            self.shutdown_grace,
        )
        .await;
        // The cache listener holds a pooled connection; closing waits for it.
        for task in &self.background {
            task.abort();
        }
        self.db.close().await;
        tracing::info!("stopped");
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, StartupError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Bind { addr, source })
}

async fn forget_idle_clients(limits: Arc<RateLimits>) {
    let mut every = tokio::time::interval(FORGET_IDLE_CLIENTS);
    loop {
        every.tick().await;
        limits.forget_idle();
    }
}

/// The whole public HTTP surface: probes, REST API, server functions, pages
/// and static files. Built by a function so that tests can drive it in-process.
///
/// Around everything but the probes, from the outside in: load shedding and
/// the request timeout, rate limits per client address, security headers,
/// and the HTTP cache.
pub fn router(
    state: AppState,
    config: &HttpConfig,
    cors_origins: &[String],
    metrics: &Metrics,
) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let security = Security::new(&state.asset_base_url, state.secure_cookies);
    let site_root = Path::new(&*state.leptos_options.site_root);
    let http_cache = http_cache::HttpCache::new(
        config,
        &state,
        security.clone(),
        http_cache::CorsOrigins::new(cors_origins),
        static_files(site_root),
    );
    let assets = hashed_assets(&site_root.join(&*state.leptos_options.site_pkg_dir));
    // Pages and server functions. The REST API bounds its bodies itself and
    // answers in its own error shape; these are bounded here. Forms post to
    // their pages ([`forms`]), which call the server functions of the same
    // routes without that layer.
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, provide_render_context, move || {
            shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_render_context, shell));
    let forms = Forms::new(
        pages.clone().with_state(state.clone()),
        state.limits.clone(),
        metrics.refusals.clone(),
        MAX_FORM_BYTES,
    );
    let pages = pages.layer(
        ServiceBuilder::new()
            .layer(from_fn(server_fn_status::from_error))
            .layer(from_fn_with_state(forms, forms::posted))
            .layer(RequestBodyLimitLayer::new(MAX_FORM_BYTES)),
    );
    let guarded = Router::new()
        .nest(
            "/api",
            api::router(cors_origins).merge(metrics.vitals.router()),
        )
        .nest(&format!("/{}", state.leptos_options.site_pkg_dir), assets)
        .merge(pages)
        .layer(
            ServiceBuilder::new()
                .layer(from_fn_with_state(
                    Overload::new(
                        config.max_in_flight,
                        config.request_timeout(),
                        metrics.refusals.clone(),
                    ),
                    overload::guard,
                ))
                .layer(from_fn_with_state(
                    (state.limits.clone(), metrics.refusals.clone()),
                    rate_limit::by_address,
                ))
                .layer(from_fn_with_state(security, security_headers::headers))
                .layer(from_fn_with_state(http_cache, http_cache::headers)),
        );
    let proxies = Proxies::new(
        config.trusted_proxies.clone(),
        config.client_ip_header.clone(),
    );
    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .merge(guarded)
        .layer(
            ServiceBuilder::new()
                // The request id is ours: one a client sends would be echoed
                // and logged as if this server had chosen it.
                .map_request(|mut request: Request<Body>| {
                    request.headers_mut().remove(REQUEST_ID);
                    request
                })
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(record_status),
                )
                .layer(from_fn_with_state(metrics.http.clone(), metrics::observe))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(from_fn_with_state(proxies, client_ip::resolve)),
        )
        .with_state(state)
}

/// The hashed bundle under `/pkg`, precompressed. A file that is not there
/// is a bare 404 ([`no_such_asset`]): the app's own not-found page would
/// render with the visitor's session, and a CDN that caches 404s could show
/// it to others.
fn hashed_assets(dir: &Path) -> Router<AppState> {
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .not_found_service(no_such_asset.into_service());
    Router::new().fallback_service(files)
}

/// Not kept anywhere: during a deploy, an asset missing a moment ago may be
/// there the next.
async fn no_such_asset() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        "Not Found",
    )
}

/// The files at the site root (favicon, default avatar): served as they
/// are, outside the response tier.
fn static_files(site_root: &Path) -> HashSet<String> {
    std::fs::read_dir(site_root)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|entry| entry.file_name().into_string().ok())
                .map(|name| format!("/{name}"))
                .collect()
        })
        .unwrap_or_default()
}

/// A request's span, named by the route it matched (`/api/articles/{slug}`),
/// never by the raw path: few distinct names, and no user data in them.
/// While traces are exported ([`telemetry::exporting`]) it carries
/// OpenTelemetry's HTTP server attributes, and an exporter names it
/// `GET /api/articles/{slug}`; the status is recorded with the answer
/// ([`record_status`]) and the reader's id once their session is verified
/// (`app::backend::identity`). Without an exporter it holds what the logs
/// show, and those records find no field: a request pays for no attribute
/// nobody reads.
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
    let method = request.method().as_str();
    if !telemetry::exporting() {
        return tracing::info_span!("request", method, route, request_id);
    }
    tracing::info_span!(
        "request",
        method,
        route,
        request_id,
        otel.name = format_args!("{method} {route}"),
        otel.kind = "server",
        http.request.method = method,
        http.route = route,
        http.response.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        enduser.id = tracing::field::Empty,
    )
}

/// The answer's status on the request's span; a 5xx marks the span as
/// failed for trace backends (a 4xx is the client's, not the server's).
fn record_status<B>(response: &axum::http::Response<B>, _: Duration, span: &tracing::Span) {
    span.record("http.response.status_code", response.status().as_u16());
    if response.status().is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
}
