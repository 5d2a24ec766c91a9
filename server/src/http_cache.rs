//! What shared caches (the CDN) and browsers may keep.
//!
//! - `/pkg/…` holds content-hashed assets: cached for a year, `immutable`.
//! - Anonymous reads (pages, API GETs, GET server functions) are the same
//!   for every visitor: `public, s-maxage, stale-while-revalidate`, with an
//!   ETag so revalidation answers `304 Not Modified` without a body.
//! - Anything personal (a session cookie or an `Authorization` header, a
//!   `Set-Cookie` in the answer, the current-user call) and every write or
//!   error: `private, no-store`.
//!
//! `Vary: Cookie, Authorization` keeps shared caches from serving one
//! visitor's answer to another.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, COOKIE, ETAG, IF_NONE_MATCH, SET_COOKIE, VARY,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const PRIVATE: &str = "private, no-store";

/// Shared-cache lifetimes for anonymous answers, from configuration.
#[derive(Clone, Debug)]
pub struct Policy {
    pub s_maxage_secs: u64,
    pub stale_while_revalidate_secs: u64,
}

impl Policy {
    fn public(&self) -> String {
        format!(
            "public, max-age=0, s-maxage={}, stale-while-revalidate={}",
            self.s_maxage_secs, self.stale_while_revalidate_secs
        )
    }
}

/// Server functions whose answer depends on the visitor even without a cookie.
const PERSONAL_PATHS: &[&str] = &["/rpc/current_user"];
/// Probes must always reach the instance.
const UNCACHED_PATHS: &[&str] = &["/healthz", "/readyz"];

pub async fn headers(State(policy): State<Policy>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    let personal = request.headers().contains_key(AUTHORIZATION)
        || has_session_cookie(&request)
        || PERSONAL_PATHS.contains(&path.as_str());
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();

    let mut response = next.run(request).await;
    if path.starts_with("/pkg/") {
        if response.status() == StatusCode::OK {
            set(&mut response, CACHE_CONTROL, IMMUTABLE);
        }
        return response;
    }
    response.headers_mut().insert(
        VARY,
        HeaderValue::from_static("Cookie, Authorization, Accept-Encoding"),
    );
    let shareable = readable
        && !personal
        && response.status() == StatusCode::OK
        && !response.headers().contains_key(SET_COOKIE)
        && !UNCACHED_PATHS.contains(&path.as_str());
    if !shareable {
        set(&mut response, CACHE_CONTROL, PRIVATE);
        return response;
    }
    set(&mut response, CACHE_CONTROL, &policy.public());
    with_etag(response, if_none_match).await
}

fn has_session_cookie(request: &Request) -> bool {
    request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|cookies| {
            cookies.split(';').any(|c| {
                c.trim_start()
                    .starts_with(app::server::session::COOKIE_NAME)
            })
        })
}

fn set(response: &mut Response, name: axum::http::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// Adds a strong ETag (SHA-256 of the body) and answers 304 when the client
/// already holds it. The same body gives the same tag on every instance.
async fn with_etag(response: Response, if_none_match: Option<HeaderValue>) -> Response {
    let (mut parts, body) = response.into_parts();
    // Pages render completely before they are sent (SsrMode::Async), so
    // holding the body to hash it costs no first-byte time.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "failed to produce a response body");
            return app::error::AppError::Internal.into_response();
        }
    };
    let digest = Sha256::digest(&bytes);
    let etag = format!("\"{}\"", hex::encode(&digest[..16]));
    set_parts(&mut parts, ETAG, &etag);
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
        });
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn set_parts(parts: &mut axum::http::response::Parts, name: axum::http::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        parts.headers.insert(name, value);
    }
}
