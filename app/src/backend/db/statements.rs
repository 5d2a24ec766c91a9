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
use futures_util::stream::{self, BoxStream, StreamExt};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArguments, PgRow, PgStatement, PgTypeInfo};
use sqlx::{Describe, Either, Execute, Executor, PgPool, Postgres, Row};
use tracing::Instrument;

use super::errors::is_connection_lost;
use super::held::Held;
pub(super) use super::held::Step;
use super::named::{statement_span, Named};
use super::timings::{Pool, PoolTimings};

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

/// How many connections a statement may try when the first ones turn out
/// dead at `BEGIN` (a restarted pooler leaves the pool full of them); a
/// failed `BEGIN` sent nothing of the statement, so trying again is safe.
const BEGIN_ATTEMPTS: usize = 4;

/// Statements on the writer. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Writer<'a> {
    pool: &'a Pool,
    pooler: Pooler,
}

impl<'a> Writer<'a> {
    pub(super) fn new(pool: &'a Pool, pooler: Pooler) -> Self {
        Self { pool, pooler }
    }

    /// A transaction on the writer.
    pub async fn begin(self) -> Result<Tx, sqlx::Error> {
        Ok(Tx {
            held: begin(self.pool).await?,
            pooler: self.pooler,
            timings: self.pool.timings.clone(),
            connections: self.pool.connections.clone(),
        })
    }

    /// Where statements are described (sqlx's macros at build time).
    fn pool(self) -> &'a PgPool {
        &self.pool.connections
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
    held: Held,
    pooler: Pooler,
    timings: PoolTimings,
    connections: PgPool,
}

impl Tx {
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let _timed = self.timings.statement(Named::commit());
        self.held.commit().await
    }

    /// Where statements are described (sqlx's macros at build time).
    fn pool(&self) -> &PgPool {
        &self.connections
    }

    async fn run<'q, E>(&mut self, query: E) -> Result<Vec<Step>, sqlx::Error>
    where
        E: 'q + Execute<'q, Postgres>,
    {
        let _timed = self.timings.statement(Named::of(query.sql()));
        let pooler = self.pooler;
        self.held.run(Through { query, pooler }).await
    }
}

impl fmt::Debug for Tx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx").field("pooler", &self.pooler).finish()
    }
}

/// One connection for the length of a unit of work: straight, or (through
/// a transaction pooler) in a transaction that keeps the pooler's server
/// connection for it.
pub(super) struct Session<'p> {
    connection: Held,
    pooler: Pooler,
    timings: &'p PoolTimings,
}

impl<'p> Session<'p> {
    pub(super) async fn open(pool: &'p Pool, pooler: Pooler) -> Result<Self, sqlx::Error> {
        let connection = match pooler {
            Pooler::None => {
                let acquire = pool.connections.acquire();
                Held::new(pool.timings.wait(acquire).await?, pool.answer_within)
            }
            Pooler::Transaction => begin(pool).await?,
        };
        Ok(Self {
            connection,
            pooler,
            timings: &pool.timings,
        })
    }

    pub(super) async fn run<'q, E>(&mut self, query: E) -> Result<Vec<Step>, sqlx::Error>
    where
        E: 'q + Execute<'q, Postgres>,
    {
        let named = Named::of(query.sql());
        let span = statement_span(query.sql(), &named);
        let _timed = self.timings.statement(named);
        let pooler = self.pooler;
        self.connection
            .run(Through { query, pooler })
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

    pub(super) async fn close(mut self) -> Result<(), sqlx::Error> {
        match self.pooler {
            Pooler::None => Ok(()),
            Pooler::Transaction => {
                let _timed = self.timings.statement(Named::commit());
                self.connection.commit().await
            }
        }
    }
}

/// `BEGIN` on a pooled connection, on another when that one is dead;
/// timed as one wait for the pool.
async fn begin(pool: &Pool) -> Result<Held, sqlx::Error> {
    pool.timings
        .wait(async {
            let mut attempt = 1;
            loop {
                let mut held = Held::new(pool.connections.acquire().await?, pool.answer_within);
                match held.begin().await.map(|()| held) {
                    Err(error) if attempt < BEGIN_ATTEMPTS && is_connection_lost(&error) => {
                        tracing::debug!(%error, attempt, "a pooled connection was dead at BEGIN");
                        attempt += 1;
                    }
                    other => return other,
                }
            }
        })
        .await
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

runs_statements!(&'t mut Tx, 't);
