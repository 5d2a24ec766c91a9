//! The favorites and comments of deleted articles, removed in the
//! background (migrations/20261207000004_article_purges.sql).
//!
//! Deleting an article queues it in `article_purges`, in the deletion's own
//! transaction. Every server runs [`run`]: it takes the oldest due article
//! no other worker holds (`for update skip locked`), removes up to
//! [`BATCH`] of its favorites and [`BATCH`] of its comments, and commits;
//! the article leaves the queue in the batch that finds nothing more. So
//! the work is durable (the queue is a table), done once (a batch and its
//! progress commit together; a worker killed halfway leaves no trace and
//! the next one does the batch again), and bounded per transaction however
//! popular the article was. A batch that fails is tried again after a
//! backoff that doubles up to five minutes ([`super::background`]).

use super::background::{self, Progress};
use super::db::{Database, Tx};
use crate::error::AppError;

/// Rows removed per table per transaction: a batch stays far inside the
/// statement timeout (each favorite also updates its user's count).
pub const BATCH: i64 = 1_000;

/// Works through the queue for as long as the server runs.
pub async fn run(db: Database) {
    background::run(db, "purging a deleted article's rows", |db| async move {
        batch(&db).await
    })
    .await;
}

/// One batch of the oldest due article, in one transaction.
#[tracing::instrument(skip_all)]
pub async fn batch(db: &Database) -> Result<Progress, AppError> {
    let mut tx = db.writer()?.begin().await?;
    let Some(article) = sqlx::query_scalar!(
        r#"select article_id from article_purges where run_after <= now()
           order by run_after, deleted_at limit 1
           for update skip locked"#
    )
    .fetch_optional(&mut tx)
    .await?
    else {
        return Ok(Progress::Idle);
    };
    match remove_some(&mut tx, article).await {
        Ok(()) => {
            tx.commit().await?;
            Ok(Progress::Worked)
        }
        Err(error) => {
            drop(tx);
            sqlx::query!(
                r#"update article_purges
                   set attempts = attempts + 1, last_error = $2,
                       run_after = queue_retry_at(attempts)
                   where article_id = $1"#,
                article,
                error.to_string(),
            )
            .execute(db.writer()?)
            .await?;
            Err(error.into())
        }
    }
}

/// Up to a batch of each table; the article leaves the queue once both
/// have fewer left than a batch.
async fn remove_some(tx: &mut Tx, article: i64) -> Result<(), sqlx::Error> {
    let favorites = sqlx::query!(
        r#"delete from favorites where (user_id, article_id) in (
               select user_id, article_id from favorites where article_id = $1 limit $2)"#,
        article,
        BATCH,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let comments = sqlx::query!(
        r#"delete from comments where id in (
               select id from comments where article_id = $1 limit $2)"#,
        article,
        BATCH,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if favorites < BATCH as u64 && comments < BATCH as u64 {
        sqlx::query!("delete from article_purges where article_id = $1", article)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}
