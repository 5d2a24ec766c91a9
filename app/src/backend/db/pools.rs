//! The pools (the writer's and a replica's) and what the instance knows of
//! the database's state: whether it answers, and whether the schema is this
//! build's.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, Executor, PgPool, Postgres};

use super::freshness::Freshness;
use super::held::unanswered;
use super::replica::{self, ReadCounts, Replica, ReplicaStatus};
use super::statements::{Pooler, Writer};
use super::timings::{Pool, Timings};
use crate::error::AppError;

/// Pool sizing and timeouts, from configuration.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// Longest a statement may run; PostgreSQL cancels it after that.
    pub statement_timeout: Duration,
    /// Longest a transaction may sit idle holding its locks.
    pub idle_in_transaction_timeout: Duration,
    /// A statement that runs longer is logged (a warning: its text, its
    /// duration and the span it ran in, which names the service call).
    pub slow_statement: Duration,
}

impl PoolSettings {
    /// How long the database has to answer a statement before the
    /// connection counts as lost (`super::held`): PostgreSQL cancels a
    /// statement at the statement timeout, so an answer later than that
    /// and a margin is not coming.
    pub fn answer_within(&self) -> Duration {
        self.statement_timeout + ANSWER_MARGIN
    }

    /// The session settings that carry the timeouts, for `SET` on a
    /// direct session and `ALTER ROLE … SET` ([`super::schema`]); and no
    /// JIT compilation: it pays off for long analytic queries, never for a
    /// request's. A statement whose estimated cost passes `jit_above_cost`
    /// (the feed's, whose timeline scan the planner cannot cost by its
    /// limit) spent 227 ms compiling to run for 2.7.
    pub fn session_settings(&self) -> [(&'static str, String); 3] {
        let millis = |d: Duration| format!("{}ms", d.as_millis());
        [
            ("statement_timeout", millis(self.statement_timeout)),
            (
                "idle_in_transaction_session_timeout",
                millis(self.idle_in_transaction_timeout),
            ),
            ("jit", "off".to_owned()),
        ]
    }
}

/// Where the database is, as configured.
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// Statements (`DATABASE_URL`), perhaps through a pooler.
    pub writer: PgConnectOptions,
    /// Reads that may lag a little (`DATABASE_READ_URL`).
    pub replica: Option<PgConnectOptions>,
    /// A session of its own, never through a transaction pooler: the cache
    /// listener's `LISTEN` and the migrations' advisory lock need one
    /// (`DATABASE_LISTEN_URL`, or `writer`'s when there is no pooler).
    pub direct: PgConnectOptions,
    pub pooler: Pooler,
}

/// Whether the database answers, as the cache listener last saw it. While
/// it does not, requests that need it fail at once with 503 instead of each
/// waiting out the acquire timeout, and cached entries answer reads.
#[derive(Clone, Debug, Default)]
pub struct Health(Arc<HealthState>);

#[derive(Debug)]
struct HealthState {
    up: AtomicBool,
    /// When the database was last found gone: a pooled connection last used
    /// before then may have been broken by it.
    went_down: Mutex<Option<Instant>>,
}

impl Default for HealthState {
    fn default() -> Self {
        Self {
            up: AtomicBool::new(true),
            went_down: Mutex::new(None),
        }
    }
}

impl Health {
    pub fn is_up(&self) -> bool {
        self.0.up.load(Ordering::Acquire)
    }

    /// Whether the database was found gone less than `ago` ago.
    pub fn went_down_within(&self, ago: Duration) -> bool {
        let went_down = self
            .0
            .went_down
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        went_down.is_some_and(|at| at.elapsed() <= ago)
    }

    /// Records what the listener saw; says so in the log when it changes.
    pub fn set(&self, up: bool) {
        if self.0.up.swap(up, Ordering::AcqRel) != up {
            if up {
                tracing::info!("the database answers again");
            } else {
                *self
                    .0
                    .went_down
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
                tracing::error!(
                    "the database is unreachable; failing fast and serving cached reads"
                );
            }
        }
    }
}

/// One pool's connections, for the metrics.
#[derive(Clone, Copy, Debug)]
pub struct PoolUsage {
    pub name: &'static str,
    pub idle: u32,
    /// Open and lent out.
    pub used: u32,
    pub max: u32,
}

/// The database as services see it. Cheap to clone; shared.
#[derive(Clone, Debug)]
pub struct Database {
    writer: Pool,
    pub(super) replica: Option<Replica>,
    pub(super) pooler: Pooler,
    /// What replicas must have replayed to answer ([`Freshness`]).
    pub freshness: Freshness,
    health: Health,
    /// Set once the schema is known to be this build's ([`super::schema`]).
    schema_ready: Arc<AtomicBool>,
    pub(super) reads: ReadCounts,
    timings: Timings,
}

