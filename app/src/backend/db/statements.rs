//! The executors services run statements on, and how a statement travels.
//!
//! Straight to PostgreSQL ([`Pooler::None`]) a statement is prepared once
//! per connection and cached, as sqlx does by default.
//!
//! Through a transaction pooler ([`Pooler::Transaction`]: PgBouncer in
//! transaction mode, RDS Proxy) the pooler may give each protocol round trip
//! to a different server connection while no transaction is open, and sqlx
//! prepares a statement (Parse, Describe, Sync) before it executes it
//! (Bind, Execute, Sync). So each statement runs in a transaction of its own,
//! which keeps it on one server connection, and unnamed: a named statement
//! would outlive the transaction on a server connection that another client
//! gets next (PgBouncer before 1.21 keeps no track of them). No `SET`: the
//! session's settings are the role's ([`super::schema`]).

use std::fmt;
use std::future::Future;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};
use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgQueryResult, PgRow, PgStatement, PgTypeInfo};
use sqlx::{Describe, Either, Execute, Executor, PgConnection, PgPool, Postgres, Row, Transaction};
use tracing::Instrument;

use super::errors::is_connection_lost;

/// What sits between this instance and PostgreSQL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pooler {
    /// Sessions straight to PostgreSQL (or through a pooler that keeps one
    /// server connection per client session).
    #[default]
    None,
    /// A pooler that lends a server connection for a transaction at a time
    /// (PgBouncer's transaction mode, RDS Proxy).
    Transaction,
}

/// What a statement yields: results and rows, in order.
pub(super) type Step = Either<PgQueryResult, PgRow>;

/// How many connections a statement may try when the first ones turn out
/// dead at `BEGIN` (a restarted pooler leaves the pool full of them); a
/// failed `BEGIN` sent nothing of the statement, so trying again is safe.
const BEGIN_ATTEMPTS: usize = 4;

/// Statements on the writer. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    pool: &'a PgPool,
    pooler: Pooler,
}

impl<'a> Writer<'a> {
    pub(super) fn new(pool: &'a PgPool, pooler: Pooler) -> Self {
        Self { pool, pooler }
    }

    /// A transaction on the writer.
    pub async fn begin(self) -> Result<Tx, sqlx::Error> {
        Ok(Tx {
            inner: begin(self.pool).await?,
            pooler: self.pooler,
        })
    }

    /// Where statements are described (sqlx's macros at build time).
    fn pool(self) -> &'a PgPool {
        self.pool
    }

    pub(super) fn pooler(self) -> Pooler {
        self.pooler
    }

    /// Runs `query` to the end and returns what it yielded.
    pub(super) async fn run<'q, E>(self, query: E) -> Result<Vec<Step>, sqlx::Error>
    where
        E: 'q + Execute<'q, Postgres>,
    {
        let mut session = Session::open(self.pool, self.pooler).await?;
        let steps = session.run(query).await?;
        session.close().await?;
        Ok(steps)
    }
}

impl fmt::Debug for Writer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Writer")
            .field("pooler", &self.pooler)
            .finish()
    }
}

/// A transaction on the writer: committed by [`Tx::commit`], rolled back
/// when dropped without it.
pub struct Tx {
    inner: Transaction<'static, Postgres>,
    pooler: Pooler,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }
}

/// A statement's span, with OpenTelemetry's database attributes: named by
/// its summary (`select articles`), with its text (parameters are never in
/// it: every statement binds them) and the service call it runs for
/// (`code.function.name`, e.g. `tags::sidebar`). At debug level: built only
/// while a trace exporter wants it (`server::telemetry`).
fn statement_span(sql: &str) -> tracing::Span {
    let span = tracing::debug_span!(
        "db.query",
        otel.name = tracing::field::Empty,
        otel.kind = "client",
        db.system.name = "postgresql",
        db.query.summary = tracing::field::Empty,
        db.query.text = tracing::field::Empty,
        code.function.name = tracing::field::Empty,
    );
    if !span.is_disabled() {
        let summary = summary(sql);
        span.record("otel.name", summary.as_str());
        span.record("db.query.summary", summary.as_str());
        span.record("db.query.text", sql.trim());
        if let Some(caller) = tracing::Span::current().metadata() {
            let module = caller.target().trim_start_matches("app::backend::");
            span.record(
                "code.function.name",
                format_args!("{module}::{}", caller.name()),
            );
        }
    }
    span
}

