//! The one error type shared by server functions, the REST API and the UI.
//!
//! Every variant maps to one HTTP status and one Conduit error body,
//! `{"errors": {"<key>": ["<message>"]}}` (see `docs/realworld/API.md`).
//! Internal failures carry no detail: the detail is logged where it happens
//! and never reaches a client.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a 503 asks clients to wait: a restarting database or a burst of
/// load is usually over by then.
pub const UNAVAILABLE_RETRY_SECS: u64 = 2;

/// Field name to messages, the payload of a Conduit error body.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// 401: missing, invalid or expired token, or wrong credentials.
    #[error("{key} {message}")]
    Unauthorized { key: String, message: String },
    /// 404: the named entity (`article`, `profile`, `comment`) does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// 403: the caller does not own the named entity.
    #[error("{0} forbidden")]
    Forbidden(String),
    /// 409: a unique field (`username`, `email`) is taken.
    #[error("{0} has already been taken")]
    Conflict(String),
    /// 413: the request body exceeds the configured limit.
    #[error("request body is too large")]
    PayloadTooLarge,
    /// 422: input that does not satisfy the contract, per field.
    #[error("{}", describe(.0))]
    Unprocessable(FieldErrors),
    /// 429: the caller sent too many requests of a kind; retry after this many seconds.
    #[error("too many requests; retry in {0} s")]
    TooManyRequests(u64),
    /// 503: a dependency (the database) is unavailable or the server is saturated.
    #[error("service unavailable")]
    Unavailable,
    /// 500: anything else. Details are logged, never sent.
    #[error("internal server error")]
    Internal,
    /// An error answer from the REST API, as the SPA received it: any
    /// status, any keys, shown as they came (SPA.md, "Form and action errors").
    #[error("{}", describe(errors))]
    Reported { status: u16, errors: FieldErrors },
    /// The SPA could not reach the REST API at all (network error, abort, timeout).
    #[error("Unable to connect. Please check your internet connection.")]
    Offline,
    /// The REST API answered success with a body that is not what it should be.
    #[error("the server's answer could not be read")]
    BadAnswer,
}

fn describe(errors: &FieldErrors) -> String {
    errors
        .iter()
        .flat_map(|(key, messages)| messages.iter().map(move |m| format!("{key} {m}")))
        .collect::<Vec<_>>()
        .join(", ")
}

impl AppError {
    pub fn not_found(entity: &str) -> Self {
        Self::NotFound(entity.to_owned())
    }

    pub fn forbidden(entity: &str) -> Self {
        Self::Forbidden(entity.to_owned())
    }

    pub fn conflict(field: &str) -> Self {
        Self::Conflict(field.to_owned())
    }

    pub fn unauthorized(key: &str, message: &str) -> Self {
        Self::Unauthorized {
            key: key.to_owned(),
            message: message.to_owned(),
        }
    }

    /// A single 422 error on one field.
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::Unprocessable(FieldErrors::from([(
            field.to_owned(),
            vec![message.to_owned()],
        )]))
    }

    pub fn token_missing() -> Self {
        Self::unauthorized("token", "is missing")
    }

    pub fn token_invalid() -> Self {
        Self::unauthorized("token", "is invalid")
    }

    pub fn token_expired() -> Self {
        Self::unauthorized("token", "has expired")
    }

    pub fn invalid_credentials() -> Self {
        Self::unauthorized("credentials", "invalid")
    }

    /// The HTTP status code of this error.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Unauthorized { .. } => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::PayloadTooLarge => 413,
            Self::Unprocessable(_) => 422,
            Self::TooManyRequests(_) => 429,
            Self::Unavailable => 503,
            Self::Internal => 500,
            Self::Reported { status, .. } => *status,
            Self::Offline => 503,
            Self::BadAnswer => 502,
        }
    }

    /// Whether the thing asked for does not exist (a page shows "not found").
    pub fn is_not_found(&self) -> bool {
        self.status_code() == 404
    }

    /// The `errors` object of the Conduit error body.
    pub fn field_errors(&self) -> FieldErrors {
        let one = |key: &str, message: &str| {
            FieldErrors::from([(key.to_owned(), vec![message.to_owned()])])
        };
        match self {
            Self::Unauthorized { key, message } => one(key, message),
            Self::NotFound(entity) => one(entity, "not found"),
            Self::Forbidden(entity) => one(entity, "forbidden"),
            Self::Conflict(field) => one(field, "has already been taken"),
            Self::PayloadTooLarge => one("body", "is too large"),
            Self::Unprocessable(errors) => errors.clone(),
            Self::TooManyRequests(secs) => {
                one("requests", &format!("are too many; retry in {secs} s"))
            }
            Self::Unavailable => one("server", "is temporarily unavailable"),
            Self::Internal => one("server", "internal error"),
            Self::Reported { errors, .. } => errors.clone(),
            Self::Offline => one("network", "is unreachable"),
            Self::BadAnswer => one("server", "answered what could not be read"),
        }
    }

    /// Seconds a client should wait before retrying, for `Retry-After`.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests(secs) => Some(*secs),
            Self::Unavailable => Some(UNAVAILABLE_RETRY_SECS),
            _ => None,
        }
    }

    /// Human-readable lines for `ul.error-messages`, e.g. `email has already been taken`.
    pub fn messages(&self) -> Vec<String> {
        if let Self::Offline = self {
            return vec![self.to_string()];
        }
        self.field_errors()
            .into_iter()
            .flat_map(|(key, messages)| messages.into_iter().map(move |m| format!("{key} {m}")))
            .collect()
    }
}

/// Server functions report transport and decoding failures through this hook.
impl server_fn::error::FromServerFnError for AppError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(message) | E::Deserialization(message) | E::MissingArg(message) => {
                Self::invalid("request", &message)
            }
            E::Request(_) | E::Response(_) => Self::Offline,
            _ => Self::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_renders_the_conduit_body() {
        let error = AppError::not_found("article");
        assert_eq!(error.status_code(), 404);
        assert_eq!(
            serde_json::to_value(error.field_errors()).unwrap(),
            serde_json::json!({ "article": ["not found"] })
        );
    }

    #[test]
    fn an_api_error_is_shown_as_it_came_and_no_answer_as_a_sentence() {
        let errors = FieldErrors::from([("server".to_owned(), vec!["boom".to_owned()])]);
        let reported = AppError::Reported {
            status: 500,
            errors,
        };
        assert_eq!(reported.messages(), ["server boom"]);
        assert_eq!(
            AppError::Offline.messages(),
            ["Unable to connect. Please check your internet connection."]
        );
    }

    #[test]
    fn messages_join_key_and_text() {
        assert_eq!(
            AppError::conflict("email").messages(),
            vec!["email has already been taken"]
        );
    }
}