impl Database {
    /// Pools that connect on first use, so that an instance starts (and
    /// waits, not ready) while the database is away.
    pub fn open(endpoints: &Endpoints, settings: &PoolSettings) -> Self {
        let health = Health::default();
        let timings = Timings::default();
        let writer = pool(
            endpoints.writer.clone(),
            endpoints.pooler,
            settings,
            &health,
        );
        let replica = endpoints.replica.clone().map(|options| {
            // A replica that does not answer is left for the writer: it
            // must not hold a read for the writer's whole acquire timeout.
            let settings = PoolSettings {
                acquire_timeout: settings.acquire_timeout.min(REPLICA_ACQUIRE_TIMEOUT),
                ..settings.clone()
            };
            let pool = pool(options, endpoints.pooler, &settings, &health);
            Replica::new(Pool::new(
                pool,
                "replica",
                &timings,
                settings.answer_within(),
            ))
        });
        let writer = Pool::new(writer, "writer", &timings, settings.answer_within());
        Self::assemble(writer, replica, endpoints.pooler, health, timings)
    }

    /// Over a pool that is already open, on a database its caller has
    /// migrated (the tests'), without a replica or a pooler. Its sessions
    /// have no statement timeout of ours, so statements get
    /// [`UNTIMED_ANSWER_WITHIN`] to be answered.
    pub fn over(pool: PgPool) -> Self {
        let timings = Timings::default();
        let writer = Pool::new(pool, "writer", &timings, UNTIMED_ANSWER_WITHIN);
        let db = Self::assemble(writer, None, Pooler::None, Health::default(), timings);
        db.mark_schema_ready();
        db
    }

    fn assemble(
        writer: Pool,
        replica: Option<Replica>,
        pooler: Pooler,
        health: Health,
        timings: Timings,
    ) -> Self {
        Self {
            writer,
            replica,
            pooler,
            freshness: Freshness::default(),
            health,
            schema_ready: Arc::new(AtomicBool::new(false)),
            reads: ReadCounts::default(),
            timings,
        }
    }

    /// The writer, or 503 at once while the database is known to be down
    /// or not yet migrated.
    pub fn writer(&self) -> Result<Writer<'_>, AppError> {
        if self.schema_ready() && self.health.is_up() {
            Ok(self.writer_unchecked())
        } else {
            Err(AppError::Unavailable)
        }
    }

    pub(super) fn writer_unchecked(&self) -> Writer<'_> {
        Writer::new(&self.writer, self.pooler)
    }

    pub(super) fn writer_pool(&self) -> &PgPool {
        &self.writer.connections
    }

    pub(super) fn replica_in_rotation(&self) -> Option<&Replica> {
        self.replica
            .as_ref()
            .filter(|replica| replica.in_rotation())
    }

    /// Whether the database answers, as the cache listener sees it.
    pub fn health(&self) -> &Health {
        &self.health
    }

    pub fn pooler(&self) -> Pooler {
        self.pooler
    }

    pub fn schema_ready(&self) -> bool {
        self.schema_ready.load(Ordering::Acquire)
    }

    pub(super) fn mark_schema_ready(&self) {
        self.schema_ready.store(true, Ordering::Release);
    }

    /// How full each pool is: the writer's, then the replica's.
    pub fn pool_usage(&self) -> Vec<PoolUsage> {
        let usage = |pool: &Pool| {
            let connections = &pool.connections;
            let open = connections.size();
            let idle = u32::try_from(connections.num_idle()).unwrap_or(open);
            PoolUsage {
                name: pool.name(),
                idle,
                used: open.saturating_sub(idle),
                max: connections.options().get_max_connections(),
            }
        };
        let mut pools = vec![usage(&self.writer)];
        pools.extend(self.replica.as_ref().map(|r| usage(&r.pool)));
        pools
    }

    /// How long statements and waits for connections take, for the metrics.
    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// The replica's standing, when one is configured.
    pub fn replica_status(&self) -> Option<ReplicaStatus> {
        self.replica.as_ref().map(Replica::status)
    }

    /// Keeps the replica's standing and [`Freshness`] current, until the
    /// task running it is aborted; returns at once without a replica.
    pub async fn watch_replica(self, max_lag: std::time::Duration) {
        if let Some(replica) = self.replica.clone() {
            replica::watch(
                replica,
                self.writer_unchecked(),
                self.freshness.clone(),
                max_lag,
            )
            .await;
        }
    }

    /// Where the reads that could go to a replica went.
    pub fn read_counts(&self) -> &ReadCounts {
        &self.reads
    }

    /// After this instance committed a write: replicas must replay it before
    /// they answer this instance again ([`Freshness`]).
    pub async fn committed(&self) {
        // A failure is handled inside: reads stay on the writer.
        let _ = self.learn_position(self.writer_unchecked()).await;
    }

    /// After a commit this instance knows of (its own, or one the change
    /// feed told of): replicas must replay up to the writer's position, asked
    /// on `writer` (a session of the writer's), before they answer again.
    /// Nothing to do without a replica. Answered within the pool's bound
    /// like any statement (`held`): `writer` may be a session of its own,
    /// such as the cache listener's, which no pool watches. Without an
    /// answer, reads stay on the writer and the error is the caller's to
    /// act on (the listener leaves that session).
    pub async fn learn_position<'c>(
        &self,
        writer: impl Executor<'c, Database = Postgres>,
    ) -> Result<(), sqlx::Error> {
        if self.replica.is_none() {
            return Ok(());
        }
        let within = self.writer.answer_within;
        let position = tokio::time::timeout(within, replica::writer_position(writer))
            .await
            .unwrap_or_else(|_| Err(unanswered(within)));
        match position {
            Ok(lsn) => {
                self.freshness.saw(lsn);
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, "could not learn the writer's position; reads stay on the writer");
                self.freshness.lost();
                Err(error)
            }
        }
    }

    /// How the writer's pool connects (the cache listener connects the same
    /// way when no direct URL is configured).
    pub fn connect_options(&self) -> PgConnectOptions {
        (*self.writer.connections.connect_options()).clone()
    }

    /// Closes the pools, waiting for connections in use.
    pub async fn close(&self) {
        self.writer.connections.close().await;
        if let Some(replica) = &self.replica {
            replica.pool.connections.close().await;
        }
    }
}

