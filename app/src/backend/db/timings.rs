//! How long statements take and how long callers wait for a connection,
//! counted as they happen, after OpenTelemetry's database client metrics
//! (`db.client.operation.duration`, `db.client.connection.wait_time`,
//! `db.client.connection.pending_requests`). The server registers them on
//! its metrics listener ([`Timings::register`]); sqlx's pools count none
//! of this themselves.

use std::future::Future;
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use sqlx::PgPool;

use super::named::{Caller, Named};

/// Upper bounds, in seconds: a statement on a warm connection takes well
/// under a millisecond; a wait for one is nothing while the pool has an
/// idle connection, and ends at the acquire timeout (seconds).
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolName {
    db_client_connection_pool_name: &'static str,
}

/// A named query: the statement's summary and the service call it ran for.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Operation {
    db_client_connection_pool_name: &'static str,
    code_function_name: Option<Caller>,
    db_query_summary: String,
}

/// Every pool's timings. Cheap to clone; clones count into the same series.
#[derive(Clone, Debug)]
pub struct Timings {
    operations: Family<Operation, Histogram>,
    waits: Family<PoolName, Histogram>,
    pending: Family<PoolName, Gauge>,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            operations: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
            waits: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
            pending: Family::default(),
        }
    }
}

impl Timings {
    /// Adds the families to `registry` (a server's metrics).
    pub fn register(&self, registry: &mut Registry) {
        registry.register_with_unit(
            "db_client_operation_duration",
            "Duration of statements, by the service call they ran for and their summary, \
             until their last row arrived",
            Unit::Seconds,
            self.operations.clone(),
        );
        registry.register_with_unit(
            "db_client_connection_wait_time",
            "Time waited for a pool's connection, also by callers that gave up (for a \
             transaction, and for any statement through a transaction pooler, until its \
             BEGIN was answered: when a pooler lends a server connection)",
            Unit::Seconds,
            self.waits.clone(),
        );
        registry.register(
            "db_client_connection_pending_requests",
            "Callers waiting for a pool's connection now",
            self.pending.clone(),
        );
    }

    fn pool(&self, name: &'static str) -> PoolTimings {
        let label = PoolName {
            db_client_connection_pool_name: name,
        };
        PoolTimings {
            name,
            operations: self.operations.clone(),
            wait: self.waits.get_or_create(&label).clone(),
            pending: self.pending.get_or_create(&label).clone(),
        }
    }
}

/// A pool and its timings: where sessions and transactions open.
#[derive(Clone, Debug)]
pub(super) struct Pool {
    pub(super) connections: PgPool,
    pub(super) timings: PoolTimings,
    /// How long the database has to answer a statement before its
    /// connection is given up (`super::held`).
    pub(super) answer_within: Duration,
}

impl Pool {
    /// `connections`, timed under `name` (`writer`, `replica`).
    pub(super) fn new(
        connections: PgPool,
        name: &'static str,
        timings: &Timings,
        answer_within: Duration,
    ) -> Self {
        Self {
            connections,
            timings: timings.pool(name),
            answer_within,
        }
    }

    pub(super) fn name(&self) -> &'static str {
        self.timings.name
    }
}

/// One pool's handles.
#[derive(Clone, Debug)]
pub(super) struct PoolTimings {
    name: &'static str,
    operations: Family<Operation, Histogram>,
    wait: Histogram,
    pending: Gauge,
}

impl PoolTimings {
    /// Awaits `acquire` (a connection, or a transaction's `BEGIN`) as a
    /// wait for this pool: pending meanwhile, and timed when it ends, also
    /// when its caller gives up (the longest waits are those).
    pub(super) async fn wait<T>(&self, acquire: impl Future<Output = T>) -> T {
        let _waiting = Waiting::new(self);
        acquire.await
    }

    /// Times the statement `named` until the returned guard drops.
    pub(super) fn statement(&self, named: Named) -> Timed {
        let operation = Operation {
            db_client_connection_pool_name: self.name,
            code_function_name: named.caller,
            db_query_summary: named.summary,
        };
        Timed {
            histogram: self.operations.get_or_create(&operation).clone(),
            started: Instant::now(),
        }
    }
}

/// A caller waiting for a connection: pending until it drops, then timed.
struct Waiting<'p> {
    timings: &'p PoolTimings,
    started: Instant,
}

impl<'p> Waiting<'p> {
    fn new(timings: &'p PoolTimings) -> Self {
        timings.pending.inc();
        Self {
            timings,
            started: Instant::now(),
        }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.timings.pending.dec();
        self.timings
            .wait
            .observe(self.started.elapsed().as_secs_f64());
    }
}

/// A statement being timed: observed when dropped, so one whose caller
/// gave up (a client that went away) counts for as long as it ran.
pub(super) struct Timed {
    histogram: Histogram,
    started: Instant,
}

impl Drop for Timed {
    fn drop(&mut self) {
        self.histogram.observe(self.started.elapsed().as_secs_f64());
    }
}
