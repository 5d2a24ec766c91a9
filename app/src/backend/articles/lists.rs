//! Lists of articles, read in two steps. First the ids of one window and
//! the number of matches, in one statement per filter shaped for its index
//! (see docs/queries.md for the plans). Then one shared query loads those
//! rows with their authors and tags ([`super::rows::load`]). The first pages
//! of the global and per-tag lists are cached that way; deep windows of
//! those and of an author's list start from an anchor ([`deep`]).

use std::future::Future;
use std::sync::Arc;

use super::super::cache::{ListKey, Listed, SharedList};
use super::super::tokens::UserId;
use super::super::Services;
use super::deep;
use super::rows::{load, personalise};
use crate::error::AppError;
use crate::models::{ArticleList, ListFilter, Username, Window};

/// Ids of one window of a list, and the number of matches in all.
type Ids = (Vec<i64>, i64);

/// Spec: `GET /api/articles`, newest first, ties by id; unknown
/// author/favorited/tag names give an empty list.
#[tracing::instrument(skip(state, viewer))]
pub async fn list(
    state: &Services,
    viewer: Option<UserId>,
    filter: &ListFilter,
    window: Window,
) -> Result<ArticleList, AppError> {
    let shared = match (&filter.tag, &filter.author, &filter.favorited) {
        (None, None, None) => {
            first_page_cached(state, None, window, ids_all(state, window)).await?
        }
        (Some(tag), None, None) => {
            first_page_cached(state, Some(tag), window, ids_by_tag(state, tag, window)).await?
        }
        (None, Some(author), None) => by_author(state, author, window).await?,
        (None, None, Some(user)) => fetch(state, ids_favorited_by(state, user, window)).await?,
        _ => fetch(state, ids_combined(state, filter, window)).await?,
    };
    Ok(ArticleList {
        articles: personalise(state, viewer, &shared.articles).await?,
        articles_count: shared.total,
    })
}

/// The first page of the global list (`tag: None`) or of one tag comes from
/// the cache: that is what the home page and every anonymous visitor read.
/// Deeper windows start from an anchor ([`deep`]).
async fn first_page_cached(
    state: &Services,
    tag: Option<&str>,
    window: Window,
    ids: impl Future<Output = Result<Ids, AppError>>,
) -> Result<Arc<SharedList>, AppError> {
    if window.offset != 0 {
        let list = tag.map_or(Listed::All, |tag| Listed::Tag(tag.to_owned()));
        if let Some(deep) = deep_page(state, &list, window).await? {
            return Ok(deep);
        }
        return fetch(state, ids).await;
    }
    let key = ListKey {
        tag: tag.map(str::to_owned),
        limit: window.limit,
    };
    state
        .cache
        .lists()
        .get_or_load(key, fetch(state, ids))
        .await
}

/// An author's list: deep windows start from an anchor, as the global
/// list's do, the author found by name first.
async fn by_author(
    state: &Services,
    author: &str,
    window: Window,
) -> Result<Arc<SharedList>, AppError> {
    if deep::applies(state, window) {
        let id = sqlx::query_scalar!(
            "select id from users where username_key = $1",
            Username::key_of(author),
        )
        .fetch_optional(state.reads()?)
        .await?;
        if let Some(id) = id {
            if let Some(deep) = deep_page(state, &Listed::Author(id), window).await? {
                return Ok(deep);
            }
        }
    }
    fetch(state, ids_by_author(state, author, window)).await
}

/// A deep window of `list` from its anchor ([`deep`]), if it has one.
async fn deep_page(
    state: &Services,
    list: &Listed,
    window: Window,
) -> Result<Option<Arc<SharedList>>, AppError> {
    let Some((ids, total)) = deep::ids(state, list, window).await? else {
        return Ok(None);
    };
    let articles = load(state, &ids, false).await?;
    Ok(Some(Arc::new(SharedList { articles, total })))
}

async fn fetch(
    state: &Services,
    ids: impl Future<Output = Result<Ids, AppError>>,
) -> Result<Arc<SharedList>, AppError> {
    let (ids, total) = ids.await?;
    let articles = load(state, &ids, false).await?;
    Ok(Arc::new(SharedList { articles, total }))
}

async fn ids_all(state: &Services, window: Window) -> Result<Ids, AppError> {
    let row = sqlx::query!(
        r#"select array(select id from articles
                        order by created_at desc, id desc
                        limit $1 offset $2) as "ids!",
                  (select sum(articles) from article_total_shards)::bigint as "total!""#,
        window.limit,
        window.offset,
    )
    .fetch_one(state.reads()?)
    .await?;
    Ok((row.ids, row.total))
}

