//! Tags in use.

use std::sync::Arc;

use super::cache::TagListKind;
use super::Services;
use crate::error::AppError;

/// Tags the sidebar shows: the most used, then the most recently used.
pub const SIDEBAR_POPULAR: i64 = 20;
pub const SIDEBAR_RECENT: i64 = 10;

/// Every tag that at least one article carries (API.md: a tag created a
/// moment ago is in the list, so there is no top-N cut), with the sidebar's
/// selection first and then the rest by use, so that a client showing the
/// first few shows the sidebar. Counted from the tags' counter shards, cached
/// until an article is written.
#[tracing::instrument(skip(state))]
pub async fn all(state: &Services) -> Result<Arc<Vec<String>>, AppError> {
    state
        .cache
        .tags()
        .get_or_load(TagListKind::All, async {
            let mut tags = sidebar(state).await?.to_vec();
            let rest = sqlx::query_scalar!(
                r#"select name as "name!" from tags_in_use where name <> all($1)
                   order by articles desc, name"#,
                &tags,
            )
            .fetch_all(state.reads()?)
            .await?;
            tags.extend(rest);
            Ok(Arc::new(tags))
        })
        .await
}

/// What the sidebar shows: bounded however many tags exist, and a tag just
/// used shows even before it is popular (FRONTEND.md).
#[tracing::instrument(skip(state))]
pub async fn sidebar(state: &Services) -> Result<Arc<Vec<String>>, AppError> {
    state
        .cache
        .tags()
        .get_or_load(TagListKind::Sidebar, async {
            // One pass over the tags' counter shards (`tags_in_use`), read
            // once for both orders.
            let tags = sqlx::query_scalar!(
                r#"with used as materialized (
                       select name, articles, last_used_at from tags_in_use
                   ), popular as (
                       select name, articles from used order by articles desc, name limit $1
                   ), recent as (
                       select name, articles from used order by last_used_at desc nulls last limit $2
                   )
                   select name as "name!" from (
                       select name, articles, 0 as part from popular
                       union
                       select name, articles, 1 as part from recent
                   ) both_parts
                   group by name
                   order by min(part), max(articles) desc, name"#,
                SIDEBAR_POPULAR,
                SIDEBAR_RECENT,
            )
            .fetch_all(state.reads()?)
            .await?;
            Ok(Arc::new(tags))
        })
        .await
}
