//! The Conduit server: configuration, telemetry, router assembly, start-up
//! and shutdown. Everything domain-specific lives in the `app` crate.

/// The RealWorld REST API under `/api`.
mod api;
/// Typed configuration, parsed once from the environment.
pub mod config;
/// Liveness and readiness probes.
mod health;
/// Graceful shutdown on SIGTERM / SIGINT.
mod shutdown;
/// Builds the router and runs the server.
pub mod startup;
/// Logging set-up.
pub mod telemetry;
