//! What shared caches (the CDN) and browsers may keep.
//!
//! - `/pkg/…` holds content-hashed assets: cached for a year, `immutable`.
//! - Anonymous reads (pages, API GETs, GET server functions) are the same
//!   for every visitor: `public, s-maxage, stale-while-revalidate,
//!   stale-if-error`, with an ETag so revalidation answers `304 Not
//!   Modified` without a body.
//! - Anything personal (a session cookie or an `Authorization` header, a
//!   `Set-Cookie` in the answer, the current-user call) and every write or
//!   error: `private, no-store`.
//!
//! `Vary: Cookie, Authorization` keeps shared caches from serving one
//! visitor's answer to another.
//!
//! `200` answers are also kept in this instance's response tiers
//! ([`responses`]): anonymous ones for everybody, and those of a signed-in
//! reader for that reader alone ([`readers`]). What is stored must depend on
//! the cache key alone, so an answer is rendered from a request carrying only
//! what the key holds (method, URI, `Origin`, and the reader's credential),
//! never from a visitor's other headers.

use std::collections::HashSet;
use std::sync::Arc;

use app::backend::cache::StaleIfError;
use app::backend::{AppState, RenderNonce};
use app::error::AppError;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_LENGTH, ETAG, IF_NONE_MATCH, ORIGIN, SET_COOKIE, VARY,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::config::HttpConfig;
use crate::security_headers::{self, Security};

mod readers;
mod responses;
mod tags;

use readers::Credential;
use responses::{Responses, Stored};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const PRIVATE: &str = "private, no-store";
const VARY_ON: &str = "Cookie, Authorization, Accept-Encoding";
/// Set per request by an outer layer; never replayed from the response tier.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Largest answer buffered for the response tier. Pages are bounded by the
/// input limits (an article body, a window of comments) far below this.
const MAX_BUFFERED_BYTES: usize = 16 << 20;

/// What the middleware needs: the header policy, the response tiers, the
/// app (to verify readers and publish their writes), and the static files
/// (served as they are, never stored: their encoding depends on the
/// client's `Accept-Encoding`).
#[derive(Clone)]
pub struct HttpCache {
    /// `Cache-Control` of shared answers, formatted once.
    public: HeaderValue,
    /// Anonymous answers.
    responses: Arc<Responses>,
    /// Answers rendered for one signed-in reader.
    readers: Arc<Responses>,
    /// Shared: this is cloned for every request.
    app: Arc<AppState>,
    security: Security,
    static_files: Arc<HashSet<String>>,
}

impl HttpCache {
    pub fn new(
        config: &HttpConfig,
        app: &AppState,
        security: Security,
        static_files: HashSet<String>,
    ) -> Self {
        let cache = &app.cache;
        let public = format!(
            "public, max-age=0, s-maxage={}, stale-while-revalidate={}, stale-if-error={}",
            config.s_maxage_secs,
            config.stale_while_revalidate_secs,
            cache.stale_for().as_secs()
        );
        // Digits and ASCII only, so always a valid header; private if not.
        let public =
            HeaderValue::try_from(public).unwrap_or_else(|_| HeaderValue::from_static(PRIVATE));
        Self {
            public,
            // Of the 40% of the cache budget the data tiers leave.
            responses: Responses::new(cache, "responses", 25, false),
            readers: Responses::new(cache, "readers", 15, true),
            app: Arc::new(app.clone()),
            security,
            static_files: Arc::new(static_files),
        }
    }
}

/// Answers never stored: the current user's server function (personal even
/// without a cookie) and the API's current user, which carries the token as sent.
const PERSONAL_PATHS: &[&str] = &["/rpc/current_user", "/api/user"];
/// Probes must always reach the instance.
const UNCACHED_PATHS: &[&str] = &["/healthz", "/readyz"];

pub async fn headers(State(http): State<HttpCache>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/") {
        return with_cache_control(next.run(request).await, HeaderValue::from_static(IMMUTABLE));
    }
    if http.static_files.contains(path) {
        return with_cache_control(next.run(request).await, http.public.clone());
    }
    let read = matches!(*request.method(), Method::GET | Method::HEAD)
        && !PERSONAL_PATHS.contains(&path)
        && !UNCACHED_PATHS.contains(&path);
    if !request.method().is_safe() {
        return write(request, next, &http).await;
    }
    let credential = Credential::of(request.headers());
    if read && matches!(credential, Credential::Anonymous) {
        return stored(request, next, &http, &http.responses, &credential, None).await;
    }
    let caller = if read && http.readers.tier().is_enabled() {
        credential.verify(&http.app).await
    } else {
        None
    };
    match caller {
        Some(caller) => {
            stored(
                request,
                next,
                &http,
                &http.readers,
                &credential,
                Some(&caller),
            )
            .await
        }
        None => private(next.run(request).await),
    }
}

/// A write: answered for this visitor only; once it succeeds, what was
/// rendered for the users it is signed in as is dropped everywhere.
async fn write(request: Request, next: Next, http: &HttpCache) -> Response {
    let writers = if http.readers.tier().is_enabled() {
        readers::writers(&http.app, request.headers()).await
    } else {
        Vec::new()
    };
    let response = private(next.run(request).await);
    if !response.status().is_client_error() && !response.status().is_server_error() {
        for writer in &writers {
            readers::wrote(&http.app, writer).await;
        }
    }
    response
}

/// Marks an answer for this visitor only.
fn private(mut response: Response) -> Response {
    add_vary(response.headers_mut());
    set(response.headers_mut(), CACHE_CONTROL, PRIVATE);
    response
}

