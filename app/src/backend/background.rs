//! Work queued in tables and done in the background by every server:
//! deleted articles' rows ([`super::purge`]) and readers' timelines
//! ([`super::timelines`]). A queue's batch takes the oldest due job no
//! other worker holds (`for update skip locked`) and commits its effect and
//! its progress together, so work is durable, done once, and taken over by
//! the next server when one is killed halfway. A batch that fails is rolled
//! back, its error kept on its job, and the job tried again later by one
//! rule for every queue: the SQL function `queue_retry_at(attempts)`, 2^attempts
//! seconds and at most five minutes.
//!
//! Other work is repeated on a clock ([`every`]): the tags' ranking
//! ([`super::tags::rank`]).

use std::future::Future;
use std::time::Duration;

use super::db::Database;
use crate::error::AppError;

/// How long an idle worker waits before it looks at its queue again.
const IDLE: Duration = Duration::from_secs(1);

/// What a batch found.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    /// It did some work: there may be more.
    Worked,
    /// Nothing was due.
    Idle,
}

/// Runs `batch` for as long as the server runs: again at once after work,
/// after a pause when idle or failing (`what` names the work in the log).
pub async fn run<F, Fut>(db: Database, what: &'static str, batch: F)
where
    F: Fn(Database) -> Fut,
    Fut: Future<Output = Result<Progress, AppError>>,
{
    loop {
        if !db.schema_ready() {
            tokio::time::sleep(IDLE).await;
            continue;
        }
        match batch(db.clone()).await {
            Ok(Progress::Worked) => tokio::task::yield_now().await,
            Ok(Progress::Idle) => tokio::time::sleep(IDLE).await,
            Err(error) => {
                tracing::warn!(%error, "{what} failed; trying again later");
                tokio::time::sleep(IDLE).await;
            }
        }
    }
}

/// Runs `job` for as long as the server runs, at once and then every
/// `period` (`what` names the work in the log). A failure waits for the
/// next turn: the job is repeated anyway.
pub async fn every<F, Fut>(db: Database, what: &'static str, period: Duration, job: F)
where
    F: Fn(Database) -> Fut,
    Fut: Future<Output = Result<(), AppError>>,
{
    loop {
        if !db.schema_ready() {
            tokio::time::sleep(IDLE).await;
            continue;
        }
        if let Err(error) = job(db.clone()).await {
            tracing::warn!(%error, "{what} failed; trying again later");
        }
        tokio::time::sleep(period).await;
    }
}

/// Counted up to this many jobs per queue: a backlog past it reads as it,
/// and counting it costs a bounded scan whatever the backlog.
pub const BACKLOG_COUNTED: i64 = 100_000;

/// How far behind one queue is.
#[derive(Debug, Clone, Copy)]
pub struct QueueBacklog {
    /// Jobs queued (up to [`BACKLOG_COUNTED`]).
    pub jobs: i64,
    /// How long the oldest due job has waited, in seconds.
    pub oldest_due_seconds: f64,
}

/// How far behind the queues are, for the metrics.
#[derive(Debug, Clone, Copy)]
pub struct Backlog {
    /// Readers' timeline jobs.
    pub timelines: QueueBacklog,
    /// Deleted articles whose rows are still to remove.
    pub purges: QueueBacklog,
    /// Whether every reader's timeline is built.
    pub backfill_done: bool,
}

/// The queues' backlog, read from the writer (an error while the database
/// is away: the metrics leave it out).
#[tracing::instrument(skip_all)]
pub async fn backlog(db: &Database) -> Result<Backlog, AppError> {
    let row = sqlx::query!(
        r#"select (select count(*) from (select 1 from timeline_jobs limit $1) j) as "timeline_jobs!",
                  coalesce((select extract(epoch from now() - min(run_after))::float8
                            from timeline_jobs where run_after <= now()), 0) as "timeline_oldest!",
                  (select count(*) from (select 1 from article_purges limit $1) p) as "purges!",
                  coalesce((select extract(epoch from now() - min(run_after))::float8
                            from article_purges where run_after <= now()), 0) as "purge_oldest!",
                  coalesce((select done from timeline_backfill), false) as "backfill_done!""#,
        BACKLOG_COUNTED,
    )
    .fetch_one(db.writer()?)
    .await?;
    Ok(Backlog {
        timelines: QueueBacklog {
            jobs: row.timeline_jobs,
            oldest_due_seconds: row.timeline_oldest,
        },
        purges: QueueBacklog {
            jobs: row.purges,
            oldest_due_seconds: row.purge_oldest,
        },
        backfill_done: row.backfill_done,
    })
}
