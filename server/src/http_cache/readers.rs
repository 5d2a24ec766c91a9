//! The reader tier: answers rendered for one signed-in reader, kept for that
//! reader alone, so the people who write, favorite and follow get stored
//! pages too instead of a full render on every request.
//!
//! - Every request is verified first (the token's signature, expiry and
//!   session, from the sessions tier): an expired or revoked token never
//!   reaches a stored answer. The key then names the user and the session the
//!   token belongs to, so an entry answers only the reader it was rendered for.
//! - A request carrying both a session cookie and an `Authorization` header
//!   is never stored: pages read one credential and the API the other.
//! - Entries carry the tags of what they show, as anonymous ones do, plus
//!   their reader's: another user's change drops what shows it, and the
//!   reader's own successful write ([`Change::Reader`], sent to every
//!   instance, for each user a write carries a credential of) or sign-out
//!   ([`Change::Sessions`]) drops everything rendered for them.
//! - They are stored and sent `private, no-store`: no shared cache or
//!   browser keeps them.

use app::backend::cache::Change;
use app::backend::cookie::{session_token, COOKIE_NAME};
use app::backend::identity::{signed_in, token_from_header, SignedIn};
use app::backend::AppState;
use axum::extract::Request;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::{HeaderMap, HeaderValue};

/// How a request says who is calling.
pub enum Credential {
    /// Neither a session cookie nor an `Authorization` header.
    Anonymous,
    /// A token from the `Authorization` header (the REST API).
    Header(String),
    /// A token from the session cookie (pages and server functions).
    Cookie(String),
    /// Both, or a header that is not a token: answered, never stored.
    Unusable,
}

impl Credential {
    pub fn of(headers: &HeaderMap) -> Self {
        let Ok(header) = header_token(headers) else {
            return Self::Unusable;
        };
        match (header, session_token(headers)) {
            (None, None) => Self::Anonymous,
            (Some(token), None) => Self::Header(token),
            (None, Some(token)) => Self::Cookie(token),
            (Some(_), Some(_)) => Self::Unusable,
        }
    }

    fn token(&self) -> Option<&str> {
        match self {
            Self::Header(token) | Self::Cookie(token) => Some(token),
            Self::Anonymous | Self::Unusable => None,
        }
    }

    /// The verified caller; `None` when there is none, or when the token does
    /// not verify (the handler then answers as it would without this tier).
    pub async fn verify(&self, state: &AppState) -> Option<SignedIn> {
        signed_in(state, self.token()?.to_owned()).await.ok()
    }

    /// Adds this credential, and nothing else of the visitor's, to the
    /// request a stored answer is rendered from.
    pub fn add_to(&self, request: &mut Request) {
        let header = match self {
            Self::Header(token) => Some((AUTHORIZATION, format!("Token {token}"))),
            Self::Cookie(token) => Some((COOKIE, format!("{COOKIE_NAME}={token}"))),
            Self::Anonymous | Self::Unusable => None,
        };
        if let Some((name, value)) = header {
            if let Ok(value) = HeaderValue::try_from(value) {
                request.headers_mut().insert(name, value);
            }
        }
    }
}

/// The token of the `Authorization` header: `Ok(None)` without one, an
/// error when the header is there but carries no token.
fn header_token(headers: &HeaderMap) -> Result<Option<String>, ()> {
    match headers.get(AUTHORIZATION).map(HeaderValue::to_str) {
        None => Ok(None),
        Some(Ok(value)) => match token_from_header(Some(value)) {
            Ok(Some(token)) => Ok(Some(token.to_owned())),
            _ => Err(()),
        },
        Some(Err(_)) => Err(()),
    }
}

/// Everyone a write is signed in as, verified: the `Authorization` header's
/// user and the session cookie's (a browser may send both, and the handler
/// acts as one of them). What was rendered for each may be stale after it.
pub async fn writers(state: &AppState, headers: &HeaderMap) -> Vec<SignedIn> {
    let header = header_token(headers).ok().flatten();
    let mut writers: Vec<SignedIn> = Vec::new();
    for token in header.into_iter().chain(session_token(headers)) {
        if let Ok(writer) = signed_in(state, token).await {
            if writers.iter().all(|known| known.user != writer.user) {
                writers.push(writer);
            }
        }
    }
    writers
}

/// The key of an answer for `caller`: the anonymous key (method, URI,
/// `Origin`) followed by the user and the session.
pub fn key(anonymous_key: &str, caller: &SignedIn) -> String {
    format!(
        "{anonymous_key} reader={}/{}",
        caller.user.0, caller.session
    )
}

/// Tells every instance (this one first) that what was rendered for
/// `caller` may be stale now.
pub async fn wrote(state: &AppState, caller: &SignedIn) {
    let change = Change::Reader {
        user_id: caller.user.0,
    };
    state.cache.publish(&state.db, change).await;
}
