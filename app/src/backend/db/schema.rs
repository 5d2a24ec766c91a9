//! The schema: migrations embedded in the binary, applied at start-up by a
//! task of the instance's own while requests are answered 503 and
//! readiness is false. An instance that starts while the database is away
//! waits for it (a log line each try) instead of exiting, so that an
//! orchestrator does not replace it in a loop.

use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};

use super::pools::{connect_direct, Database, PoolSettings};
use super::statements::Pooler;

/// The schema migrations, embedded in the binary so that a container needs
/// no files beside it. Migrations a newer build applied are left alone
/// (sqlx refuses to run beside them by default): every migration is
/// expand/contract (docs/deploy.md), so this build runs on that schema, and
/// a rollback, or a task of this build replaced during a deploy, becomes
/// ready. An unknown migration older than this build's newest is still
/// refused ([`unknown_migrations`]), and sqlx still checks the checksums of
/// the ones it knows.
pub static MIGRATOR: Migrator = Migrator {
    ignore_missing: true,
    ..sqlx::migrate!("../migrations")
};

/// The first and the longest wait between tries to reach the database.
const FIRST_WAIT: Duration = Duration::from_millis(500);
const LONGEST_WAIT: Duration = Duration::from_secs(5);
/// How long a try may take to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Brings the schema to this build's on a direct session (`direct`), and,
/// through a transaction pooler, the role's session settings; tries again
/// with backoff until it can; then lets requests through.
pub async fn prepare(db: &Database, direct: &PgConnectOptions, settings: &PoolSettings) {
    let mut wait = FIRST_WAIT;
    let mut attempt = 1u32;
    loop {
        match apply(direct, db.pooler, settings).await {
            Ok(()) => {
                db.mark_schema_ready();
                tracing::info!(attempt, "the database schema is current; ready");
                return;
            }
            Err(MigrateError::Execute(error)) => {
                tracing::warn!(%error, attempt, ?wait, "the database is not reachable yet; waiting for it");
            }
            Err(error) => {
                tracing::error!(%error, attempt, ?wait, "cannot migrate the database; trying again");
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(LONGEST_WAIT);
        attempt += 1;
    }
}

async fn apply(
    direct: &PgConnectOptions,
    pooler: Pooler,
    settings: &PoolSettings,
) -> Result<(), MigrateError> {
    let mut connection = connect_direct(direct, CONNECT_TIMEOUT).await?;
    let mut applied = migrate_on(&mut connection).await;
    if applied.is_ok() && pooler == Pooler::Transaction {
        for (name, value) in settings.session_settings() {
            if let Err(error) = role_setting(&mut connection, name, &value).await {
                applied = Err(error.into());
                break;
            }
        }
    }
    let _ = connection.close().await;
    applied
}

/// Applies pending migrations on a connection of the pool's, closed
/// afterwards rather than returned with the migrations' settings.
pub async fn migrate(pool: &PgPool) -> Result<(), MigrateError> {
    let mut connection = pool.acquire().await?.detach();
    let applied = migrate_on(&mut connection).await;
    let _ = connection.close().await;
    applied
}

/// sqlx holds a PostgreSQL advisory lock for the duration, so instances that
/// start together apply each migration once and the others wait for it.
/// Without a statement timeout: a migration that fills a new column touches
/// every row, which takes longer than any request may.
async fn migrate_on(connection: &mut PgConnection) -> Result<(), MigrateError> {
    sqlx::Executor::execute(&mut *connection, "set statement_timeout = 0").await?;
    unknown_migrations(connection).await?;
    // `run_direct`: `run` is generic over `Acquire` for a lifetime that the
    // compiler cannot prove `Send` for inside a spawned task.
    MIGRATOR.run_direct(connection).await
}

/// Applied migrations this build does not embed: a newer build's are
/// logged and left; one older than this build's newest was renamed or
/// removed from the sources, which is refused as sqlx would.
async fn unknown_migrations(connection: &mut PgConnection) -> Result<(), MigrateError> {
    let newest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let applied = applied_versions(&mut *connection, false).await?;
    for version in applied.unwrap_or_default() {
        if MIGRATOR.iter().any(|m| m.version == version) {
            continue;
        }
        if version < newest {
            return Err(MigrateError::VersionMissing(version));
        }
        tracing::info!(
            version,
            "a newer build's migration is applied; running on its schema"
        );
    }
    Ok(())
}

/// The versions recorded in sqlx's table, in order (only those that
/// succeeded with `succeeded`); `None` when the database was never
/// migrated (no table: not an error).
async fn applied_versions<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Postgres>,
    succeeded: bool,
) -> sqlx::Result<Option<Vec<i64>>> {
    match sqlx::query_scalar(
        "select version from _sqlx_migrations where success or not $1 order by version",
    )
    .bind(succeeded)
    .fetch_all(executor)
    .await
    {
        Ok(versions) => Ok(Some(versions)),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => Ok(None),
        Err(e) => Err(e),
    }
}

/// A timeout as the role's default in this database: what every session a
/// pooler opens starts with, since no client may `SET` it there. A new
/// value reaches a pooler's server connections as they are replaced
/// (PgBouncer's `server_lifetime`, an hour by default).
async fn role_setting(
    connection: &mut PgConnection,
    name: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    // `alter role` takes no parameters: `format` quotes what it is given.
    let statement: String = sqlx::query_scalar(
        "select format('alter role %I in database %I set %I = %L',
                       current_user, current_database(), $1::text, $2::text)",
    )
    .bind(name)
    .bind(value)
    .fetch_one(&mut *connection)
    .await?;
    sqlx::Executor::execute(&mut *connection, statement.as_str()).await?;
    Ok(())
}

/// Whether every embedded migration has been applied successfully.
pub async fn migrations_applied(pool: &PgPool) -> sqlx::Result<bool> {
    let Some(applied) = applied_versions(pool, true).await? else {
        return Ok(false);
    };
    Ok(MIGRATOR
        .iter()
        .all(|m| applied.binary_search(&m.version).is_ok()))
}
