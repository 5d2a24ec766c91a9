//! The web glue of the server build: what the HTTP layer and the page
//! renders share (the state every request gets, the session cookie, the
//! script nonce, page redirects, error answers, extractors), over the plain
//! services of [`crate::backend`].

/// The files of the bundle pages link to.
mod bundle;
/// The web UI's session cookie and the same-origin check.
pub mod cookie;
/// The caller's identity taken from a request.
pub mod extract;
/// Errors as HTTP answers.
mod response;
/// The state every request gets.
mod state;

pub use bundle::Bundle;
pub use state::{AppState, Shared};

/// The script nonce of one response. The HTTP layer chooses it, writes the
/// Content-Security-Policy that names it, and hands it to the render in the
/// request's extensions, so that the policy and the page always agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderNonce(pub String);

/// Additional context of every page render: the request's [`RenderNonce`]
/// becomes the nonce Leptos puts on the page's inline scripts, a failed form
/// post the page answers ([`crate::forms::Resubmitted`]) reaches its forms,
/// and a page that sends the visitor elsewhere (`<Redirect>`) answers with a
/// redirect.
pub fn provide_render_context() {
    use leptos::prelude::{provide_context, use_context};
    let parts = use_context::<axum::http::request::Parts>();
    let extensions = parts.as_ref().map(|parts| &parts.extensions);
    if let Some(RenderNonce(nonce)) = extensions.and_then(|e| e.get::<RenderNonce>()) {
        provide_context(leptos::nonce::Nonce::from_value(nonce.clone()));
    }
    if let Some(failed) = extensions.and_then(|e| e.get::<crate::forms::Resubmitted>()) {
        provide_context(failed.clone());
    }
    leptos_router::components::provide_server_redirect(redirect_page);
}

/// A page's redirect: a 302 to every client. leptos_axum's own is a 302 only
/// for requests that accept HTML (the others being its server-function
/// client), and shared pages are rendered from a request stripped of the
/// visitor's headers (the server's `http_cache`), so a signed-out visitor
/// of `/editor` got the editor's frame with a `Location` header and a 200.
fn redirect_page(path: &str) {
    use axum::http::{header::LOCATION, HeaderValue, StatusCode};
    let response = leptos::prelude::use_context::<leptos_axum::ResponseOptions>();
    if let (Some(response), Ok(location)) = (response, HeaderValue::from_str(path)) {
        response.insert_header(LOCATION, location);
        response.set_status(StatusCode::FOUND);
    }
}
