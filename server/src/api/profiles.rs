//! Spec: "Get Profile", "Follow user", "Unfollow user".

use app::backend::identity::{SignedIn, Viewer};
use app::backend::profiles;
use app::error::AppError;
use app::web::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::enveloped;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/profiles/{username}", get(show))
        .route("/profiles/{username}/follow", post(follow).delete(unfollow))
}

/// `GET /api/profiles/:username`
async fn show(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let profile = profiles::get(&state, viewer, &username).await?;
    Ok(enveloped(StatusCode::OK, "profile", profile))
}

/// `POST /api/profiles/:username/follow` (a stray body is ignored, per API.md)
async fn follow(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let profile = profiles::follow(&state, caller.user, &username).await?;
    Ok(enveloped(StatusCode::OK, "profile", profile))
}

/// `DELETE /api/profiles/:username/follow`
async fn unfollow(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(username): Path<String>,
) -> Result<Response, AppError> {
    let profile = profiles::unfollow(&state, caller.user, &username).await?;
    Ok(enveloped(StatusCode::OK, "profile", profile))
}
