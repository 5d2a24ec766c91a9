//! Work queued in tables and done in the background by every server:
//! deleted articles' rows ([`super::purge`]) and readers' timelines
//! ([`super::timelines`]). A queue's batch takes the oldest due job no
//! other worker holds (`for update skip locked`) and commits its effect and
//! its progress together, so work is durable, done once, and taken over by
//! the next server when one is killed halfway.

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
