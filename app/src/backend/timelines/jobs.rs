//! The queue of timeline jobs, one batch at a time: each write that changes
//! a feed queued one (migrations/20261207000005_timelines.sql).
//!
//! Every batch locks the follows it acts on (`for update`), in the
//! follows' order: two jobs on one reader and one author never overlap,
//! so each sees what the one before it wrote (a deletion's job waits for a
//! follow's copy, and removes the article from it). An unfollow waits for
//! them too, and its job sweeps what they wrote. A publication also locks
//! its article (`for key share`, as a foreign key would): its deletion
//! waits for the push, and its job sees the rows pushed.

use chrono::{DateTime, Utc};

use super::super::background::Progress;
use super::super::db::{Database, Tx};
use super::{rules, BATCH, DEPTH};
use crate::error::AppError;

/// A job as queued, with how far it has got.
struct Job {
    id: i64,
    kind: String,
    author_id: i64,
    article_id: Option<i64>,
    article_at: Option<DateTime<Utc>>,
    reader_id: Option<i64>,
    cursor_id: Option<i64>,
    cursor_at: Option<DateTime<Utc>>,
}

/// What a batch leaves of its job.
enum Left {
    Nothing,
    /// More, from this follower (publish, unpublish) or timeline row (unfollow).
    From(i64, Option<DateTime<Utc>>),
}

/// One batch of the oldest due job, in one transaction.
#[tracing::instrument(skip_all)]
pub async fn batch(db: &Database) -> Result<Progress, AppError> {
    let mut tx = db.writer()?.begin().await?;
    let Some(job) = sqlx::query_as!(
        Job,
        r#"select id, kind, author_id, article_id, article_at, reader_id, cursor_id, cursor_at
           from timeline_jobs where run_after <= now()
           order by run_after, id limit 1
           for update skip locked"#
    )
    .fetch_optional(&mut tx)
    .await?
    else {
        return Ok(Progress::Idle);
    };
    match step(&mut tx, &job).await {
        Ok(Left::Nothing) => {
            sqlx::query!("delete from timeline_jobs where id = $1", job.id)
                .execute(&mut tx)
                .await?;
        }
        Ok(Left::From(cursor_id, cursor_at)) => {
            sqlx::query!(
                "update timeline_jobs set cursor_id = $2, cursor_at = $3 where id = $1",
                job.id,
                cursor_id,
                cursor_at,
            )
            .execute(&mut tx)
            .await?;
        }
        Err(error) => {
            drop(tx);
            sqlx::query!(
                r#"update timeline_jobs
                   set attempts = attempts + 1, last_error = $2,
                       run_after = queue_retry_at(attempts)
                   where id = $1"#,
                job.id,
                error.to_string(),
            )
            .execute(db.writer()?)
            .await?;
            return Err(error.into());
        }
    }
    tx.commit().await?;
    Ok(Progress::Worked)
}

async fn step(tx: &mut Tx, job: &Job) -> Result<Left, sqlx::Error> {
    match (
        job.kind.as_str(),
        job.article_id,
        job.article_at,
        job.reader_id,
    ) {
        ("publish", Some(article), Some(at), _) => publish(tx, job, article, at).await,
        ("unpublish", Some(article), Some(at), _) => unpublish(tx, job, article, at).await,
        ("follow", _, _, Some(reader)) => follow(tx, job.author_id, reader).await,
        ("unfollow", _, _, Some(reader)) => unfollow(tx, job, reader).await,
        // The table's check allows nothing else; a row without its columns
        // has nothing to do.
        _ => Ok(Left::Nothing),
    }
}

/// Since when the author has been pulled, if they are.
async fn pulled_since(tx: &mut Tx, author: i64) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        "select since from timeline_pulled_authors where author_id = $1",
        author
    )
    .fetch_optional(&mut *tx)
    .await
}

/// Up to a batch of `author`'s followers after `after`, their follows
/// locked until the batch commits.
async fn followers(
    tx: &mut Tx,
    author: i64,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select follower_id from follows
           where followed_id = $1 and follower_id > $2
           order by follower_id limit $3
           for update"#,
        author,
        after.unwrap_or(i64::MIN),
        limit,
    )
    .fetch_all(&mut *tx)
    .await
}

/// What is left after a batch that dealt with `readers`, of at most `limit`.
fn left_after(readers: &[i64], limit: i64) -> Left {
    match readers.last() {
        Some(&last) if readers.len() as i64 == limit => Left::From(last, None),
        _ => Left::Nothing,
    }
}

