//! Spec: "Add Comments to an Article", "Get Comments from an Article", "Delete Comment".

use app::backend::identity::{SignedIn, Viewer};
use app::backend::{comments, AppState};
use app::error::AppError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;

use super::enveloped;
use super::extract::Body;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/articles/{slug}/comments", get(list).post(add))
        .route("/articles/{slug}/comments/{id}", delete(remove))
}

/// `GET /api/articles/:slug/comments`
async fn list(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let comments = comments::list(&state, viewer, &slug).await?;
    Ok(enveloped(StatusCode::OK, "comments", comments))
}

/// `POST /api/articles/:slug/comments`
async fn add(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(slug): Path<String>,
    body: Body,
) -> Result<Response, AppError> {
    let comment = comments::add(&state, caller.user, &slug, body.decode("comment")).await?;
    Ok(enveloped(StatusCode::CREATED, "comment", comment))
}

/// `DELETE /api/articles/:slug/comments/:id`
async fn remove(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    // Comment ids start at 1, so an id that is not a number becomes 0 and is
    // 404 like any unknown id, after the article's own 404.
    let id = id.parse::<i64>().unwrap_or(0);
    comments::delete(&state, caller.user, &slug, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