async fn ids_by_tag(state: &Services, tag: &str, window: Window) -> Result<Ids, AppError> {
    let row = sqlx::query!(
        r#"select array(select at.article_id from article_tags at
                        where at.tag_id = (select id from tags where name = $1)
                        order by at.article_created_at desc, at.article_id desc
                        limit $2 offset $3) as "ids!",
                  coalesce((select sum(s.articles) from tag_count_shards s
                            join tags t on t.id = s.tag_id where t.name = $1), 0)::bigint
                      as "total!""#,
        tag,
        window.limit,
        window.offset,
    )
    .fetch_one(state.reads()?)
    .await?;
    Ok((row.ids, row.total))
}

async fn ids_by_author(state: &Services, author: &str, window: Window) -> Result<Ids, AppError> {
    let row = sqlx::query!(
        r#"select array(select id from articles
                        where author_id = (select id from users where username_key = $1)
                        order by created_at desc, id desc
                        limit $2 offset $3) as "ids!",
                  coalesce((select articles_count from users where username_key = $1), 0)
                      as "total!""#,
        Username::key_of(author),
        window.limit,
        window.offset,
    )
    .fetch_one(state.reads()?)
    .await?;
    Ok((row.ids, row.total.into()))
}

async fn ids_favorited_by(
    state: &Services,
    username: &str,
    window: Window,
) -> Result<Ids, AppError> {
    let row = sqlx::query!(
        r#"select array(select article_id from favorites
                        where user_id = (select id from users where username_key = $1)
                        order by article_created_at desc, article_id desc
                        limit $2 offset $3) as "ids!",
                  coalesce((select favorites_count from users where username_key = $1), 0)
                      as "total!""#,
        Username::key_of(username),
        window.limit,
        window.offset,
    )
    .fetch_one(state.reads()?)
    .await?;
    Ok((row.ids, row.total.into()))
}

/// At most this many matches of two or more filters are counted: every
/// window the API serves (`offset` ≤ 10,000, `limit` ≤ 100) lies within them,
/// and counting further would walk an unbounded set on every request.
pub const COMBINED_COUNT_CAP: i64 = Window::MAX_OFFSET + Window::MAX_LIMIT;

/// Two or more filters at once. The UI never asks for this; the API allows
/// it. Read from the narrower of the two sets one user bounds, probing the
/// other filters on each row: the author's articles
/// (`articles_author_created_idx`) or, without an author, the user's
/// favorites (`favorites_user_created_idx`). A tag alone is not combined,
/// so without an author there is a tag. The tag is probed in `article_tags`
/// (an index), never in the article's row: the most prolific author of the
/// 10M-user data set has 158,329 of them, and reading each row took seconds.
/// The count stops at [`COMBINED_COUNT_CAP`] (docs/api.md).
async fn ids_combined(
    state: &Services,
    filter: &ListFilter,
    window: Window,
) -> Result<Ids, AppError> {
    let tag = filter.tag.as_deref();
    let favorited = filter.favorited.as_deref().map(Username::key_of);
    let row = match filter.author.as_deref().map(Username::key_of) {
        Some(author) => sqlx::query!(
            r#"with matches as materialized (
                       select a.id, a.created_at from articles a
                       where a.author_id = (select id from users where username_key = $1)
                         and ($2::text is null or exists (
                                 select 1 from article_tags at
                                 where at.article_id = a.id
                                   and at.tag_id = (select id from tags where name = $2)))
                         and ($3::text is null or exists (
                                 select 1 from favorites f
                                 where f.article_id = a.id
                                   and f.user_id = (select id from users where username_key = $3)))
                       order by a.created_at desc, a.id desc
                       limit $6
                   )
                   select array(select id from matches
                                order by created_at desc, id desc
                                limit $4 offset $5) as "ids!",
                          (select count(*) from matches) as "total!""#,
            author,
            tag,
            favorited,
            window.limit,
            window.offset,
            COMBINED_COUNT_CAP,
        )
        .fetch_one(state.reads()?)
        .await
        .map(|row| (row.ids, row.total))?,
        None => sqlx::query!(
            r#"with matches as materialized (
                       select f.article_id as id, f.article_created_at as created_at
                       from favorites f
                       where f.user_id = (select id from users where username_key = $1)
                         and exists (select 1 from article_tags at
                                     where at.article_id = f.article_id
                                       and at.tag_id = (select id from tags where name = $2))
                       order by f.article_created_at desc, f.article_id desc
                       limit $5
                   )
                   select array(select id from matches
                                order by created_at desc, id desc
                                limit $3 offset $4) as "ids!",
                          (select count(*) from matches) as "total!""#,
            favorited,
            tag,
            window.limit,
            window.offset,
            COMBINED_COUNT_CAP,
        )
        .fetch_one(state.reads()?)
        .await
        .map(|row| (row.ids, row.total))?,
    };
    Ok(row)
}
