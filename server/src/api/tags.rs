//! Spec: "Get Tags".

use app::backend::{tags, AppState};
use app::error::AppError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::enveloped;

pub fn router() -> Router<AppState> {
    Router::new().route("/tags", get(list))
}

/// `GET /api/tags`
async fn list(State(state): State<AppState>) -> Result<Response, AppError> {
    let tags = tags::all(&state).await?;
    Ok(enveloped(StatusCode::OK, "tags", tags.as_slice()))
}
