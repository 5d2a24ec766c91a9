//! Deep pages of the global, per-tag and per-author lists, read from an
//! anchor.
//!
//! `offset` makes PostgreSQL walk every index entry before the page: at the
//! API's cap (10,000) that is ten thousand entries for twenty. Instead the
//! cache keeps where every hundredth article of the list stands
//! ([`Anchors`], one walk of the list, dropped with the lists whenever an
//! article is written), and a deep page starts right after the nearest one:
//! `(created_at, id) < anchor`, then at most 99 more entries.
//!
//! The anchors are as fresh as the cached first pages: a write drops both
//! at its commit (the change feed), on every instance.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::super::cache::{Anchors, Listed};
use super::super::Services;
use crate::error::AppError;
use crate::models::Window;

/// Articles between two anchors.
pub const STEP: i64 = 100;

/// One window's ids, and the whole list's total.
struct Page {
    ids: Vec<i64>,
    total: i64,
}

/// Where an article stands in its list's order.
struct Position {
    created_at: DateTime<Utc>,
    id: i64,
}

/// Whether a window starts deep enough for an anchor to save a walk, with
/// a cache to keep anchors in.
pub fn applies(state: &Services, window: Window) -> bool {
    window.offset >= STEP && state.cache.enabled()
}

/// The ids and the total of a deep page of `list`, from its anchor; `None`
/// when the plain query is as cheap (a shallow page, no cache to keep
/// anchors in) or the list ends before the page (the plain query walks the
/// short list).
pub async fn ids(
    state: &Services,
    list: &Listed,
    window: Window,
) -> Result<Option<(Vec<i64>, i64)>, AppError> {
    if !applies(state, window) {
        return Ok(None);
    }
    let anchors = state
        .cache
        .anchors()
        .get_or_load(list.clone(), load(state, list))
        .await?;
    // The anchor is the last article of the step before the page's.
    let Some(&(created_at, id)) = anchors.0.get((window.offset / STEP - 1) as usize) else {
        return Ok(None);
    };
    let rest = window.offset % STEP;
    let reads = state.reads()?;
    let page = match list {
        Listed::All => {
            sqlx::query_as!(
                Page,
                r#"select array(select id from articles
                                where (created_at, id) < ($1, $2)
                                order by created_at desc, id desc
                                limit $3 offset $4) as "ids!",
                          (select sum(articles) from article_total_shards)::bigint as "total!""#,
                created_at,
                id,
                window.limit,
                rest,
            )
            .fetch_one(reads)
            .await?
        }
        Listed::Tag(tag) => {
            sqlx::query_as!(
                Page,
                r#"select array(select at.article_id from article_tags at
                                where at.tag_id = (select id from tags where name = $1)
                                  and (at.article_created_at, at.article_id) < ($2, $3)
                                order by at.article_created_at desc, at.article_id desc
                                limit $4 offset $5) as "ids!",
                          coalesce((select sum(s.articles) from tag_count_shards s
                                    join tags t on t.id = s.tag_id where t.name = $1), 0)::bigint
                              as "total!""#,
                tag,
                created_at,
                id,
                window.limit,
                rest,
            )
            .fetch_one(reads)
            .await?
        }
        Listed::Author(author) => {
            sqlx::query_as!(
                Page,
                r#"select array(select id from articles
                                where author_id = $1 and (created_at, id) < ($2, $3)
                                order by created_at desc, id desc
                                limit $4 offset $5) as "ids!",
                          coalesce((select articles_count from users where id = $1), 0)::bigint
                              as "total!""#,
                author,
                created_at,
                id,
                window.limit,
                rest,
            )
            .fetch_one(reads)
            .await?
        }
    };
    Ok(Some((page.ids, page.total)))
}

/// Every hundredth article of the list, down to the offset cap: one walk.
async fn load(state: &Services, list: &Listed) -> Result<Arc<Anchors>, AppError> {
    let depth = Window::MAX_OFFSET;
    let reads = state.reads()?;
    let positions = match list {
        Listed::All => {
            sqlx::query_as!(
                Position,
                r#"select created_at as "created_at!", id as "id!" from (
                   select created_at, id, row_number() over (order by created_at desc, id desc) as n
                   from (select created_at, id from articles
                         order by created_at desc, id desc limit $1) newest
               ) numbered
               where n % $2 = 0 order by n"#,
                depth,
                STEP,
            )
            .fetch_all(reads)
            .await?
        }
        Listed::Tag(tag) => {
            sqlx::query_as!(
                Position,
                r#"select article_created_at as "created_at!", article_id as "id!" from (
                   select article_created_at, article_id,
                          row_number() over (order by article_created_at desc, article_id desc) as n
                   from (select at.article_created_at, at.article_id from article_tags at
                         where at.tag_id = (select id from tags where name = $1)
                         order by at.article_created_at desc, at.article_id desc
                         limit $2) newest
               ) numbered
               where n % $3 = 0 order by n"#,
                tag,
                depth,
                STEP,
            )
            .fetch_all(reads)
            .await?
        }
        Listed::Author(author) => {
            sqlx::query_as!(
                Position,
                r#"select created_at as "created_at!", id as "id!" from (
                   select created_at, id, row_number() over (order by created_at desc, id desc) as n
                   from (select created_at, id from articles where author_id = $1
                         order by created_at desc, id desc limit $2) newest
               ) numbered
               where n % $3 = 0 order by n"#,
                author,
                depth,
                STEP,
            )
            .fetch_all(reads)
            .await?
        }
    };
    let anchors = positions
        .into_iter()
        .map(|p| (p.created_at, p.id))
        .collect();
    Ok(Arc::new(Anchors(anchors)))
}