/// An article reaches its author's followers, unless the author is pulled
/// or, at the first batch, turns out to have too many followers to push to.
async fn publish(
    tx: &mut Tx,
    job: &Job,
    article: i64,
    at: DateTime<Utc>,
) -> Result<Left, sqlx::Error> {
    let author = job.author_id;
    let exists = sqlx::query_scalar!(
        "select 1 as one from articles where id = $1 for key share",
        article
    )
    .fetch_optional(&mut *tx)
    .await?;
    if exists.is_none() || pulled_since(tx, author).await?.is_some() {
        return Ok(Left::Nothing);
    }
    if job.cursor_id.is_none() && !rules::pull_widely_followed(tx, &[author]).await?.is_empty() {
        return Ok(Left::Nothing);
    }
    let readers = followers(tx, author, job.cursor_id, BATCH).await?;
    sqlx::query!(
        r#"insert into timelines (reader_id, created_at, article_id, author_id)
           select reader, $2, $3, $4 from unnest($1::bigint[]) reader
           on conflict do nothing"#,
        &readers,
        at,
        article,
        author,
    )
    .execute(&mut *tx)
    .await?;
    Ok(left_after(&readers, BATCH))
}

/// A deleted article leaves its author's followers' timelines. Where the
/// author still has [`DEPTH`] articles, the one that moved up into their
/// newest takes its place (the author's newest are copied again, a few
/// followers per batch).
async fn unpublish(
    tx: &mut Tx,
    job: &Job,
    article: i64,
    at: DateTime<Utc>,
) -> Result<Left, sqlx::Error> {
    let author = job.author_id;
    let pulled = pulled_since(tx, author).await?;
    if pulled.is_some_and(|since| at > since) {
        // Published while pulled: never pushed.
        return Ok(Left::Nothing);
    }
    let articles_left: i64 = sqlx::query_scalar!(
        r#"select articles_count::bigint as "n!" from users where id = $1"#,
        author
    )
    .fetch_optional(&mut *tx)
    .await?
    .unwrap_or(0);
    let refill = pulled.is_none() && articles_left >= DEPTH;
    let limit = if refill {
        (BATCH / DEPTH).max(1)
    } else {
        BATCH
    };
    let readers = followers(tx, author, job.cursor_id, limit).await?;
    sqlx::query!(
        r#"delete from timelines
           where reader_id = any($1) and created_at = $2 and article_id = $3"#,
        &readers,
        at,
        article,
    )
    .execute(&mut *tx)
    .await?;
    if refill {
        rules::copy_newest(tx, &readers, &vec![author; readers.len()]).await?;
    }
    Ok(left_after(&readers, limit))
}

/// An author's newest articles reach a new follower, unless the author is
/// pulled or the follow is already undone.
async fn follow(tx: &mut Tx, author: i64, reader: i64) -> Result<Left, sqlx::Error> {
    let follows = sqlx::query_scalar!(
        r#"select 1 as one from follows where follower_id = $1 and followed_id = $2
           for update"#,
        reader,
        author,
    )
    .fetch_optional(&mut *tx)
    .await?;
    if follows.is_none() || pulled_since(tx, author).await?.is_some() {
        return Ok(Left::Nothing);
    }
    rules::copy_newest(tx, &[reader], &[author]).await?;
    Ok(Left::Nothing)
}

/// An unfollowed author's rows leave the reader's timeline: a batch of
/// the timeline at a time, newest first, so rows of articles deleted
/// meanwhile go too; unless the reader follows the author again (checked
/// in the statement that deletes, so a new follow's rows are never taken).
async fn unfollow(tx: &mut Tx, job: &Job, reader: i64) -> Result<Left, sqlx::Error> {
    let author = job.author_id;
    let rows = sqlx::query!(
        r#"select created_at, article_id, author_id from timelines
           where reader_id = $1
             and ($2::timestamptz is null or (created_at, article_id) < ($2, $3))
           order by created_at desc, article_id desc limit $4"#,
        reader,
        job.cursor_at,
        job.cursor_id.unwrap_or(0),
        BATCH,
    )
    .fetch_all(&mut *tx)
    .await?;
    let (ats, ids): (Vec<DateTime<Utc>>, Vec<i64>) = rows
        .iter()
        .filter(|row| row.author_id == author)
        .map(|row| (row.created_at, row.article_id))
        .unzip();
    sqlx::query!(
        r#"delete from timelines t
           using unnest($3::timestamptz[], $4::bigint[]) a (created_at, id)
           where t.reader_id = $1 and t.created_at = a.created_at and t.article_id = a.id
             and not exists (select 1 from follows
                             where follower_id = $1 and followed_id = $2)"#,
        reader,
        author,
        &ats,
        &ids,
    )
    .execute(&mut *tx)
    .await?;
    Ok(match rows.last() {
        Some(last) if rows.len() as i64 == BATCH => {
            Left::From(last.article_id, Some(last.created_at))
        }
        _ => Left::Nothing,
    })
}
