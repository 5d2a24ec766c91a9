//! The Conduit server: configuration, telemetry, router assembly, start-up
//! and shutdown. Everything domain-specific lives in the `app` crate.

// Rendering the app's deeply nested Leptos view types needs more than the
// default recursion limit.
#![recursion_limit = "256"]

/// The RealWorld REST API under `/api`.
mod api;
/// Typed configuration, parsed once from the environment.
pub mod config;
/// Liveness and readiness probes.
mod health;
/// Cache-Control, ETag and Vary for the CDN and browsers, and the page tier.
pub mod http_cache;
/// Cache counters for Prometheus.
mod metrics;
/// Demo data for a first local run.
pub mod seed;
/// Graceful shutdown on SIGTERM / SIGINT.
mod shutdown;
/// Builds the router and runs the server.
pub mod startup;
/// Logging set-up.
pub mod telemetry;
