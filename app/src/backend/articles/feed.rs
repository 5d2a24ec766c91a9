//! The followed authors' feed (docs/scaling.md, "The feed").
//!
//! The feed of a reader whose timeline is complete is read from it
//! ([`Plan::Timeline`], `super::super::timelines`). Until then it is read
//! from the articles, by the cheaper of two plans for this reader:
//!
//! - **Newest first, kept if followed**: walk every article newest first
//!   (`articles_created_idx`) and keep those whose author the reader
//!   follows (a probe of `follows_pkey` per article). It reads about
//!   `window ÷ share` articles, where `share` is the part of all articles
//!   the followed authors wrote: cheap for a reader who follows prolific
//!   authors, and a walk of the whole table for one who follows a single
//!   quiet author.
//! - **Each followed author's newest**: for each followed author, the
//!   newest `offset + limit` of their articles (`articles_author_created_idx`),
//!   merged. It reads at most `followed × window` articles, whatever the
//!   rest of the table holds: cheap for a reader who follows few authors
//!   or quiet ones, costly for one who follows thousands of prolific ones.
//!
//! Both give the same page (a test holds them to it). The numbers that
//! choose are the ones the total already needs: how many authors the reader
//! follows and how many articles they wrote.

use super::super::timelines::DEPTH;
use super::super::tokens::UserId;
use super::super::Services;
use super::rows::{load, personalise};
use crate::error::AppError;
use crate::models::{ArticleList, Window};

/// What one probe of an index costs next to reading one more entry of a
/// range (a descent of the tree against the next tuple). Measured on the
/// data of `make seed-large USERS=1000000`: walking the newest articles
/// with a probe of the reader's follows each took 4.6 µs per article, an
/// author's range 0.47 µs per article.
const PROBE_COST: f64 = 10.0;

/// The ways to read a page of the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// The reader's timeline, with what is pulled merged in.
    Timeline,
    NewestFirst,
    PerAuthor,
}

/// The timeline when it holds the page, else what the plans over the
/// articles cost, from the reader's follows: `followed` authors who wrote
/// `theirs` of the `all` articles there are.
pub fn choose(window: Window, timeline: bool, followed: i64, theirs: i64, all: i64) -> Plan {
    if timeline && window.offset + window.limit <= DEPTH {
        return Plan::Timeline;
    }
    let depth = (window.offset + window.limit) as f64;
    let (followed, theirs, all) = (followed as f64, theirs.max(1) as f64, all as f64);
    // Each article walked past is one probe of the reader's follows.
    let newest_first = depth * all / theirs * PROBE_COST;
    // One probe per author, then at most `depth` of each one's articles.
    let per_author = followed * PROBE_COST + theirs.min(followed * depth);
    if per_author <= newest_first {
        Plan::PerAuthor
    } else {
        Plan::NewestFirst
    }
}

/// Spec: `GET /api/articles/feed`: articles by the authors the user follows.
#[tracing::instrument(skip(state))]
pub async fn feed(state: &Services, user: UserId, window: Window) -> Result<ArticleList, AppError> {
    // One probe of `users_pkey` per followed author: joined instead, the
    // planner walks `users_pkey` in order to merge (75 ms against 21 ms for
    // a reader of 4,474 authors on the 1M-user data set).
    let totals = sqlx::query!(
        r#"select count(*) as "followed!",
                  coalesce(sum((select u.articles_count from users u where u.id = f.followed_id)), 0)::bigint
                      as "theirs!",
                  (select sum(articles) from article_total_shards)::bigint as "all!",
                  coalesce((select done or next_reader > $1 from timeline_backfill), false)
                      as "timeline!"
           from follows f
           where f.follower_id = $1"#,
        user.0,
    )
    .fetch_one(state.reads()?)
    .await?;
    let ids = if totals.theirs == 0 || window.offset >= totals.theirs {
        Vec::new()
    } else {
        page(
            state,
            user,
            window,
            choose(
                window,
                totals.timeline,
                totals.followed,
                totals.theirs,
                totals.all,
            ),
        )
        .await?
    };
    let shared = load(state, &ids, false).await?;
    Ok(ArticleList {
        articles: personalise(state, Some(user), &shared).await?,
        articles_count: totals.theirs,
    })
}

