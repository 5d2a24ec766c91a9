//! The Conduit server: configuration, telemetry, router assembly, start-up
//! and shutdown. Everything domain-specific lives in the `app` crate.

// Rendering the app's deeply nested Leptos view types needs more than the
// default recursion limit.
#![recursion_limit = "256"]

/// The RealWorld REST API under `/api`.
mod api;
/// Who the client is, behind trusted proxies.
pub mod client_ip;
/// Typed configuration, parsed once from the environment.
pub mod config;
/// The pages' form posts: the server function they name, then the next page
/// or the same one showing why it failed.
mod forms;
/// Liveness and readiness probes.
mod health;
/// `server healthcheck`: the readiness probe as a command, for containers.
pub mod healthcheck;
/// Cache-Control, ETag and Vary for the CDN and browsers, and the response tier.
pub mod http_cache;
/// Requests, the process, the cache and the database for Prometheus, on
/// their own listener.
pub mod metrics;
/// Load shedding and the request timeout.
mod overload;
/// Rate limits per client address.
mod rate_limit;
/// Content-Security-Policy and the other security headers.
pub mod security_headers;
/// Demo data for a first local run.
pub mod seed;
/// Accepting connections, and closing slow, silent and idle ones.
pub mod serve;
/// The status of a server function's error raised before its body runs.
mod server_fn_status;
/// Graceful shutdown on SIGTERM / SIGINT.
mod shutdown;
/// The hashed bundle named by `hash.txt`, checked before serving.
mod site_assets;
/// Builds the router and runs the server.
pub mod startup;
/// Logging set-up.
pub mod telemetry;
