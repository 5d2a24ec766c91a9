//! The web UI's session: the same signed token as the API, carried in an
//! HttpOnly cookie, plus the same-origin check that keeps a cookie alone
//! from authorising a cross-site request.

use axum::http::header::{COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::AppState;
use crate::backend::identity::{self, SignedIn};
use crate::backend::tokens::UserId;
use crate::error::AppError;
use crate::urls;

pub const COOKIE_NAME: &str = "conduit_session";

/// The session token in a request's `Cookie` headers, if any. The one
/// parser of cookies: the HTTP cache asks it too.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE_NAME)
        .map(|c| c.value().to_owned())
}

fn request_parts() -> Option<Parts> {
    use_context::<Parts>()
}

fn token() -> Option<String> {
    session_token(&request_parts()?.headers)
}

/// The signed-in visitor, or `None` for anonymous visitors and stale or
/// revoked cookies. A database outage is an error, not a sign-out.
pub async fn viewer(state: &AppState) -> Result<Option<UserId>, AppError> {
    match identity::viewer(state, token().as_deref()).await {
        Ok(viewer) => Ok(viewer),
        Err(AppError::Unauthorized { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The signed-in visitor, or 401.
pub async fn signed_in(state: &AppState) -> Result<SignedIn, AppError> {
    identity::signed_in(state, token().ok_or_else(AppError::token_missing)?).await
}

/// Starts a session: sets the cookie carrying `token`.
pub fn start(state: &AppState, token: &str) {
    let max_age = cookie::time::Duration::seconds(
        i64::try_from(state.tokens.ttl().as_secs()).unwrap_or(i64::MAX),
    );
    let cookie = session_cookie(state.secure_cookies, token.to_owned())
        .max_age(max_age)
        .build();
    set_cookie(&cookie.to_string());
}

/// Ends the session: expires the cookie.
pub fn end(state: &AppState) {
    set_cookie(&removal(state.secure_cookies));
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn removal(secure: bool) -> String {
    let mut cookie = session_cookie(secure, String::new()).build();
    cookie.make_removal();
    cookie.to_string()
}

fn session_cookie(secure: bool, value: String) -> cookie::CookieBuilder<'static> {
    cookie::Cookie::build((COOKIE_NAME, value))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(secure)
}

fn set_cookie(cookie: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(cookie),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

/// Rejects a state-changing request that another site made the browser
/// send. Browsers send `Sec-Fetch-Site` and/or `Origin` with every POST;
/// a request with neither comes from a non-browser client, which cannot
/// hold the victim's cookie. `Origin` is compared with the site's configured
/// public origin: behind a CDN the `Host` the server sees is the CDN's
/// choice, and HTTP/2 sends no `Host` at all. Without one, it must be this
/// server's own: plain HTTP at the request's host (the server speaks no
/// TLS itself; behind one that does, the public origin is configured), so
/// a page at `https://host` is as foreign as one at another host.
pub fn require_same_origin(state: &AppState) -> Result<(), AppError> {
    let Some(parts) = request_parts() else {
        return Ok(());
    };
    if let Some(site) = parts.headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" | b"none" => Ok(()),
            _ => Err(cross_site()),
        };
    }
    let Some(origin) = parts.headers.get(ORIGIN).and_then(|o| o.to_str().ok()) else {
        return match parts.headers.get(ORIGIN) {
            None => Ok(()),
            Some(_) => Err(cross_site()),
        };
    };
    let same = match &state.public_origin {
        Some(public) => origin.eq_ignore_ascii_case(public),
        None => request_authority(&parts)
            .is_some_and(|host| origin.eq_ignore_ascii_case(&format!("http://{host}"))),
    };
    if same {
        Ok(())
    } else {
        Err(cross_site())
    }
}

/// Host and port the request was sent to: `Host`, or the URI's authority (HTTP/2).
fn request_authority(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
}

fn cross_site() -> AppError {
    tracing::warn!("rejected a cross-site form submission");
    AppError::forbidden("request")
}

/// The author of a state-changing request from this site: 403 when the
/// request is cross-site, 401 when nobody is signed in, 429 past the
/// account's write limit.
pub async fn writer(state: &AppState) -> Result<SignedIn, AppError> {
    require_same_origin(state)?;
    let caller = signed_in(state).await?;
    state.limits.write_by(caller.user)?;
    Ok(caller)
}

/// Like [`writer`], but a signed-out visitor is sent to sign in (`None`)
/// instead of getting an error: for buttons shown to everyone.
pub async fn writer_or_sign_in(state: &AppState) -> Result<Option<UserId>, AppError> {
    match writer(state).await {
        Ok(caller) => Ok(Some(caller.user)),
        Err(AppError::Unauthorized { .. }) => {
            leptos_axum::redirect(urls::LOGIN);
            Ok(None)
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others_and_only_by_its_name() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("theme=dark; conduit_session_old=x"),
        );
        assert_eq!(session_token(&headers), None);
        headers.append(
            COOKIE,
            HeaderValue::from_static("a=1; conduit_session=abc; b=2"),
        );
        assert_eq!(session_token(&headers).as_deref(), Some("abc"));
    }
}
