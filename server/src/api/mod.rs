//! The RealWorld REST API under `/api` (`docs/realworld/openapi.yml`, `docs/realworld/API.md`).
//! Handlers only translate HTTP to the shared services in `app::backend`.

mod articles;
mod comments;
mod extract;
mod profiles;
mod tags;
mod users;

use app::error::AppError;
use app::web::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde::Serialize;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Largest request body accepted: room for the longest article body in UTF-8.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// All API routes, to be nested under `/api`.
pub fn router(cors_origins: &[String]) -> Router<AppState> {
    Router::new()
        .merge(users::router())
        .merge(profiles::router())
        .merge(articles::router())
        .merge(comments::router())
        .merge(tags::router())
        .fallback(|| async { AppError::not_found("route") })
        .method_not_allowed_fallback(|| async {
            json(
                StatusCode::METHOD_NOT_ALLOWED,
                &serde_json::json!({ "errors": { "method": ["is not allowed"] } }),
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors(cors_origins))
}

/// Cross-origin access for browser apps on other origins (the SPA build).
/// Auth travels in the `Authorization` header, never in cookies, so no
/// credentials are allowed.
fn cors(origins: &[String]) -> CorsLayer {
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("x-requested-with"),
        ])
        // The next window of a comment thread (docs/api.md).
        .expose_headers([header::LINK])
        // Browsers cap this (Chromium at 2 hours); a day asks for the most.
        .max_age(std::time::Duration::from_secs(86_400))
}

/// A JSON response with the content type API.md names.
pub fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "cannot serialise a response");
            AppError::Internal.into_response()
        }
    }
}

/// `{"<key>": value}`: every Conduit payload is wrapped in an envelope.
pub fn enveloped<T: Serialize>(status: StatusCode, key: &str, value: T) -> Response {
    json(status, &serde_json::json!({ key: value }))
}
