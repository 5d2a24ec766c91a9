//! The read replica: its reads, and the watch that keeps it in rotation
//! only while it answers and lags less than the bound.
//!
//! Lag is measured against the writer: once a second the watch notes the
//! writer's WAL position and then asks the replica what it has replayed.
//! The replica's lag is the age of the oldest noted position it has not
//! replayed (zero when it has them all, so an idle writer reads as no lag,
//! which `now() - pg_last_xact_replay_timestamp()` does not). While the
//! writer is away nothing new is committed, so the replica keeps serving.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{Executor, Postgres};
use tracing::Instrument;

use super::freshness::Freshness;
use super::freshness::Lsn;
use super::statements::{Owned, Pooler, Session, Step, Writer};
use super::timings::Pool;

/// How often the watch looks.
const WATCH_EVERY: Duration = Duration::from_secs(1);
/// Longest either side may take to answer the watch.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// Whether the replica has replayed `$1` (a position in bytes). A node
/// that is not in recovery has no replay position: it is a primary (a
/// reader URL naming the writer), current by definition.
const CAUGHT_UP: &str =
    "select coalesce(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint >= $1, true)";
const WRITER_POSITION: &str = "select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint";
const REPLAYED: &str = "select case when pg_is_in_recovery()
                        then pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint end";

/// A replica's pool and its standing. Cheap to clone; shared.
#[derive(Clone, Debug)]
pub(super) struct Replica {
    pub(super) pool: Pool,
    standing: Arc<Standing>,
}

#[derive(Debug)]
struct Standing {
    in_rotation: AtomicBool,
    /// Milliseconds, or -1 before the first measure.
    lag_ms: AtomicI64,
}

/// What the metrics show of the replica.
#[derive(Clone, Copy, Debug)]
pub struct ReplicaStatus {
    pub in_rotation: bool,
    pub lag: Option<Duration>,
}

impl Replica {
    /// Out of rotation until the watch first finds it well.
    pub(super) fn new(pool: Pool) -> Self {
        Self {
            pool,
            standing: Arc::new(Standing {
                in_rotation: AtomicBool::new(false),
                lag_ms: AtomicI64::new(-1),
            }),
        }
    }

    pub(super) fn in_rotation(&self) -> bool {
        self.standing.in_rotation.load(Ordering::Acquire)
    }

    pub(super) fn status(&self) -> ReplicaStatus {
        let lag_ms = self.standing.lag_ms.load(Ordering::Relaxed);
        ReplicaStatus {
            in_rotation: self.in_rotation(),
            lag: u64::try_from(lag_ms).ok().map(Duration::from_millis),
        }
    }

    /// Runs `query` if the replica has replayed `required`; `None` if not.
    pub(super) async fn read(
        &self,
        query: Owned<'_>,
        required: Lsn,
        pooler: Pooler,
    ) -> Result<Option<Vec<Step>>, sqlx::Error> {
        // A replica (or a pooler in front of it) that cannot say how far it
        // is within a second is not one to wait for: the writer answers.
        let asked = async {
            let mut session = Session::open(&self.pool, pooler).await?;
            let caught_up = session
                .scalar(sqlx::query(CAUGHT_UP).bind(required))
                .await?
                .unwrap_or(false);
            Ok::<_, sqlx::Error>((session, caught_up))
        };
        // Timed as the replica's own statement, not the caller's.
        let asked = asked.instrument(tracing::info_span!("caught_up"));
        let (mut session, caught_up) = tokio::time::timeout(CHECK_TIMEOUT, asked)
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)??;
        if !caught_up {
            session.close().await?;
            return Ok(None);
        }
        let steps = session.run(query).await?;
        session.close().await?;
        Ok(Some(steps))
    }

    /// A read failed on the replica's connection: out of rotation now,
    /// rather than at the watch's next look.
    pub(super) fn failed(&self, error: &sqlx::Error) {
        if self.standing.in_rotation.swap(false, Ordering::AcqRel) {
            tracing::warn!(%error, "read replica out of rotation: a read failed");
        }
    }

    fn judge(&self, verdict: Result<Duration, String>, max_lag: Duration) {
        let (keep, why) = match verdict {
            Ok(lag) => {
                let ms = i64::try_from(lag.as_millis()).unwrap_or(i64::MAX);
                self.standing.lag_ms.store(ms, Ordering::Relaxed);
                if lag <= max_lag {
                    (true, String::new())
                } else {
                    (
                        false,
                        format!("lags {ms} ms, over the bound of {} ms", max_lag.as_millis()),
                    )
                }
            }
            Err(why) => (false, why),
        };
        let was = self.standing.in_rotation.swap(keep, Ordering::AcqRel);
        match (was, keep) {
            (false, true) => tracing::info!(lag = ?self.status().lag, "read replica in rotation"),
            (true, false) => tracing::warn!(%why, "read replica out of rotation"),
            _ => {}
        }
    }
}

