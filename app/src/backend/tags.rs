//! Tags in use.

use std::sync::Arc;
use std::time::Duration;

use super::background;
use super::cache::TagListKind;
use super::db::Database;
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
/// used shows even before it is popular (FRONTEND.md). Its candidates come
/// from two indexes, and only they are counted, so the cost follows what
/// is shown, not how many tags exist (migrations/20261208000001_tag_ranks.sql).
#[tracing::instrument(skip(state))]
pub async fn sidebar(state: &Services) -> Result<Arc<Vec<String>>, AppError> {
    state
        .cache
        .tags()
        .get_or_load(TagListKind::Sidebar, async {
            // The candidates: the most used by the last ranking, and the
            // twice as many tags as wanted of the latest uses (no tag has
            // more than 16 shards, so 32 uses per tag wanted name enough of
            // them). Each is counted exactly, from its own shards, and only
            // those still in use are picked: the most used as ranked, then
            // the most recently used.
            let tags = sqlx::query_scalar!(
                r#"with popular as (
                       select tag_id from tag_ranks
                       order by articles desc, tag_id
                       limit $1
                   ), latest as (
                       select tag_id, max(last_used_at) as last_used_at
                       from (select tag_id, last_used_at from tag_count_shards
                             where last_used_at is not null
                             order by last_used_at desc
                             limit $2::bigint * 32) uses
                       group by tag_id
                       order by last_used_at desc, tag_id
                       limit $2::bigint * 2
                   ), counted as (
                       select tag_id, sum(articles) as articles
                       from tag_count_shards
                       where tag_id in (select tag_id from popular union select tag_id from latest)
                       group by tag_id
                       having sum(articles) > 0
                   ), picked as (
                       select tag_id, 0 as part from popular join counted using (tag_id)
                       union all
                       (select tag_id, 1 as part from latest join counted using (tag_id)
                        order by last_used_at desc, tag_id
                        limit $2)
                   )
                   select t.name
                   from (select tag_id, min(part) as part from picked group by tag_id) p
                   join counted c using (tag_id)
                   join tags t on t.id = p.tag_id
                   order by p.part, c.articles desc, t.name"#,
                SIDEBAR_POPULAR,
                SIDEBAR_RECENT,
            )
            .fetch_all(state.reads()?)
            .await?;
            Ok(Arc::new(tags))
        })
        .await
}

/// How often every server ranks the tags by use again.
pub const RANK_EVERY: Duration = Duration::from_secs(60);

/// Ranks the tags by use (`tag_ranks`, which the sidebar's most used come
/// from) for as long as the server runs.
pub async fn run(db: Database) {
    background::every(db, "ranking the tags", RANK_EVERY, |db| async move {
        rank(&db).await
    })
    .await;
}

/// Ranks the tags by their counts now: one pass over every tag's shards,
/// once a minute per server rather than once per article written. One
/// server ranks at a time (the others, finding the lock taken, leave it to
/// it), and only the ranks that changed are written.
#[tracing::instrument(skip_all)]
pub async fn rank(db: &Database) -> Result<(), AppError> {
    let mut tx = db.writer()?.begin().await?;
    let ours = sqlx::query_scalar!(
        r#"select pg_try_advisory_xact_lock(hashtext('tag_ranks')) as "ours!""#
    )
    .fetch_one(&mut tx)
    .await?;
    if !ours {
        return Ok(());
    }
    sqlx::query!(
        r#"with counted as (
               select tag_id, sum(articles)::bigint as articles from tag_count_shards
               group by tag_id having sum(articles) > 0
           ), unused as (
               delete from tag_ranks r
               where not exists (select from counted c where c.tag_id = r.tag_id)
           )
           insert into tag_ranks (tag_id, articles)
           select c.tag_id, c.articles from counted c
           left join tag_ranks r on r.tag_id = c.tag_id
           where r.articles is distinct from c.articles
           on conflict (tag_id) do update set articles = excluded.articles
           where tag_ranks.articles <> excluded.articles"#
    )
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
