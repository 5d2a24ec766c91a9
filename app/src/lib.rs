//! Conduit: components, routes and server functions shared by the WASM
//! frontend and the SSR server. Server-only code lives behind the `ssr` feature.

// Leptos views are deeply nested types; computing their layout needs more
// than the default recursion limit.
#![recursion_limit = "256"]

/// Reusable view pieces: navbar, footer.
pub mod components;
/// The one error type of the app, with its Conduit wire shape.
pub mod error;
/// Server functions, grouped by area of the spec.
pub mod functions;
/// Wire types and the domain newtypes that parse input at the boundary.
pub mod models;
/// Pages, one module per route.
pub mod routes;
/// Database access, configuration state and services (server only).
#[cfg(feature = "ssr")]
pub mod server;
/// Who is signed in, and the writes pages re-read after.
pub mod session;
/// The HTML document and the router.
mod shell;

pub use shell::{shell, App};

/// URL prefix of every server function: stable, and apart from the REST API's `/api`.
pub const SERVER_FN_PREFIX: &str = "/rpc";
