//! The request body, decoded when the handler is ready to. (The caller's
//! identity is extracted by `app::backend::identity`.)

use app::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

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