/// What a statement does and to what: its first keyword and the table after
/// its first `from`, `into` or `update` (`select articles`, `insert follows`).
fn summary(sql: &str) -> String {
    let mut words = sql.split_whitespace();
    let operation = words.next().unwrap_or_default().to_ascii_lowercase();
    let mut table = None;
    let mut previous = operation.as_str().to_owned();
    for word in words {
        if matches!(previous.as_str(), "from" | "into" | "update") {
            table = Some(word.trim_matches(|c: char| !c.is_alphanumeric() && c != '_'));
            break;
        }
        previous = word.to_ascii_lowercase();
    }
    match table {
        Some(table) if !table.is_empty() => format!("{operation} {table}"),
        _ => operation,
    }
}

impl fmt::Debug for Tx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx").field("pooler", &self.pooler).finish()
    }
}

/// One connection for the length of a unit of work: straight, or (through
/// a transaction pooler) a transaction that keeps the pooler's server
/// connection for it.
pub(super) enum Session {
    Direct(PoolConnection<Postgres>),
    Pooled(Transaction<'static, Postgres>),
}

impl Session {
    pub(super) async fn open(pool: &PgPool, pooler: Pooler) -> Result<Self, sqlx::Error> {
        Ok(match pooler {
            Pooler::None => Self::Direct(pool.acquire().await?),
            Pooler::Transaction => Self::Pooled(begin(pool).await?),
        })
    }

    pub(super) async fn run<'q, E>(&mut self, query: E) -> Result<Vec<Step>, sqlx::Error>
    where
        E: 'q + Execute<'q, Postgres>,
    {
        let span = statement_span(query.sql());
        let (connection, pooler): (&mut PgConnection, _) = match self {
            Self::Direct(connection) => (connection, Pooler::None),
            Self::Pooled(transaction) => (transaction, Pooler::Transaction),
        };
        connection
            .fetch_many(Through { query, pooler })
            .try_collect()
            .instrument(span)
            .await
    }

    /// The first column of the first row `query` returns.
    pub(super) async fn scalar<'q, T, E>(&mut self, query: E) -> Result<Option<T>, sqlx::Error>
    where
        E: 'q + Execute<'q, Postgres>,
        T: for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
    {
        match first_row(self.run(query).await?) {
            Some(row) => row.try_get(0).map(Some),
            None => Ok(None),
        }
    }

    pub(super) async fn close(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Direct(_) => Ok(()),
            Self::Pooled(transaction) => transaction.commit().await,
        }
    }
}

/// `BEGIN` on a pooled connection, on another when that one is dead.
async fn begin(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut attempt = 1;
    loop {
        match pool.begin().await {
            Err(error) if attempt < BEGIN_ATTEMPTS && is_connection_lost(&error) => {
                tracing::debug!(%error, attempt, "a pooled connection was dead at BEGIN");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// A statement as it travels through `pooler`: as written straight to
/// PostgreSQL, unnamed through a transaction pooler (see the module's docs).
struct Through<E> {
    query: E,
    pooler: Pooler,
}

impl<E> Through<E> {
    fn unnamed(&self) -> bool {
        self.pooler == Pooler::Transaction
    }
}

impl<'q, E: Execute<'q, Postgres>> Execute<'q, Postgres> for Through<E> {
    fn sql(&self) -> &'q str {
        self.query.sql()
    }

    /// Unnamed, never a statement prepared earlier: that one has a name.
    fn statement(&self) -> Option<&PgStatement<'q>> {
        self.query.statement().filter(|_| !self.unnamed())
    }

    fn take_arguments(&mut self) -> Result<Option<PgArguments>, BoxDynError> {
        self.query.take_arguments()
    }

    fn persistent(&self) -> bool {
        self.query.persistent() && !self.unnamed()
    }
}

/// A statement with its arguments taken out, so that it can run twice
/// (on a replica, then on the writer).
#[derive(Clone)]
pub(super) struct Owned<'q> {
    sql: &'q str,
    arguments: Option<PgArguments>,
}

impl<'q> Owned<'q> {
    pub(super) fn take<E: Execute<'q, Postgres>>(query: &mut E) -> Result<Self, sqlx::Error> {
        Ok(Self {
            sql: query.sql(),
            arguments: query.take_arguments().map_err(sqlx::Error::Encode)?,
        })
    }
}

