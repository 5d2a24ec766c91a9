//! Spec: "Get Tags".

use app::backend::tags;
use app::error::AppError;
use app::web::AppState;
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
