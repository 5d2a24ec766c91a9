//! The timelines of readers who followed authors before timelines came in,
//! built in the background follow by follow, in the follows' key order.
//! Readers below `timeline_backfill.next_reader` have complete timelines;
//! the others' feeds are read the old way until the backfill passes them.
//!
//! New follows and publications meanwhile queue their own jobs as usual:
//! both write rows the backfill may write too, and `on conflict do nothing`
//! keeps one. Each batch locks the follows it copies (`for update`, as the
//! jobs do, [`super::jobs`]): a job on one of them waits for the batch and
//! sees what it wrote, and so does an unfollow's.

use super::super::background::Progress;
use super::super::db::Database;
use super::{rules, DEPTH};
use crate::error::AppError;

/// Rows a batch writes at most: as many follows as that many of their
/// authors' newest articles make (none for a pulled author), and at least
/// one follow.
const ROWS: i64 = 10_000;

/// Follows a batch copies at most.
const FOLLOWS: i64 = 1_000;

/// One batch of follows past the cursor, in one transaction; `Idle` once
/// every reader's timeline is complete.
#[tracing::instrument(skip_all)]
pub async fn batch(db: &Database) -> Result<Progress, AppError> {
    let mut tx = db.writer()?.begin().await?;
    let Some(cursor) = sqlx::query!(
        r#"select next_reader, next_author from timeline_backfill
           where not done for update skip locked"#
    )
    .fetch_optional(&mut tx)
    .await?
    else {
        return Ok(Progress::Idle);
    };
    let follows = sqlx::query!(
        r#"select follower_id as "reader!", followed_id as "author!" from (
               select f.follower_id, f.followed_id, f.own,
                      sum(f.own) over (order by f.follower_id, f.followed_id) as upto
               from (select f.follower_id, f.followed_id,
                            case when exists (select 1 from timeline_pulled_authors p
                                              where p.author_id = f.followed_id) then 0
                                 else (select least(u.articles_count, $3) from users u
                                       where u.id = f.followed_id) end as own
                     from follows f
                     where (f.follower_id, f.followed_id) > ($1, $2)
                     order by f.follower_id, f.followed_id limit $4) f) batch
           where upto - own < $5
           order by follower_id, followed_id"#,
        cursor.next_reader,
        cursor.next_author,
        DEPTH as i32,
        FOLLOWS,
        ROWS,
    )
    .fetch_all(&mut tx)
    .await?;
    let Some(last) = follows.last() else {
        sqlx::query!("update timeline_backfill set done = true")
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        tracing::info!("every reader's timeline is complete");
        return Ok(Progress::Worked);
    };
    let (next_reader, next_author) = (last.reader, last.author);
    let (readers, authors): (Vec<i64>, Vec<i64>) =
        follows.iter().map(|f| (f.reader, f.author)).unzip();
    // Only the follows copied are locked (a thousand locked for the one
    // follow of a prolific author that fills a batch slowed the backfill
    // fourfold); one undone meanwhile is not copied.
    let locked = sqlx::query!(
        r#"select f.follower_id, f.followed_id from follows f
           join unnest($1::bigint[], $2::bigint[]) b (reader, author)
             on f.follower_id = b.reader and f.followed_id = b.author
           for update of f"#,
        &readers,
        &authors,
    )
    .fetch_all(&mut tx)
    .await?;
    let (readers, authors): (Vec<i64>, Vec<i64>) = locked
        .iter()
        .map(|f| (f.follower_id, f.followed_id))
        .unzip();
    // Authors with too many followers are pulled before their first push,
    // as a publication would find them.
    rules::pull_widely_followed(&mut tx, &authors).await?;
    rules::copy_newest(&mut tx, &readers, &authors).await?;
    sqlx::query!(
        "update timeline_backfill set next_reader = $1, next_author = $2",
        next_reader,
        next_author,
    )
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(Progress::Worked)
}