impl<'q> Execute<'q, Postgres> for Owned<'q> {
    fn sql(&self) -> &'q str {
        self.sql
    }

    fn statement(&self) -> Option<&PgStatement<'q>> {
        None
    }

    fn take_arguments(&mut self) -> Result<Option<PgArguments>, BoxDynError> {
        Ok(self.arguments.take())
    }

    fn persistent(&self) -> bool {
        true
    }
}

/// What a finished unit of work yielded, as the stream sqlx's callers expect.
pub(super) fn replay<'e>(
    steps: impl Future<Output = Result<Vec<Step>, sqlx::Error>> + Send + 'e,
) -> BoxStream<'e, Result<Step, sqlx::Error>> {
    stream::once(steps)
        .map(|steps| match steps {
            Ok(steps) => stream::iter(steps.into_iter().map(Ok)).left_stream(),
            Err(error) => stream::iter([Err(error)]).right_stream(),
        })
        .flatten()
        .boxed()
}

pub(super) fn first_row(steps: Vec<Step>) -> Option<PgRow> {
    steps.into_iter().find_map(Either::right)
}

/// The executor methods of a type with an async `run` and a `pool` (where
/// statements are described): statements are
/// bounded (every list has a limit), so each is run to the end, and then
/// its rows handed out.
macro_rules! runs_statements {
    ($executor:ty, $lifetime:lifetime) => {
        impl<$lifetime> Executor<$lifetime> for $executor {
            type Database = Postgres;

            fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Step, sqlx::Error>>
            where
                $lifetime: 'e,
                E: 'q + Execute<'q, Postgres>,
            {
                replay(self.run(query))
            }

            fn fetch_optional<'e, 'q: 'e, E>(
                self,
                query: E,
            ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
            where
                $lifetime: 'e,
                E: 'q + Execute<'q, Postgres>,
            {
                Box::pin(async move { Ok(first_row(self.run(query).await?)) })
            }

            fn prepare_with<'e, 'q: 'e>(
                self,
                sql: &'q str,
                parameters: &'e [PgTypeInfo],
            ) -> BoxFuture<'e, Result<PgStatement<'q>, sqlx::Error>>
            where
                $lifetime: 'e,
            {
                self.pool().prepare_with(sql, parameters)
            }

            fn describe<'e, 'q: 'e>(
                self,
                sql: &'q str,
            ) -> BoxFuture<'e, Result<Describe<Postgres>, sqlx::Error>>
            where
                $lifetime: 'e,
            {
                self.pool().describe(sql)
            }
        }
    };
}

runs_statements!(Writer<'a>, 'a);
pub(super) use runs_statements;

impl<'t> Executor<'t> for &'t mut Tx {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Step, sqlx::Error>>
    where
        't: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let pooler = self.pooler;
        let connection: &'t mut PgConnection = &mut self.inner;
        connection.fetch_many(Through { query, pooler })
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        't: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let pooler = self.pooler;
        let connection: &'t mut PgConnection = &mut self.inner;
        connection.fetch_optional(Through { query, pooler })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement<'q>, sqlx::Error>>
    where
        't: 'e,
    {
        let connection: &'t mut PgConnection = &mut self.inner;
        connection.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> BoxFuture<'e, Result<Describe<Postgres>, sqlx::Error>>
    where
        't: 'e,
    {
        let connection: &'t mut PgConnection = &mut self.inner;
        connection.describe(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::summary;

    #[test]
    fn a_statement_is_summed_up_by_its_operation_and_first_table() {
        for (sql, expected) in [
            ("select id from articles where slug = $1", "select articles"),
            (
                "\n  select array(select id from articles\n order by created_at desc)",
                "select articles",
            ),
            (
                "with used as materialized (\n select name from tags_in_use)",
                "with tags_in_use",
            ),
            (
                "insert into follows (follower_id, followed_id) values ($1, $2)",
                "insert follows",
            ),
            ("UPDATE users SET bio = $1", "update users"),
            ("delete from \"comments\" where id = $1", "delete comments"),
            ("select pg_notify($1, $2)", "select"),
            ("", ""),
        ] {
            assert_eq!(summary(sql), expected, "{sql}");
        }
    }
}
