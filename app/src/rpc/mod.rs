//! Server functions: what the server-rendered pages call, under `/rpc/…`
//! with fixed names. One module per area of the spec; each calls the shared
//! services in `crate::backend`, never the REST API over HTTP.
//!
//! Reads are GETs (cacheable); writes are POSTs that check the request is
//! same-origin. The server-rendered pages' forms send them as plain HTML
//! form posts, answered with a redirect.

/// Articles, lists and favorites.
pub mod articles;
/// Comments on articles.
pub mod comments;
/// Profiles and follows.
pub mod profiles;
/// Tags in use.
pub mod tags;
/// Sign in, sign up, sign out and settings.
pub mod users;

use leptos::server_fn::ServerFn;

/// Where every server function is served; each `#[server]` repeats it,
/// since the attribute takes a literal (a test holds them to it).
pub const PREFIX: &str = "/rpc/";

/// The server functions the pages' forms call, by `PATH`: what a form post
/// may name (`crate::forms::ACTION_FIELD`).
pub const FORM_ACTIONS: &[&str] = &[
    users::Login::PATH,
    users::Register::PATH,
    users::Logout::PATH,
    users::UpdateSettings::PATH,
    users::SignOutEverywhere::PATH,
    articles::SaveArticle::PATH,
    articles::DeleteArticle::PATH,
    articles::SetFavorite::PATH,
    comments::AddComment::PATH,
    comments::DeleteComment::PATH,
    profiles::SetFollowing::PATH,
];

/// Outcome of a write the UI makes from a form: where the browser goes
/// next, if anywhere. The server-rendered build also answers a plain form
/// post with a redirect there; the SPA navigates there itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Done {
    pub next: Option<String>,
}

impl Done {
    /// The page stays where it is.
    pub fn stay() -> Self {
        Self::default()
    }

    /// The page goes to `path`.
    pub fn go(path: &str) -> Self {
        Self {
            next: Some(path.to_owned()),
        }
    }
}

/// Sends the browser to `path` after a write: the redirect that answers
/// the form post.
#[cfg(feature = "ssr")]
fn go(path: &str) -> Result<Done, crate::error::AppError> {
    leptos_axum::redirect(path);
    Ok(Done::go(path))
}

/// Runs a server function's body with the server's state, and gives a
/// failed call the status of its error (a 422 is not a 500).
#[cfg(feature = "ssr")]
async fn call<T, F, Fut>(body: F) -> Result<T, crate::error::AppError>
where
    F: FnOnce(crate::web::AppState) -> Fut,
    Fut: std::future::Future<Output = Result<T, crate::error::AppError>>,
{
    // The state is always provided when a request is handled; it is missing
    // only while Leptos renders the app outside a request (to list its
    // routes), where an error is the right answer and a panic is not.
    let result = match leptos::prelude::use_context::<crate::web::AppState>() {
        Some(state) => body(state).await,
        None => Err(crate::error::AppError::Internal),
    };
    if let Err(error) = &result {
        set_error_status(error);
    }
    result
}

/// Sets the response status to the error's own, unless the call is a plain
/// HTML form post: those are answered with a redirect back to the form,
/// which carries the error and must stay a redirect.
#[cfg(feature = "ssr")]
fn set_error_status(error: &crate::error::AppError) {
    use axum::http::header::ACCEPT;
    use leptos::prelude::use_context;
    let form_post = use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    if form_post {
        return;
    }
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::StatusCode::from_u16(error.status_code()),
    ) {
        response.set_status(status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_server_function_is_served_under_the_prefix() {
        let reads = [
            articles::ListArticles::PATH,
            articles::GetArticle::PATH,
            comments::ListComments::PATH,
            profiles::GetProfile::PATH,
            tags::ListTags::PATH,
            users::CurrentUser::PATH,
        ];
        for path in FORM_ACTIONS.iter().chain(&reads) {
            assert!(path.starts_with(PREFIX), "{path}");
        }
    }
}
