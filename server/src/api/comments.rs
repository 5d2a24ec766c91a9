//! Spec: "Add Comments to an Article", "Get Comments from an Article", "Delete Comment".

use app::backend::comments;
use app::backend::identity::{SignedIn, Viewer};
use app::error::AppError;
use app::models::CommentQuery;
use app::web::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;
use serde::Deserialize;

use super::enveloped;
use super::extract::Body;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/articles/{slug}/comments", get(list).post(add))
        .route("/articles/{slug}/comments/{id}", delete(remove))
}

/// Paging of a comment thread: optional, so the contract's plain request
/// gets the first window (up to 100 comments).
#[derive(Deserialize)]
struct WindowQuery {
    after: Option<String>,
    limit: Option<String>,
}

/// `GET /api/articles/:slug/comments`. A `Link: <…?after=N>; rel="next"`
/// header points at the next window when there is one (docs/api.md).
async fn list(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(slug): Path<String>,
    query: Result<Query<WindowQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query.map_err(|e| AppError::invalid("query", &e.body_text()))?;
    let query = CommentQuery::parse(query.after.as_deref(), query.limit.as_deref())?;
    let window = comments::list(&state, viewer, &slug, query).await?;
    let mut response = enveloped(StatusCode::OK, "comments", window.comments);
    if let Some(after) = window.next_after {
        let next = format!(
            "</api/articles/{}/comments?after={after}&limit={}>; rel=\"next\"",
            app::urls::encode_segment(&slug),
            query.limit
        );
        if let Ok(value) = HeaderValue::from_str(&next) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
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
