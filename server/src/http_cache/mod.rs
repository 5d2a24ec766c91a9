//! What shared caches (the CDN) and browsers may keep.
//!
//! - `/pkg/…` holds content-hashed assets: cached for a year, `immutable`.
//! - Anonymous reads (pages, API GETs, GET server functions) are the same
//!   for every visitor: `public, s-maxage, stale-while-revalidate,
//!   stale-if-error`, with an ETag so revalidation answers `304 Not
//!   Modified` without a body.
//! - Anything personal (a verified session cookie or `Authorization` token,
//!   a `Set-Cookie` in the answer, the current-user call), every write or
//!   error, and server functions: `private, no-store`.
//!
//! `Vary: Cookie, Authorization` keeps shared caches from serving one
//! visitor's answer to another.
//!
//! `200` answers are also kept in this instance's response tiers
//! ([`responses`]): anonymous ones for everybody, and those of a signed-in
//! reader for that reader alone ([`readers`]). What is stored must depend on
//! the cache key alone ([`key`]: the route, the query parameters it reads,
//! the CORS origin), so an answer is rendered from a request carrying only
//! what the key holds and the reader's credential, never from a visitor's
//! other headers. A credential that does not verify counts as none.

use std::collections::HashSet;
use std::sync::Arc;

use app::backend::cache::StaleIfError;
use app::backend::identity::SignedIn;
use app::error::AppError;
use app::web::{cookie, AppState, RenderNonce};
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

mod key;
mod readers;
mod responses;
mod tags;

pub use key::CorsOrigins;
use key::ResponseKey;
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
/// app (to verify readers), the API's CORS origins (the part of a key they
/// make), and the static files (served as they are, never stored: their
/// encoding depends on the client's `Accept-Encoding`).
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
    cors: Arc<CorsOrigins>,
    static_files: Arc<HashSet<String>>,
}

impl HttpCache {
    pub fn new(
        config: &HttpConfig,
        app: &AppState,
        security: Security,
        cors: CorsOrigins,
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
            cors: Arc::new(cors),
            static_files: Arc::new(static_files),
        }
    }
}

pub async fn headers(State(http): State<HttpCache>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/pkg/") {
        return with_cache_control(next.run(request).await, HeaderValue::from_static(IMMUTABLE));
    }
    if http.static_files.contains(path) {
        return with_cache_control(next.run(request).await, http.public.clone());
    }
    // Writes, preflights, and reads of what is never stored (server
    // functions, the signed-in pages, unknown paths) are answered for this
    // visitor only.
    let key = matches!(*request.method(), Method::GET | Method::HEAD)
        .then(|| ResponseKey::of(request.uri(), request.headers().get(ORIGIN), &http.cors))
        .flatten();
    let Some(key) = key else {
        return private(next.run(request).await);
    };
    let credential = Credential::of(key.route(), request.headers());
    let token = match &credential {
        Credential::Anonymous => {
            return stored(request, next, &http, &key, &credential, None).await
        }
        Credential::Malformed => return private(next.run(request).await),
        Credential::Header(token) | Credential::Cookie(token) => token.clone(),
    };
    if !http.readers.tier().is_enabled() {
        return private(next.run(request).await);
    }
    match app::backend::identity::signed_in(&http.app, token).await {
        Ok(caller) => stored(request, next, &http, &key, &credential, Some(&caller)).await,
        // A session cookie that does not verify (forged, expired, signed
        // out) is no session: the visitor is anonymous and gets the shared
        // answer, with the cookie cleared. Rendering privately for it would
        // let any client make every request uncached.
        Err(AppError::Unauthorized { .. }) if matches!(credential, Credential::Cookie(_)) => {
            let anonymous = stored(request, next, &http, &key, &Credential::Anonymous, None).await;
            let mut response = private(anonymous);
            if let Ok(removal) = cookie::removal(http.app.secure_cookies).try_into() {
                response.headers_mut().append(SET_COOKIE, removal);
            }
            response
        }
        // A bad API token is the handler's to refuse (401, cheaply); a
        // database outage is its to report.
        Err(_) => private(next.run(request).await),
    }
}

/// Marks an answer for this visitor only.
fn private(mut response: Response) -> Response {
    add_vary(response.headers_mut());
    set(response.headers_mut(), CACHE_CONTROL, PRIVATE);
    response
}

/// An answer from a tier, rendered once per key: shared with every
/// anonymous visitor, or (with a `caller`) kept for that reader alone.
async fn stored(
    request: Request,
    next: Next,
    http: &HttpCache,
    key: &ResponseKey,
    credential: &Credential,
    caller: Option<&SignedIn>,
) -> Response {
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();
    let (tier, text, cache_control) = match caller {
        Some(caller) => (
            &http.readers,
            readers::key(&key.text(), caller),
            HeaderValue::from_static(PRIVATE),
        ),
        None => (&http.responses, key.text(), http.public.clone()),
    };
    let mut keyed = keyed_request(&request, key);
    credential.add_to(&mut keyed);
    // Concurrent misses for one key render it once; an answer that may not
    // be stored (an error, a redirect, a cookie) goes to the request that
    // rendered it only.
    let render = Render {
        http: http.clone(),
        tier: tier.clone(),
        key: key.clone(),
        text: text.clone(),
        caller: caller.map(|caller| caller.user.0),
        cache_control,
    }
    .run(next, keyed);
    match tier.tier().get_or_load(text, render).await {
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

/// The request a stored answer is rendered from: what the key holds (its
/// canonical URI, and the `Origin` its CORS headers name), and none of the
/// visitor's other headers (a `Referer` or an `Accept` could otherwise shape
/// an answer that everyone then gets). A `HEAD` is rendered as the `GET` it
/// shares its entry with; the server sends its headers only. The extensions,
/// set by the server itself (the matched route and its parameters), stay.
fn keyed_request(request: &Request, key: &ResponseKey) -> Request {
    let mut keyed = Request::new(Body::empty());
    *keyed.method_mut() = Method::GET;
    *keyed.uri_mut() = key.uri();
    *keyed.version_mut() = request.version();
    *keyed.extensions_mut() = request.extensions().clone();
    if let Some(origin) = key.origin() {
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

/// How to render one key's answer for its tier.
struct Render {
    http: HttpCache,
    tier: Arc<Responses>,
    key: ResponseKey,
    /// The key's text in `tier`.
    text: String,
    /// The reader it is rendered for, if any.
    caller: Option<i64>,
    cache_control: HeaderValue,
}

impl Render {
    /// Renders an answer; one that may be stored is, with the headers it is
    /// sent with (ETag, `Vary`, `cache_control`, its sealed security
    /// policy), so a hit only copies them.
    async fn run(self, next: Next, request: Request) -> Result<Arc<Stored>, Unshared> {
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
        let security = &self.http.security;
        let sealed =
            nonce.and_then(|n| security_headers::seal(security, &n, &mut parts.headers, &body));
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
        parts.headers.insert(CACHE_CONTROL, self.cache_control);
        let mut tags = tags::of(&self.key, &body);
        if let Some(user_id) = self.caller {
            tags.push(tags::reader(user_id));
        }
        let stored = Arc::new(Stored {
            headers: parts.headers,
            body,
        });
        self.tier.index(&self.text, &tags, &stored);
        Ok(stored)
    }
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