/// Beyond the statement timeout, for the network and a busy database.
const ANSWER_MARGIN: Duration = Duration::from_secs(2);

/// The bound of a pool whose sessions have no statement timeout of ours.
const UNTIMED_ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// How long a read waits for a replica's connection before it goes to the
/// writer instead.
const REPLICA_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long a pooled connection may sit unused before it is pinged again.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

fn pool(
    options: PgConnectOptions,
    pooler: Pooler,
    settings: &PoolSettings,
    health: &Health,
) -> PgPool {
    let health = health.clone();
    let options = sqlx::ConnectOptions::log_slow_statements(
        options,
        log::LevelFilter::Warn,
        settings.slow_statement,
    );
    let pool = PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        // sqlx pings every connection it hands out by default: one more round
        // trip per statement. A connection in steady use is known to be
        // alive; one that sat idle, or was last used before the database was
        // last found gone (an outage shorter than the idle time, a
        // background task that used it just before), is pinged first, so
        // none broken by an outage is used.
        .test_before_acquire(false)
        .before_acquire(move |connection, meta| {
            let doubtful =
                meta.idle_for >= PING_WHEN_IDLE_FOR || health.went_down_within(meta.idle_for);
            Box::pin(async move {
                if doubtful {
                    connection.ping().await?;
                }
                Ok(true)
            })
        });
    match pooler {
        // The timeouts travel as `SET` on each new session: not as the
        // startup parameter `options`, which poolers refuse.
        Pooler::None => {
            let set = settings
                .session_settings()
                .iter()
                .map(|(name, value)| format!("set {name} = '{value}'"))
                .collect::<Vec<_>>()
                .join("; ");
            pool.after_connect(move |connection, _| {
                let set = set.clone();
                Box::pin(async move {
                    // No arguments: one simple-protocol message for both.
                    sqlx::Executor::execute(&mut *connection, set.as_str()).await?;
                    Ok(())
                })
            })
            .connect_lazy_with(options)
        }
        // Through a transaction pooler a session's settings would leak to
        // other clients (and RDS Proxy pins the session that sets one): the
        // role carries them instead. No statement cache: statements are
        // unnamed there ([`super::statements`]); and no `extra_float_digits`
        // startup parameter, which PgBouncer refuses unless told to ignore it.
        Pooler::Transaction => {
            pool.connect_lazy_with(options.statement_cache_capacity(0).extra_float_digits(None))
        }
    }
}

/// Where the cache listener connects from: a pool that opens its one
/// connection (a `LISTEN` session) only when the listener subscribes.
pub fn listener_pool(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options)
}

/// One direct connection, within `timeout`: a pool would retry until its
/// own timeout and report only that, hiding the cause (refused, bad
/// password, no such database).
pub(super) async fn connect_direct(
    options: &PgConnectOptions,
    timeout: Duration,
) -> Result<sqlx::PgConnection, sqlx::Error> {
    tokio::time::timeout(timeout, sqlx::PgConnection::connect_with(options))
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_used_before_the_database_went_down_are_doubted() {
        let health = Health::default();
        assert!(!health.went_down_within(Duration::from_secs(60)));
        health.set(false);
        health.set(true);
        // Last used a minute ago: before it went down. Used since: not.
        assert!(health.went_down_within(Duration::from_secs(60)));
        assert!(!health.went_down_within(Duration::ZERO));
    }
}
