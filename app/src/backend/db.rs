use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use crate::error::AppError;

/// The schema migrations, embedded in the binary so that a container needs no files beside it.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Pool sizing and timeouts, from configuration.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// Longest a statement may run; PostgreSQL cancels it after that.
    pub statement_timeout: Duration,
    /// Longest a transaction may sit idle holding its locks.
    pub idle_in_transaction_timeout: Duration,
}

/// Whether the database answers, as the cache listener last saw it. While
/// it does not, requests that need it fail at once with 503 instead of each
/// waiting out the acquire timeout, and cached entries answer reads.
#[derive(Clone, Debug)]
pub struct Health(Arc<AtomicBool>);

impl Default for Health {
    fn default() -> Self {
        Self(Arc::new(AtomicBool::new(true)))
    }
}

impl Health {
    pub fn is_up(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Records what the listener saw; says so in the log when it changes.
    pub fn set(&self, up: bool) {
        if self.0.swap(up, Ordering::AcqRel) != up {
            if up {
                tracing::info!("the database answers again");
            } else {
                tracing::error!(
                    "the database is unreachable; failing fast and serving cached reads"
                );
            }
        }
    }
}

/// Opens a pool and checks that the database answers. Every connection
/// carries the statement and idle-in-transaction timeouts, so that no query
/// or forgotten transaction holds a connection (or its locks) for long.
pub async fn connect(options: PgConnectOptions, settings: &PoolSettings) -> sqlx::Result<PgPool> {
    let millis = |d: Duration| d.as_millis().to_string();
    let options = options.options([
        ("statement_timeout", millis(settings.statement_timeout)),
        (
            "idle_in_transaction_session_timeout",
            millis(settings.idle_in_transaction_timeout),
        ),
    ]);
    // One direct connection first: a pool would retry until its timeout and
    // report only that, hiding the cause (refused, bad password, no database).
    let probe = tokio::time::timeout(
        settings.acquire_timeout,
        PgConnection::connect_with(&options),
    )
    .await
    .map_err(|_| sqlx::Error::PoolTimedOut)??;
    probe.close().await?;
    PgPoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        // sqlx pings every connection it hands out by default: one more round
        // trip per statement, a third of PostgreSQL's work on a page that is
        // not cached. A connection in steady use is known to be alive; one
        // that sat idle (as all do while the database is down and requests
        // fail fast) is pinged first, so none broken by an outage is used.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_WHEN_IDLE_FOR {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await
}

/// How long a pooled connection may sit unused before it is pinged again.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// Where the cache listener connects from: a pool that opens its one
/// connection (a `LISTEN` session) only when the listener subscribes.
pub fn listener_pool(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options)
}

/// Applies pending migrations.
///
/// sqlx holds a PostgreSQL advisory lock for the duration, so instances that
/// start together apply each migration once and the others wait for it.
/// They run on a connection of their own without the pool's statement
/// timeout: a migration that fills a new column touches every row, which
/// takes longer than any request may. The connection is closed afterwards
/// rather than returned to the pool with that setting.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    let mut connection = pool.acquire().await?.detach();
    sqlx::query("set statement_timeout = 0")
        .execute(&mut connection)
        .await?;
    let applied = MIGRATOR.run(&mut connection).await;
    let _ = connection.close().await;
    applied
}

/// Whether every embedded migration has been applied successfully.
pub async fn migrations_applied(pool: &PgPool) -> sqlx::Result<bool> {
    // A missing table means the database was never migrated: not ready, not an error.
    let applied: Vec<i64> = match sqlx::query_scalar(
        "select version from _sqlx_migrations where success order by version",
    )
    .fetch_all(pool)
    .await
    {
        Ok(versions) => versions,
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(MIGRATOR
        .iter()
        .all(|m| applied.binary_search(&m.version).is_ok()))
}

/// Names of the unique constraints whose violation is the caller's fault,
/// mapped to the field they protect (see the users migration).
const UNIQUE_FIELDS: &[(&str, &str)] = &[
    ("users_username_key_key", "username"),
    ("users_email_lower_key", "email"),
];

/// A database that is down or too slow for the statement timeout is an
/// outage, not a bug: 503, and cached entries may stand in.
const QUERY_CANCELED: &str = "57014";

/// A text parameter PostgreSQL cannot hold (U+0000). Stored fields refuse
/// it when parsed; this covers lookups by a name, tag or email as typed.
const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if let Some(db_error) = error.as_database_error() {
            if db_error.code().as_deref() == Some(QUERY_CANCELED) {
                tracing::warn!(error = %db_error, "database statement timed out");
                return AppError::Unavailable;
            }
            if db_error.code().as_deref() == Some(CHARACTER_NOT_IN_REPERTOIRE) {
                return AppError::invalid("input", "must not contain NUL characters");
            }
            if db_error.is_unique_violation() {
                let constraint = db_error.constraint().unwrap_or_default();
                if let Some((_, field)) = UNIQUE_FIELDS.iter().find(|(name, _)| *name == constraint)
                {
                    return AppError::conflict(field);
                }
            }
        }
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::Io(_)
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => {
                tracing::error!(error = %error, "database unavailable");
                AppError::Unavailable
            }
            other => {
                tracing::error!(error = %other, "database error");
                AppError::Internal
            }
        }
    }
}
