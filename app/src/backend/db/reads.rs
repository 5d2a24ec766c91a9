//! Reads that may come from a replica ([`Reader`]): on one that has
//! replayed what this instance knows of ([`super::Freshness`]), on the
//! writer otherwise.

use std::fmt;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::postgres::{PgRow, PgStatement, PgTypeInfo};
use sqlx::{Describe, Execute, Executor, PgPool, Postgres};

use super::errors::is_connection_lost;
use super::pools::Database;
use super::statements::{first_row, replay, runs_statements, Owned, Step};
use crate::error::AppError;

impl Database {
    /// Reads that may lag a little: a replica's when one is in rotation,
    /// which may answer while the writer is away, the writer's otherwise.
    pub fn reader(&self) -> Result<Reader<'_>, AppError> {
        let replica_up = self.replica_in_rotation().is_some();
        if self.schema_ready() && (replica_up || self.health().is_up()) {
            Ok(Reader { db: self })
        } else {
            Err(AppError::Unavailable)
        }
    }
}

/// Reads that may come from a replica. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    db: &'a Database,
}

impl<'a> Reader<'a> {
    fn pool(self) -> &'a PgPool {
        self.db.writer_pool()
    }

    /// On a replica that has replayed what this instance knows of, on the
    /// writer otherwise. A replica that fails is left for the writer at once
    /// (the statement is a read: running it again is harmless) and out of
    /// rotation until its watch finds it well.
    async fn run<'q, E>(self, mut query: E) -> Result<Vec<Step>, sqlx::Error>
    where
        E: 'q + Execute<'q, Postgres>,
    {
        let db = self.db;
        let (Some(replica), Some(required)) = (db.replica_in_rotation(), db.freshness.required())
        else {
            db.reads.writer();
            return db.writer_unchecked().run(query).await;
        };
        let owned = Owned::take(&mut query)?;
        match replica.read(owned.clone(), required, db.pooler).await {
            Ok(Some(steps)) => {
                db.reads.replica();
                return Ok(steps);
            }
            Ok(None) => db.reads.behind(),
            Err(error) if is_connection_lost(&error) || is_pool_error(&error) => {
                replica.failed(&error);
                db.reads.behind();
            }
            Err(error) => return Err(error),
        }
        db.writer_unchecked().run(owned).await
    }
}

impl fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reader")
    }
}

fn is_pool_error(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
}

runs_statements!(Reader<'a>, 'a);
