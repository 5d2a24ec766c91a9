//! PostgreSQL: where each statement goes, and what its errors mean.
//!
//! Services run statements on one of three sqlx executors, and know
//! nothing else of the topology behind them:
//!
//! - [`Writer`] (`Services::db`): the writer, for writes and for reads that
//!   must be current (sign-in, sessions, what a write checks first);
//! - [`Reader`] (`Services::reads`): a read replica when one is configured
//!   and has replayed every write this instance knows of ([`Freshness`]),
//!   the writer otherwise;
//! - [`Tx`] (`Writer::begin`): a transaction on the writer.
//!
//! Each works straight to PostgreSQL or through a transaction pooler
//! ([`Pooler`]); `statements` says how. Inside, dependencies run one way:
//! `reads` on `pools` on `replica` on `statements` on `held` (a connection
//! given up when the database stops answering on it) and `timings` (what
//! statements and waits for connections take) on `named` (what a statement
//! is called). The schema is migrated by a task
//! of the instance's own ([`schema`]), on a direct session, while requests wait.

mod errors;
mod freshness;
mod held;
mod named;
mod pools;
mod reads;
pub mod replica;
pub mod schema;
mod statements;
mod timings;

pub use freshness::{Freshness, Lsn};
pub use held::unanswered;
pub use pools::{listener_pool, Database, Endpoints, Health, PoolSettings, PoolUsage};
pub use reads::Reader;
pub use schema::MIGRATOR;
pub use statements::{Pooler, Tx, Writer};
pub use timings::Timings;