/// Counts of the reads that could go to a replica, by where they went.
#[derive(Clone, Debug, Default)]
pub struct ReadCounts(Arc<[AtomicU64; 3]>);

impl ReadCounts {
    pub(super) fn replica(&self) {
        self.0[0].fetch_add(1, Ordering::Relaxed);
    }

    /// No replica in rotation (or none configured): the writer.
    pub(super) fn writer(&self) {
        self.0[1].fetch_add(1, Ordering::Relaxed);
    }

    /// The replica had not replayed what this instance knows of, or failed:
    /// the writer.
    pub(super) fn behind(&self) {
        self.0[2].fetch_add(1, Ordering::Relaxed);
    }

    /// `(replica, writer, fell back to the writer)`.
    pub fn totals(&self) -> (u64, u64, u64) {
        let [replica, writer, behind] = &*self.0;
        (
            replica.load(Ordering::Relaxed),
            writer.load(Ordering::Relaxed),
            behind.load(Ordering::Relaxed),
        )
    }
}

/// Keeps `replica`'s standing and `freshness` current, looking once a
/// second, until the task running it is aborted.
pub(super) async fn watch(
    replica: Replica,
    writer: Writer<'_>,
    freshness: Freshness,
    max_lag: Duration,
) {
    let mut noted: VecDeque<(Instant, Lsn)> = VecDeque::new();
    let mut every = tokio::time::interval(WATCH_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let losses = freshness.losses();
        if let Ok(Ok(lsn)) = tokio::time::timeout(CHECK_TIMEOUT, writer_position(writer)).await {
            freshness.caught_up(losses, lsn);
            noted.push_back((Instant::now(), lsn));
        }
        // Kept long enough to tell a lag over the bound from one under it.
        while noted
            .front()
            .is_some_and(|(at, _)| at.elapsed() > max_lag * 2 + WATCH_EVERY)
            && noted.len() > 1
        {
            noted.pop_front();
        }
        let verdict =
            match tokio::time::timeout(CHECK_TIMEOUT, replayed(&replica.pool, writer.pooler()))
                .await
            {
                Err(_) => Err(format!("did not answer within {CHECK_TIMEOUT:?}")),
                Ok(Err(error)) => Err(format!("unreachable: {error}")),
                Ok(Ok(None)) => Ok(Duration::ZERO),
                Ok(Ok(Some(replayed))) => Ok(lag(&noted, replayed)),
            };
        replica.judge(verdict, max_lag);
    }
}

/// The age of the oldest noted writer position past `replayed`.
fn lag(noted: &VecDeque<(Instant, Lsn)>, replayed: Lsn) -> Duration {
    noted
        .iter()
        .find(|(_, lsn)| *lsn > replayed)
        .map_or(Duration::ZERO, |(at, _)| at.elapsed())
}

/// The writer's WAL position now, asked on `writer` (a session of the writer's).
#[tracing::instrument(skip_all)]
pub(super) async fn writer_position<'c>(
    writer: impl Executor<'c, Database = Postgres>,
) -> Result<Lsn, sqlx::Error> {
    sqlx::query_scalar(WRITER_POSITION).fetch_one(writer).await
}

#[tracing::instrument(skip_all)]
async fn replayed(pool: &Pool, pooler: Pooler) -> Result<Option<Lsn>, sqlx::Error> {
    let mut session = Session::open(pool, pooler).await?;
    let replayed = session
        .scalar::<Option<Lsn>, _>(sqlx::query(REPLAYED))
        .await?;
    session.close().await?;
    Ok(replayed.flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replica_with_every_noted_position_has_no_lag() {
        let now = Instant::now();
        let noted = VecDeque::from([(now, 100), (now, 100)]);
        assert_eq!(lag(&noted, 100), Duration::ZERO);
        assert_eq!(lag(&noted, 150), Duration::ZERO);
    }

    #[test]
    fn lag_is_the_age_of_the_oldest_position_not_replayed() {
        let old = Instant::now() - Duration::from_secs(3);
        let new = Instant::now() - Duration::from_secs(1);
        let noted = VecDeque::from([(old, 100), (new, 200)]);
        let measured = lag(&noted, 150);
        assert!(measured >= Duration::from_secs(1) && measured < Duration::from_secs(2));
        assert!(lag(&noted, 50) >= Duration::from_secs(3));
    }
}
