//! The reader tier: answers rendered for one signed-in reader, kept for that
//! reader alone, so the people who write, favorite and follow get stored
//! pages too instead of a full render on every request.
//!
//! - Every request is verified first (the token's signature, expiry and
//!   session, from the sessions tier): an expired or revoked token never
//!   reaches a stored answer. The key then names the user and the session the
//!   token belongs to, so an entry answers only the reader it was rendered for.
//! - Pages read the session cookie and the API the `Authorization` header;
//!   each request is keyed by the one its route reads.
//! - Entries carry the tags of what they show, as anonymous ones do, plus
//!   their reader's: another user's change drops what shows it, and the
//!   reader's own write (`Change::Reader`, from the database's change feed
//!   on every instance) or sign-out (`Change::Sessions`) drops everything
//!   rendered for them.
//! - They are stored and sent `private, no-store`: no shared cache or
//!   browser keeps them.

use app::backend::identity::SignedIn;
use app::urls::Route;
use app::web::cookie::{session_token, COOKIE_NAME};
use app::web::extract::token_from_header;
use axum::extract::Request;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::{HeaderMap, HeaderValue};

/// How a request says who is calling, in the one way its route reads: the
/// REST API the `Authorization` header, pages and server functions the
/// session cookie. The other is ignored, as the handler ignores it.
pub enum Credential {
    /// No credential the route reads.
    Anonymous,
    /// A token from the `Authorization` header (the REST API).
    Header(String),
    /// A token from the session cookie (pages and server functions).
    Cookie(String),
    /// An `Authorization` header that carries no token: the API refuses it.
    Malformed,
}

impl Credential {
    pub fn of(route: &Route, headers: &HeaderMap) -> Self {
        if !route.is_api() {
            return session_token(headers).map_or(Self::Anonymous, Self::Cookie);
        }
        match headers.get(AUTHORIZATION).map(HeaderValue::to_str) {
            None => Self::Anonymous,
            Some(Ok(value)) => match token_from_header(Some(value)) {
                Ok(Some(token)) => Self::Header(token.to_owned()),
                _ => Self::Malformed,
            },
            Some(Err(_)) => Self::Malformed,
        }
    }

    /// Adds this credential, and nothing else of the visitor's, to the
    /// request a stored answer is rendered from.
    pub fn add_to(&self, request: &mut Request) {
        let header = match self {
            Self::Header(token) => Some((AUTHORIZATION, format!("Token {token}"))),
            Self::Cookie(token) => Some((COOKIE, format!("{COOKIE_NAME}={token}"))),
            Self::Anonymous | Self::Malformed => None,
        };
        if let Some((name, value)) = header {
            if let Ok(value) = HeaderValue::try_from(value) {
                request.headers_mut().insert(name, value);
            }
        }
    }
}

/// The key of an answer for `caller`: the anonymous key followed by the
/// user and the session.
pub fn key(anonymous_key: &str, caller: &SignedIn) -> String {
    format!(
        "{anonymous_key} reader={}/{}",
        caller.user.0, caller.session
    )
}
