//! `GET /metrics` in the OpenMetrics text format, on its own listener
//! (`METRICS_ADDR`), apart from the public one: only the monitoring agent
//! inside the network reaches it. docs/observability/README.md lists what
//! it holds and how the dashboard and the alerts read it.

mod http;
mod process;
mod standing;
pub mod vitals;

use std::sync::Arc;

use app::web::AppState;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

pub use http::{observe, HttpMetrics};
pub use vitals::WebVitals;

use standing::Standing;

const CONTENT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// One server's metrics: what is counted as requests happen, registered
/// once; what is read at each scrape is added then ([`Standing`]).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    pub http: HttpMetrics,
    pub refusals: Refusals,
    pub vitals: WebVitals,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http = HttpMetrics::register(&mut registry);
        let refusals = Refusals::register(&mut registry);
        let vitals = WebVitals::register(&mut registry);
        registry.register(
            "conduit_build",
            "The running build",
            Info::new([("version", env!("CARGO_PKG_VERSION"))]),
        );
        registry.register_collector(Box::new(process::Process::new()));
        Self {
            registry: Arc::new(registry),
            http,
            refusals,
            vitals,
        }
    }

    /// The metrics listener's whole surface, over `state`.
    pub fn router(&self, state: AppState) -> Router {
        Router::new()
            .route("/metrics", get(render))
            .with_state((self.clone(), state))
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a request was answered without being served.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Refusal {
    /// Over the concurrency limit: 503 at once.
    Shed,
    /// Ran past the request timeout: 503.
    TimedOut,
    /// Over a client address's rate limit: 429.
    RateLimited,
}

impl EncodeLabelValue for Refusal {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        use std::fmt::Write;
        encoder.write_str(match self {
            Refusal::Shed => "shed",
            Refusal::TimedOut => "timed_out",
            Refusal::RateLimited => "rate_limited",
        })
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: Refusal,
}

/// Requests refused, by why.
#[derive(Clone, Debug)]
pub struct Refusals(Family<Reason, Counter>);

impl Refusals {
    fn register(registry: &mut Registry) -> Self {
        let refused = Family::<Reason, Counter>::default();
        registry.register(
            "conduit_requests_refused",
            "Requests answered without being served: shed at the concurrency limit, \
             timed out, or rate limited",
            refused.clone(),
        );
        Self(refused)
    }

    pub fn count(&self, reason: Refusal) {
        self.0.get_or_create(&Reason { reason }).inc();
    }
}

async fn render(State((metrics, state)): State<(Metrics, AppState)>) -> Response {
    // The database's timings are counted by its pools, which the state
    // owns (the tests' included): registered with each scrape.
    let mut scrape = Registry::default();
    state.db.timings().register(&mut scrape);
    scrape.register_collector(Box::new(Standing::take(&state).await));
    let mut text = String::new();
    let encoded = encode_registry(&mut text, &metrics.registry)
        .and_then(|()| encode_registry(&mut text, &scrape))
        .and_then(|()| encode_eof(&mut text));
    if let Err(error) = encoded {
        tracing::error!(%error, "could not encode the metrics");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [
            (CONTENT_TYPE, CONTENT),
            (CACHE_CONTROL, "private, no-store"),
        ],
        text,
    )
        .into_response()
}
