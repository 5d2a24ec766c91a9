//! The status of a server function's error when it fails before its body
//! runs. `server_fn` answers those (a form missing a field, a body cut off
//! by the size limit, an argument that does not parse) with 500 whatever
//! the error, while the body is the app's error with its own status: a
//! client's mistake must read as one (422), not as a server fault.

use app::error::AppError;
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// Larger than any error the app writes; a body past it is left as it was.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// Gives a server function's 500 the status of the error it carries.
pub async fn from_error(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let status = serde_json::from_slice::<AppError>(&bytes)
        .ok()
        .and_then(|error| StatusCode::from_u16(error.status_code()).ok());
    if let Some(status) = status {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
