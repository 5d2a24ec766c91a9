//! Server-only code: the services that both server functions and the REST
//! API call, and what they stand on (database, cache, tokens, passwords).
//! Nothing here knows about HTTP routes or pages: that is `crate::web`'s.

/// Articles, lists, the feed and favorites.
pub mod articles;
/// Work queued in tables and done in the background by every server.
pub mod background;
/// The in-process cache in front of PostgreSQL, kept coherent across instances.
pub mod cache;
/// Comments on articles.
pub mod comments;
/// Connection pools and embedded migrations.
pub mod db;
/// Who is calling: verified tokens.
pub mod identity;
/// Rate limits per client address and per account.
pub mod limits;
/// Password hashing, bounded in concurrency.
pub mod passwords;
/// A viewer's favorites and follows among what a page shows.
mod personal;
/// Profiles and follows.
pub mod profiles;
/// The favorites and comments of deleted articles, removed in the background.
pub mod purge;
/// Ending sessions: signing out, here or everywhere.
pub mod sign_out;
/// What every service stands on, built once at start-up.
mod state;
/// Tags in use.
pub mod tags;
/// Readers' timelines: the feed pushed at write time, pulled for authors with very many followers.
pub mod timelines;
/// Signing and verifying session tokens.
pub mod tokens;
/// Registration, login and account updates.
pub mod users;

pub use state::Services;
