//! Server functions, one module per area of the spec. Each calls the shared
//! service layer in `crate::server`; none talks to the REST API over HTTP.
//!
//! Reads are GETs (cacheable); writes are POSTs that check the request is
//! same-origin and work as plain HTML form posts before the app hydrates.

/// Articles, favorites and comments.
pub mod articles;
/// Sign in, sign up, sign out and settings.
pub mod auth;
/// Profiles and follows.
pub mod profiles;
/// Tags in use.
pub mod tags;

/// Outcome of a write the UI makes from a form: where to go next is decided
/// by the server (a redirect), so the value carries nothing.
pub type Done = ();

/// Gives a failed call the status of its error (a 422 is not a 500), except
/// for plain HTML form posts, which are answered with a redirect that
/// carries the error back to the form.
#[cfg(feature = "ssr")]
async fn reported<T>(
    result: impl std::future::Future<Output = Result<T, crate::error::AppError>>,
) -> Result<T, crate::error::AppError> {
    let result = result.await;
    if let Err(error) = &result {
        crate::server::session::set_error_status(error);
    }
    result
}

/// The server's shared state. Always provided when a request is handled;
/// missing only while Leptos renders the app outside a request (to list its
/// routes), where an error is the right answer and a panic is not.
#[cfg(feature = "ssr")]
fn state() -> Result<crate::server::AppState, crate::error::AppError> {
    leptos::prelude::use_context::<crate::server::AppState>()
        .ok_or(crate::error::AppError::Internal)
}
