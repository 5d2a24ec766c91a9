//! Server-only code: database pools and migrations, shared state, and the
//! services that both server functions and the REST API call.

/// Articles, lists, the feed and favorites.
pub mod articles;
/// Tokens and password hashing.
pub mod auth;
/// The in-process cache in front of PostgreSQL, kept coherent across instances.
pub mod cache;
/// Comments on articles.
pub mod comments;
/// Connection pools and embedded migrations.
pub mod db;
/// Markdown to sanitised HTML.
pub mod markdown;
/// Profiles and follows.
pub mod profiles;
/// Session cookies and the same-origin check for the web UI.
pub mod session;
/// State shared by every request.
mod state;
/// Tags in use.
pub mod tags;
/// Registration, login and account updates.
pub mod users;

pub use state::AppState;
