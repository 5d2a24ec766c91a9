//! Request extractors: the caller's identity and the JSON body.

use app::error::AppError;
use app::server::auth::{token_from_header, UserId};
use app::server::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

/// A signed-in caller: 401 `token: is missing|is invalid|has expired` otherwise.
pub struct Authenticated {
    pub user: UserId,
    /// The token as sent, returned unchanged in `User` responses.
    pub token: String,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer(parts)?.ok_or_else(AppError::token_missing)?;
        let user = state.auth.verify_token(&token)?;
        Ok(Self { user, token })
    }
}

/// A caller who may be anonymous. A token that is sent must still be valid.
pub struct Viewer(pub Option<UserId>);

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match bearer(parts)? {
            Some(token) => Ok(Self(Some(state.auth.verify_token(&token)?))),
            None => Ok(Self(None)),
        }
    }
}

fn bearer(parts: &Parts) -> Result<Option<String>, AppError> {
    let header = match parts.headers.get(header::AUTHORIZATION) {
        Some(value) => Some(value.to_str().map_err(|_| AppError::token_invalid())?),
        None => None,
    };
    Ok(token_from_header(header)?.map(str::to_owned))
}

/// The raw request body, decoded only when the handler is ready to: the
/// contract reports 404 and 403 before a malformed body's 422.
/// Any content type is accepted; an oversized body is 413.
pub struct Body(Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        Bytes::from_request(request, state)
            .await
            .map(Self)
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
                _ => AppError::invalid("body", &rejection.body_text()),
            })
    }
}

impl Body {
    /// Decodes `{"<envelope>": T}`. Malformed JSON, wrong types and a missing
    /// envelope are all 422 with the Conduit error body.
    pub fn decode<T: DeserializeOwned>(&self, envelope: &'static str) -> Result<T, AppError> {
        let mut value: serde_json::Value = serde_json::from_slice(&self.0)
            .map_err(|e| AppError::invalid("body", &format!("is not valid JSON: {e}")))?;
        let inner = value
            .get_mut(envelope)
            .filter(|inner| inner.is_object())
            .map(serde_json::Value::take)
            .ok_or_else(|| AppError::invalid(envelope, "must be an object"))?;
        serde_json::from_value(inner).map_err(|e| AppError::invalid(envelope, &e.to_string()))
    }
}
