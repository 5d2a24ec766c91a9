//! Tags in use.

use std::sync::Arc;

use sqlx::PgPool;

use super::AppState;
use crate::error::AppError;

/// Every tag that at least one article carries, most used first; cached
/// until an article is written.
///
/// Spec (API.md): a tag created a moment ago must be in the list, so there is no top-N cut.
#[tracing::instrument(skip(state))]
pub async fn all(state: &AppState) -> Result<Arc<Vec<String>>, AppError> {
    state.cache.tags().get_or_load((), load(&state.db)).await
}

async fn load(db: &PgPool) -> Result<Arc<Vec<String>>, AppError> {
    // `tags.articles_count` is kept by a trigger, so this reads one small table
    // instead of counting the article_tags join.
    let tags = sqlx::query_scalar!(
        r#"select name from tags where articles_count > 0 order by articles_count desc, name"#
    )
    .fetch_all(db)
    .await?;
    Ok(Arc::new(tags))
}