/// An answer from `tier`, rendered once per key: shared with every anonymous
/// visitor, or (with a `caller`) kept for that reader alone.
async fn stored(
    request: Request,
    next: Next,
    http: &HttpCache,
    tier: &Arc<Responses>,
    credential: &Credential,
    caller: Option<&app::backend::identity::SignedIn>,
) -> Response {
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();
    let anonymous_key = response_key(&request);
    let (key, cache_control) = match caller {
        Some(caller) => (
            readers::key(&anonymous_key, caller),
            HeaderValue::from_static(PRIVATE),
        ),
        None => (anonymous_key, http.public.clone()),
    };
    let mut keyed = keyed_request(&request);
    credential.add_to(&mut keyed);
    // Concurrent misses for one key render it once; an answer that may not
    // be stored (an error, a redirect, a cookie) goes to the request that
    // rendered it only.
    let render = render(
        next,
        keyed,
        http.clone(),
        tier.clone(),
        key.clone(),
        caller,
        cache_control,
    );
    match tier.tier().get_or_load(key, render).await {
        Ok(page) => shared_response(&page, if_none_match.as_ref()),
        Err(Unshared(captured)) => captured.into_private_response(),
    }
}

fn with_cache_control(mut response: Response, value: HeaderValue) -> Response {
    if response.status() == StatusCode::OK {
        response.headers_mut().insert(CACHE_CONTROL, value);
    }
    response
}

/// Method, URI and `Origin` (CORS answers depend on it) identify a response.
fn response_key(request: &Request) -> String {
    let origin = request
        .headers()
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    format!("{} {} {origin}", request.method(), request.uri())
}

/// The request a shared response is rendered from: what the key holds, and
/// none of the visitor's other headers (a `Referer` or an `Accept` could
/// otherwise shape an answer that everyone then gets). The extensions, set
/// by the server itself (the matched route and its parameters), stay.
fn keyed_request(request: &Request) -> Request {
    let mut keyed = Request::new(Body::empty());
    *keyed.method_mut() = request.method().clone();
    *keyed.uri_mut() = request.uri().clone();
    *keyed.version_mut() = request.version();
    *keyed.extensions_mut() = request.extensions().clone();
    if let Some(origin) = request.headers().get(ORIGIN) {
        keyed.headers_mut().insert(ORIGIN, origin.clone());
    }
    keyed
}

/// An answer that may not go into the response tier.
struct Unshared(Captured);

/// A database outage makes a page answer 503; a stored copy of it, even
/// expired, is better than that.
impl StaleIfError for Unshared {
    fn allows_stale(&self) -> bool {
        self.0.status == StatusCode::SERVICE_UNAVAILABLE
    }
}

struct Captured {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Captured {
    fn into_private_response(self) -> Response {
        private((self.status, self.headers, self.body).into_response())
    }
}

/// Renders an answer; one that may be stored is, with the headers it is
/// sent with (ETag, `Vary`, `cache_control`, its sealed security policy),
/// so a hit only copies them.
async fn render(
    next: Next,
    request: Request,
    http: HttpCache,
    tier: Arc<Responses>,
    key: String,
    caller: Option<&app::backend::identity::SignedIn>,
    cache_control: HeaderValue,
) -> Result<Arc<Stored>, Unshared> {
    let nonce = request.extensions().get::<RenderNonce>().cloned();
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    // Pages render completely before they are sent (SsrMode::Async), so
    // holding the body costs no first-byte time.
    let body = match to_bytes(body, MAX_BUFFERED_BYTES).await {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "a response was too large to buffer or failed");
            let (parts, _) = AppError::Unavailable.into_response().into_parts();
            return Err(Unshared(Captured {
                status: parts.status,
                headers: parts.headers,
                body: Bytes::new(),
            }));
        }
    };
    parts.headers.remove(REQUEST_ID);
    if parts.status != StatusCode::OK || parts.headers.contains_key(SET_COOKIE) {
        return Err(Unshared(Captured {
            status: parts.status,
            headers: parts.headers,
            body,
        }));
    }
    let sealed =
        nonce.and_then(|n| security_headers::seal(&http.security, &n, &mut parts.headers, &body));
    let body = sealed.map_or(body, Bytes::from);
    // A strong ETag: the same body gives the same tag on every instance.
    let digest = Sha256::digest(&body);
    set(
        &mut parts.headers,
        ETAG,
        &format!("\"{}\"", hex::encode(&digest[..16])),
    );
    parts.headers.remove(CONTENT_LENGTH);
    add_vary(&mut parts.headers);
    parts.headers.insert(CACHE_CONTROL, cache_control);
    let mut tags = tags::of(&key, &body);
    if let Some(caller) = caller {
        tags.push(tags::reader(caller.user.0));
    }
    let stored = Arc::new(Stored {
        headers: parts.headers,
        body,
    });
    tier.index(&key, &tags, &stored);
    Ok(stored)
}

fn shared_response(page: &Stored, if_none_match: Option<&HeaderValue>) -> Response {
    let etag = page.headers.get(ETAG).and_then(|v| v.to_str().ok());
    if etag.is_some_and(|etag| matches_etag(if_none_match, etag)) {
        let mut headers = page.headers.clone();
        headers.remove(CONTENT_LENGTH);
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (StatusCode::OK, page.headers.clone(), page.body.clone()).into_response()
}

fn matches_etag(if_none_match: Option<&HeaderValue>, etag: &str) -> bool {
    if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
        })
}

/// Adds ours to any `Vary` already set (CORS varies on `Origin`).
fn add_vary(headers: &mut HeaderMap) {
    let existing: Vec<String> = headers
        .get_all(VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect();
    let joined = existing
        .into_iter()
        .chain(std::iter::once(VARY_ON.to_owned()))
        .collect::<Vec<_>>()
        .join(", ");
    set(headers, VARY, &joined);
}

fn set(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}
