//! A connection lent by the pool, given up when the database stops
//! answering on it.
//!
//! PostgreSQL answers every statement within its statement timeout, which
//! it enforces itself. A connection with no answer some time after that
//! leads to a database that went away without closing it (its host gone in
//! a failover or a network partition), where nothing will ever arrive, not
//! even an error. sqlx would wait for as long as that; and when a connection
//! goes back to its pool, sqlx first checks it with a round trip that has
//! no time limit either, so a silent one would keep its place in the pool
//! until TCP gave up on it (about 15 minutes), and a pool of them would
//! refuse every request meanwhile. Here every statement has
//! `answer_within` to be answered, and a connection that misses it leaves
//! the pool at once ([`PoolConnection::detach`]): its place is free for a
//! new connection, to wherever the database is now.
//!
//! A connection dropped with an answer still to come (its request was
//! cancelled: the client left, the request timed out) or with a transaction
//! open is settled first, within the same bound (the answer drained, the
//! transaction rolled back), and given up if that does not come in time.

use std::io;
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgQueryResult, PgRow};
use sqlx::{Connection, Either, Execute, Executor, PgConnection, Postgres};

/// What a statement yields: results and rows, in order.
pub(super) type Step = Either<PgQueryResult, PgRow>;

pub(super) struct Held {
    /// `None` once given up.
    connection: Option<PoolConnection<Postgres>>,
    answer_within: Duration,
    /// A statement was sent and its answer not read to the end.
    waiting: bool,
    /// `BEGIN` was answered, and no `COMMIT` yet.
    in_transaction: bool,
}

impl Held {
    pub(super) fn new(connection: PoolConnection<Postgres>, answer_within: Duration) -> Self {
        Self {
            connection: Some(connection),
            answer_within,
            waiting: false,
            in_transaction: false,
        }
    }

    /// Runs `query` to its last row, answered within `answer_within`.
    pub(super) async fn run<'q, E>(&mut self, query: E) -> Result<Vec<Step>, sqlx::Error>
    where
        E: 'q + Execute<'q, Postgres>,
    {
        let answer_within = self.answer_within;
        let connection: &mut PgConnection = self.connection.as_mut().ok_or_else(given_up)?;
        self.waiting = true;
        let steps =
            tokio::time::timeout(answer_within, connection.fetch_many(query).try_collect()).await;
        match steps {
            Ok(steps) => {
                self.waiting = false;
                steps
            }
            Err(_) => {
                self.give_up();
                Err(unanswered(answer_within))
            }
        }
    }

    pub(super) async fn begin(&mut self) -> Result<(), sqlx::Error> {
        self.run("BEGIN").await?;
        self.in_transaction = true;
        Ok(())
    }

    /// `COMMIT`. Answered, the transaction is over whatever the answer
    /// (PostgreSQL ends a transaction whose commit fails).
    pub(super) async fn commit(&mut self) -> Result<(), sqlx::Error> {
        let answered = self.run("COMMIT").await;
        self.in_transaction = false;
        answered.map(drop)
    }

    fn give_up(&mut self) {
        if let Some(connection) = self.connection.take() {
            tracing::warn!(
                answer_within = ?self.answer_within,
                "the database did not answer on a connection; it leaves the pool"
            );
            drop(connection.detach());
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(connection) = self.connection.take() else {
            return;
        };
        if !self.waiting && !self.in_transaction {
            // Answered to the end: back to the pool as it is.
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(settle(connection, self.answer_within, self.in_transaction));
    }
}

/// The answer still to come drained and the transaction rolled back, then
/// back to the pool; out of it if that takes longer than `answer_within`.
async fn settle(
    mut connection: PoolConnection<Postgres>,
    answer_within: Duration,
    in_transaction: bool,
) {
    let settled = tokio::time::timeout(answer_within, async {
        if in_transaction {
            connection.execute("ROLLBACK").await.map(drop)
        } else {
            connection.ping().await
        }
    })
    .await;
    if !matches!(settled, Ok(Ok(()))) {
        tracing::warn!(
            ?answer_within,
            "a connection left mid-statement did not settle; it leaves the pool"
        );
        drop(connection.detach());
    }
}

/// The error of a connection that did not answer within `answer_within`
/// (the cache listener's subscription too).
pub fn unanswered(answer_within: Duration) -> sqlx::Error {
    sqlx::Error::Io(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("the database did not answer within {answer_within:?}"),
    ))
}

fn given_up() -> sqlx::Error {
    sqlx::Error::Io(io::Error::new(
        io::ErrorKind::NotConnected,
        "the connection was given up",
    ))
}