/// The ids of one window of the feed, read by `plan`.
pub async fn page(
    state: &Services,
    user: UserId,
    window: Window,
    plan: Plan,
) -> Result<Vec<i64>, AppError> {
    let ids = match plan {
        // Three parts that never overlap, merged: the timeline's newest,
        // but for the authors pulled for this reader (pulled for all, or
        // with a pending follow or deletion), whose newest are read from
        // the articles instead; and the articles whose publication is
        // pending. A timeline row counts only if its follow and its article
        // are still there (the jobs that sweep the others may be pending).
        // When the timeline fills the window, nothing older than its last
        // row can reach the page: the pulled authors are read down to it.
        // The timeline's rows are tested one by one, in its order, by
        // subqueries the planner cannot turn into joins: as joins, the plan
        // it keeps for any reader (after five runs of the statement) hashed
        // the reader's whole timeline and sorted it, 130,345 rows for the
        // heaviest reader (380 ms against 2.6 ms).
        Plan::Timeline => {
            sqlx::query_scalar!(
                r#"with pulled as materialized (
                       select p.author_id from (
                           select author_id from timeline_pulled_authors
                           union
                           select author_id from timeline_jobs
                           where kind = 'follow' and reader_id = $1
                           union
                           select author_id from timeline_jobs where kind = 'unpublish') p
                       where exists (select 1 from follows f
                                     where f.follower_id = $1 and f.followed_id = p.author_id)),
                   pushed as materialized (
                       select t.article_id as id, t.created_at from timelines t
                       where t.reader_id = $1
                         and (select true from follows f
                              where f.follower_id = $1 and f.followed_id = t.author_id)
                         and (select true from articles a where a.id = t.article_id)
                         and (select true from timeline_pulled_authors c
                              where c.author_id = t.author_id) is null
                         and (select true from timeline_jobs j
                              where j.kind = 'follow' and j.reader_id = $1
                                and j.author_id = t.author_id limit 1) is null
                         and (select true from timeline_jobs j
                              where j.kind = 'unpublish' and j.author_id = t.author_id
                              limit 1) is null
                       order by t.created_at desc, t.article_id desc
                       limit $2::bigint + $3::bigint),
                   oldest as (
                       select case when count(*) = $2::bigint + $3::bigint then min(created_at)
                                   else '-infinity' end as created_at
                       from pushed)
                   select id as "id!" from (
                       select id, created_at from pushed
                       union all
                       select a.id, a.created_at from pulled p
                       cross join lateral (
                           select id, created_at from articles
                           where author_id = p.author_id
                             and created_at >= (select created_at from oldest)
                           order by created_at desc, id desc
                           limit $2::bigint + $3::bigint) a
                       union all
                       select a.id, a.created_at from timeline_jobs j
                       join articles a on a.id = j.article_id
                       where j.kind = 'publish'
                         and exists (select 1 from follows f
                                     where f.follower_id = $1 and f.followed_id = a.author_id)
                         and not exists (select 1 from pulled p where p.author_id = a.author_id)
                         and not exists (select 1 from pushed x where x.id = a.id)
                   ) feed
                   order by created_at desc, id desc
                   limit $2 offset $3"#,
                user.0,
                window.limit,
                window.offset,
            )
            .fetch_all(state.reads()?)
            .await?
        }
        Plan::NewestFirst => {
            sqlx::query_scalar!(
                r#"select a.id from articles a
                   where exists (select 1 from follows f
                                 where f.follower_id = $1 and f.followed_id = a.author_id)
                   order by a.created_at desc, a.id desc
                   limit $2 offset $3"#,
                user.0,
                window.limit,
                window.offset,
            )
            .fetch_all(state.reads()?)
            .await?
        }
        Plan::PerAuthor => {
            sqlx::query_scalar!(
                r#"select t.id as "id!" from follows f
                   cross join lateral (
                       select a.id, a.created_at from articles a
                       where a.author_id = f.followed_id
                       order by a.created_at desc, a.id desc
                       limit $2::bigint + $3::bigint
                   ) t
                   where f.follower_id = $1
                   order by t.created_at desc, t.id desc
                   limit $2 offset $3"#,
                user.0,
                window.limit,
                window.offset,
            )
            .fetch_all(state.reads()?)
            .await?
        }
    };
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_page() -> Window {
        Window {
            limit: 20,
            offset: 0,
        }
    }

    fn deepest() -> Window {
        Window {
            limit: 20,
            offset: Window::MAX_OFFSET,
        }
    }

    #[test]
    fn a_complete_timeline_serves_every_page() {
        assert_eq!(
            choose(first_page(), true, 4_474, 2_700_000, 20_000_000),
            Plan::Timeline
        );
        assert_eq!(choose(deepest(), true, 1, 3, 20_000_000), Plan::Timeline);
        assert_eq!(
            choose(deepest(), true, 4_474, 311_179, 2_000_000),
            Plan::Timeline
        );
    }

    #[test]
    fn a_reader_of_one_quiet_author_reads_that_author() {
        assert_eq!(
            choose(first_page(), false, 1, 3, 20_000_000),
            Plan::PerAuthor
        );
    }

    #[test]
    fn a_reader_of_thousands_of_prolific_authors_walks_the_newest() {
        assert_eq!(
            choose(first_page(), false, 4_474, 2_700_000, 20_000_000),
            Plan::NewestFirst
        );
    }

    #[test]
    fn the_deep_pages_of_that_reader_read_each_author() {
        assert_eq!(
            choose(deepest(), false, 4_474, 311_179, 2_000_000),
            Plan::PerAuthor
        );
        assert_eq!(
            choose(first_page(), false, 4_474, 311_179, 2_000_000),
            Plan::NewestFirst
        );
    }

    #[test]
    fn deep_pages_move_the_choice_towards_each_author() {
        assert_eq!(
            choose(first_page(), false, 2_000, 400_000, 20_000_000),
            Plan::NewestFirst
        );
        assert_eq!(
            choose(deepest(), false, 2_000, 400_000, 20_000_000),
            Plan::PerAuthor
        );
    }
}
