//! Rate, errors and duration of the public listener's requests, named and
//! labelled after OpenTelemetry's HTTP server conventions
//! (`http.server.request.duration`, `http.server.active_requests`): by the
//! route template a request matched (`/article/{slug}`), never its raw path,
//! so that the series stay as many as the routes, whatever clients send.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// Upper bounds, in seconds: OpenTelemetry's advice for this histogram with
/// the millisecond steps below 5 ms that cached answers take, and 0.25 s,
/// the latency objective (docs/observability/slo.md), on a bound.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// What no route matched: the pages' fallback (unknown paths, the site
/// root's files) and the hashed bundle. One label value for all of them.
const NO_ROUTE: &str = "";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    http_route: String,
    http_request_method: &'static str,
    http_response_status_code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Unanswered {
    http_route: String,
    http_request_method: &'static str,
}

/// The request metrics' handles, registered once per server.
#[derive(Clone, Debug)]
pub struct HttpMetrics {
    duration: Family<Answered, Histogram>,
    active: Gauge,
    abandoned: Family<Unanswered, Counter>,
}

impl HttpMetrics {
    pub(super) fn register(registry: &mut Registry) -> Self {
        let duration =
            Family::<Answered, Histogram>::new_with_constructor(|| Histogram::new(BUCKETS));
        let active = Gauge::default();
        let abandoned = Family::<Unanswered, Counter>::default();
        registry.register_with_unit(
            "http_server_request_duration",
            "Duration of HTTP server requests, until the response's head is ready",
            Unit::Seconds,
            duration.clone(),
        );
        registry.register(
            "http_server_active_requests",
            "Requests in flight",
            active.clone(),
        );
        registry.register(
            "conduit_http_server_abandoned_requests",
            "Requests whose client went away before they were answered",
            abandoned.clone(),
        );
        Self {
            duration,
            active,
            abandoned,
        }
    }
}

/// Times each request from routing to its response's head. A request whose
/// client disconnects first is dropped mid-way: it is counted as abandoned,
/// and leaves the in-flight gauge all the same.
pub async fn observe(State(http): State<HttpMetrics>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(NO_ROUTE, MatchedPath::as_str)
        .to_owned();
    let unanswered = Unanswered {
        http_route: route,
        http_request_method: method(request.method()),
    };
    let in_flight = InFlight::start(&http, unanswered);
    let response = next.run(request).await;
    in_flight.answered(&response);
    response
}

/// OpenTelemetry's rule: the methods HTTP defines by name, any other as
/// `_OTHER` (a client may send any token).
fn method(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

/// A request between routing and its answer.
struct InFlight<'a> {
    http: &'a HttpMetrics,
    started: Instant,
    /// Taken when the answer is given; still here when the request was dropped.
    labels: Option<Unanswered>,
}

impl<'a> InFlight<'a> {
    fn start(http: &'a HttpMetrics, labels: Unanswered) -> Self {
        http.active.inc();
        Self {
            http,
            started: Instant::now(),
            labels: Some(labels),
        }
    }

    fn answered(mut self, response: &Response) {
        if let Some(Unanswered {
            http_route,
            http_request_method,
        }) = self.labels.take()
        {
            let labels = Answered {
                http_route,
                http_request_method,
                http_response_status_code: response.status().as_u16(),
            };
            self.http
                .duration
                .get_or_create(&labels)
                .observe(self.started.elapsed().as_secs_f64());
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.http.active.dec();
        if let Some(labels) = &self.labels {
            self.http.abandoned.get_or_create(labels).inc();
        }
    }
}
