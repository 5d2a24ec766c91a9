//! Spec: "List Articles", "Feed Articles", "Get Article", "Create Article",
//! "Update Article", "Delete Article", "Favorite Article", "Unfavorite Article".

use app::backend::articles;
use app::backend::identity::{SignedIn, Viewer};
use app::error::AppError;
use app::models::{ListFilter, NewArticle, Window};
use app::web::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::extract::Body;
use super::{enveloped, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/articles", get(list).post(create))
        .route("/articles/feed", get(feed))
        .route("/articles/{slug}", get(show).put(update).delete(remove))
        .route(
            "/articles/{slug}/favorite",
            post(favorite).delete(unfavorite),
        )
}

/// Query parameters as sent; parsed into a filter and a window.
#[derive(Deserialize)]
struct ListParams {
    tag: Option<String>,
    author: Option<String>,
    favorited: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn parse_query(
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<(ListFilter, Window), AppError> {
    let Query(query) = query.map_err(|e| AppError::invalid("query", &e.body_text()))?;
    let window = Window::parse(query.limit.as_deref(), query.offset.as_deref())?;
    let filter = ListFilter {
        tag: non_empty(query.tag),
        author: non_empty(query.author),
        favorited: non_empty(query.favorited),
    };
    Ok((filter, window))
}

/// `GET /api/articles`
async fn list(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let (filter, window) = parse_query(query)?;
    let list = articles::list(&state, viewer, &filter, window).await?;
    Ok(json(StatusCode::OK, &list))
}

/// `GET /api/articles/feed`
async fn feed(
    State(state): State<AppState>,
    caller: SignedIn,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, AppError> {
    let (_, window) = parse_query(query)?;
    let list = articles::feed(&state, caller.user, window).await?;
    Ok(json(StatusCode::OK, &list))
}

/// `GET /api/articles/:slug`
async fn show(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let article = articles::get(&state, viewer, &slug).await?;
    Ok(enveloped(StatusCode::OK, "article", article))
}

/// `POST /api/articles`
async fn create(
    State(state): State<AppState>,
    caller: SignedIn,
    body: Body,
) -> Result<Response, AppError> {
    let input: NewArticle = body.decode("article")?;
    let article = articles::create(&state, caller.user, input).await?;
    Ok(enveloped(StatusCode::CREATED, "article", article))
}

/// `PUT /api/articles/:slug`
async fn update(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(slug): Path<String>,
    body: Body,
) -> Result<Response, AppError> {
    let article = articles::update(&state, caller.user, &slug, body.decode("article")).await?;
    Ok(enveloped(StatusCode::OK, "article", article))
}

/// `DELETE /api/articles/:slug`
async fn remove(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    articles::delete(&state, caller.user, &slug).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/articles/:slug/favorite`
async fn favorite(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let article = articles::favorite(&state, caller.user, &slug).await?;
    Ok(enveloped(StatusCode::OK, "article", article))
}

/// `DELETE /api/articles/:slug/favorite`
async fn unfavorite(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let article = articles::unfavorite(&state, caller.user, &slug).await?;
    Ok(enveloped(StatusCode::OK, "article", article))
}
