//! Web UI sessions: the same signed token as the API, carried in an
//! HttpOnly cookie, plus the same-origin check that keeps a cookie alone
//! from authorising a cross-site request.

use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::auth::UserId;
use super::AppState;
use crate::error::AppError;

pub const COOKIE_NAME: &str = "conduit_session";

fn request_parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The session token sent with this request, if any.
pub fn token() -> Option<String> {
    let parts = request_parts()?;
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE_NAME)
        .map(|c| c.value().to_owned())
}

/// The signed-in user, or `None` for anonymous visitors and stale cookies.
pub fn viewer(state: &AppState) -> Option<UserId> {
    token().and_then(|t| state.auth.verify_token(&t).ok())
}

/// The signed-in user and their token, or 401.
pub fn require_user(state: &AppState) -> Result<(UserId, String), AppError> {
    let token = token().ok_or_else(AppError::token_missing)?;
    let user = state.auth.verify_token(&token)?;
    Ok((user, token))
}

/// Starts a session: sets the cookie carrying `token`.
pub fn start(state: &AppState, token: &str) {
    let max_age = cookie::time::Duration::seconds(
        i64::try_from(state.auth.token_ttl().as_secs()).unwrap_or(i64::MAX),
    );
    let cookie = cookie::Cookie::build((COOKIE_NAME, token.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(state.secure_cookies)
        .max_age(max_age)
        .build();
    set_cookie(&cookie);
}

/// Ends the session: expires the cookie.
pub fn end(state: &AppState) {
    let mut cookie = cookie::Cookie::build((COOKIE_NAME, ""))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(state.secure_cookies)
        .build();
    cookie.make_removal();
    set_cookie(&cookie);
}

fn set_cookie(cookie: &cookie::Cookie<'_>) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&cookie.to_string()),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Rejects a state-changing request that another site made the browser
/// send. Browsers send `Sec-Fetch-Site` and/or `Origin` with every POST;
/// a request with neither comes from a non-browser client, which cannot
/// hold the victim's cookie.
pub fn require_same_origin() -> Result<(), AppError> {
    let Some(parts) = request_parts() else {
        return Ok(());
    };
    if let Some(site) = parts.headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" | b"none" => Ok(()),
            _ => Err(cross_site()),
        };
    }
    match (parts.headers.get(ORIGIN), parts.headers.get(HOST)) {
        (None, _) => Ok(()),
        (Some(origin), Some(host)) if origin_matches_host(origin, host) => Ok(()),
        _ => Err(cross_site()),
    }
}

fn origin_matches_host(origin: &HeaderValue, host: &HeaderValue) -> bool {
    let (Ok(origin), Ok(host)) = (origin.to_str(), host.to_str()) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

fn cross_site() -> AppError {
    tracing::warn!("rejected a cross-site form submission");
    AppError::forbidden("request")
}

/// Sets the response status of a failed server function call to the
/// error's own, unless the call is a plain HTML form post: those are
/// answered with a redirect back to the form, which must stay a redirect.
pub fn set_error_status(error: &AppError) {
    let form_post = request_parts().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    if form_post {
        return;
    }
    if let (Some(response), Ok(status)) = (
        use_context::<ResponseOptions>(),
        axum::http::StatusCode::from_u16(error.status_code()),
    ) {
        response.set_status(status);
    }
}

/// The author of a state-changing request from this site: 403 when the
/// request is cross-site, 401 when nobody is signed in.
pub fn writer(state: &AppState) -> Result<(UserId, String), AppError> {
    require_same_origin()?;
    require_user(state)
}

/// Like [`writer`], but a signed-out visitor is sent to sign in (`None`)
/// instead of getting an error: for buttons shown to everyone.
pub fn writer_or_sign_in(state: &AppState) -> Result<Option<UserId>, AppError> {
    require_same_origin()?;
    match require_user(state) {
        Ok((user, _)) => Ok(Some(user)),
        Err(_) => {
            leptos_axum::redirect("/login");
            Ok(None)
        }
    }
}
