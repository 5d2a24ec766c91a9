//! Conduit: the pages, components and data of the web UI, shared by the
//! WASM frontend and the SSR server. Server-only code lives behind the
//! `ssr` feature.

// Leptos views are deeply nested types; computing their layout needs more
// than the default recursion limit.
#![recursion_limit = "256"]

/// The HTML document, the router and the routes.
mod app;
/// Services, cache, database and auth (server only).
#[cfg(feature = "ssr")]
pub mod backend;
/// View pieces shared by several pages.
pub mod components;
/// What pages read and write, and the one place that decides how.
pub mod data;
/// The one error type of the app, with its Conduit wire shape.
pub mod error;
/// The server-rendered pages' forms, and what comes back when one fails.
pub mod forms;
/// Page frames shared by several pages.
pub mod layouts;
/// Markdown to safe HTML, the same on the server and in the browser.
pub mod markdown;
/// Wire types and the domain newtypes that parse input at the boundary.
pub mod models;
/// Pages, one module per route.
pub mod pages;
/// Context provided to every component: the session and the writes.
pub mod providers;
/// Server functions, grouped by area of the spec.
pub mod rpc;
/// The SPA's data layer over the REST API (browser, `csr` only).
#[cfg(feature = "csr")]
pub mod spa;
/// Every URL the app links to.
pub mod urls;
/// The web glue of the server build: state, cookie, nonce, redirects,
/// error answers (server only).
#[cfg(feature = "ssr")]
pub mod web;

pub use app::{shell, App, VITALS_SAMPLE};
