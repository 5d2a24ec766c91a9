//! Articles: lists, the feed, reading, writing and favorites.
//!
//! Articles are cached as every reader sees them ([`SharedArticle`]); the
//! viewer's `favorited` and `following` are added last by one indexed query
//! ([`crate::backend::personal`]).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::cache::SharedArticle;
use super::tokens::UserId;
use super::Services;
use crate::error::AppError;
use crate::models::Article;

mod deep;
pub mod feed;
mod lists;
mod rows;
mod slug;
mod write;

pub use feed::feed;
pub use lists::{list, COMBINED_COUNT_CAP};
pub use write::{create, delete, favorite, unfavorite, update};

/// Spec: `GET /api/articles/:slug`.
#[tracing::instrument(skip(state, viewer))]
pub async fn get(
    state: &Services,
    viewer: Option<UserId>,
    slug: &str,
) -> Result<Article, AppError> {
    let shared = shared_by_slug(state, slug).await?;
    rows::personalise_one(state, viewer, &shared).await
}

/// The article at `slug` with its body, as every reader sees it; cached.
pub(super) async fn shared_by_slug(
    state: &Services,
    slug: &str,
) -> Result<Arc<SharedArticle>, AppError> {
    state
        .cache
        .articles()
        .get_or_load(slug.to_owned(), async {
            rows::load_by_slug(state, slug).await.map(Arc::new)
        })
        .await
}

/// The id of the article at `slug`, for the comments service.
pub(super) async fn id_of(state: &Services, slug: &str) -> Result<i64, AppError> {
    locate(state, slug).await.map(|a| a.id)
}

/// What writes need to know of an article before they change it.
struct Located {
    id: i64,
    author_id: i64,
    slug: String,
    title: String,
    created_at: DateTime<Utc>,
}

async fn locate(state: &Services, slug: &str) -> Result<Located, AppError> {
    sqlx::query_as!(
        Located,
        "select id, author_id, slug, title, created_at from articles where slug = $1",
        slug
    )
    .fetch_optional(state.db()?)
    .await?
    .ok_or_else(|| AppError::not_found("article"))
}
