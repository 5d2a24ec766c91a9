//! The followed authors' feed, read at request time by the cheaper of two
//! plans for this reader (docs/queries.md, "The feed").
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

/// The two ways to read a page of the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    NewestFirst,
    PerAuthor,
}

/// What the plans cost, from the reader's follows: `followed` authors who
/// wrote `theirs` of the `all` articles there are.
pub fn choose(window: Window, followed: i64, theirs: i64, all: i64) -> Plan {
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
                  (select sum(articles) from article_total_shards)::bigint as "all!"
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
            choose(window, totals.followed, totals.theirs, totals.all),
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
    fn a_reader_of_one_quiet_author_reads_that_author() {
        assert_eq!(choose(first_page(), 1, 3, 20_000_000), Plan::PerAuthor);
    }

    #[test]
    fn a_reader_of_thousands_of_prolific_authors_walks_the_newest() {
        assert_eq!(
            choose(first_page(), 4_474, 2_700_000, 20_000_000),
            Plan::NewestFirst
        );
    }

    #[test]
    fn the_deep_pages_of_that_reader_read_each_author() {
        assert_eq!(
            choose(deepest(), 4_474, 311_179, 2_000_000),
            Plan::PerAuthor
        );
        assert_eq!(
            choose(first_page(), 4_474, 311_179, 2_000_000),
            Plan::NewestFirst
        );
    }

    #[test]
    fn deep_pages_move_the_choice_towards_each_author() {
        assert_eq!(
            choose(first_page(), 2_000, 400_000, 20_000_000),
            Plan::NewestFirst
        );
        assert_eq!(
            choose(deepest(), 2_000, 400_000, 20_000_000),
            Plan::PerAuthor
        );
    }
}
