//! The SPA's data layer (the `csr` feature): the REST API (`/api`, the
//! RealWorld contract) over `fetch`, with the token the browser keeps, as
//! `docs/realworld/SPA.md` specifies. It offers the functions the pages
//! call, with the signatures of the server functions they call in the
//! server-rendered build; `crate::data` picks one or the other.

mod api;
mod auth;
mod reads;
mod writes;

pub use api::API_BASE;
pub use auth::Auth;
pub use reads::{get_article, get_profile, list_articles, list_comments, list_tags};
pub use writes::Submit;

/// Reads the stored token, starts its check and (in a build for test
/// suites) installs the debug hook: before anything renders, as SPA.md asks.
pub fn start() {
    let auth = Auth::start();
    leptos::prelude::provide_context(auth);
    #[cfg(feature = "debug-hook")]
    auth::install_debug_hook(auth);
}
