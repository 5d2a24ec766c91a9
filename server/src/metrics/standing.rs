//! What is read at each scrape rather than counted as it happens: the cache
//! tiers' counters, the database's pools, its replica and the background
//! queues. Taken once per scrape ([`Standing::take`], which may ask the
//! database), then written out as constants.

use app::backend::background::{self, Backlog, QueueBacklog};
use app::backend::cache::TierStats;
use app::backend::db::replica::ReplicaStatus;
use app::backend::db::PoolUsage;
use app::web::AppState;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;

#[derive(Debug)]
pub(super) struct Standing {
    tiers: Vec<TierStats>,
    notifications: u64,
    /// Reads by where they went: the replica, the writer, the writer after
    /// the replica fell behind.
    reads: (u64, u64, u64),
    db_up: bool,
    pools: Vec<PoolUsage>,
    replica: Option<ReplicaStatus>,
    /// Left out while the database is away: the scrape still answers.
    backlog: Option<Backlog>,
}

impl Standing {
    pub(super) async fn take(state: &AppState) -> Self {
        Self {
            tiers: state.cache.stats().await,
            notifications: state.cache.heard(),
            reads: state.db.read_counts().totals(),
            db_up: state.db.health().is_up(),
            pools: state.db.pool_usage(),
            replica: state.db.replica_status(),
            backlog: background::backlog(&state.db).await.ok(),
        }
    }
}

/// Name, type, help and value of each cache family, one sample per tier.
type TierFamily = (&'static str, &'static str, fn(&TierStats) -> Value);

const TIER_FAMILIES: &[TierFamily] = &[
    (
        "conduit_cache_hits",
        "Reads answered from the in-process cache, including coalesced waiters.",
        |t| Value::Count(t.hits),
    ),
    (
        "conduit_cache_misses",
        "Reads that loaded from the database (one per group of concurrent misses).",
        |t| Value::Count(t.loads),
    ),
    (
        "conduit_cache_stale",
        "Reads answered with an expired entry because the database was unavailable.",
        |t| Value::Count(t.stale),
    ),
    (
        "conduit_cache_evictions",
        "Entries dropped to stay within the memory budget.",
        |t| Value::Count(t.evictions),
    ),
    (
        "conduit_cache_invalidations",
        "Invalidations applied, local writes and other instances' alike.",
        |t| Value::Count(t.invalidations),
    ),
    ("conduit_cache_entries", "Entries held.", |t| {
        Value::Level(t.entries as f64)
    }),
    (
        "conduit_cache_weighted_bytes",
        "Approximate bytes held, as counted against CACHE_MAX_MIB.",
        |t| Value::Level(t.weighted_bytes as f64),
    ),
];

/// Name, help and value of each queue family, one sample per queue.
type QueueFamily = (&'static str, &'static str, fn(&QueueBacklog) -> Value);

const QUEUE_FAMILIES: &[QueueFamily] = &[
    (
        "conduit_queue_jobs",
        "Jobs queued (timelines: readers' timeline jobs; purges: deleted articles' rows to \
         remove), counted up to a bound: a longer backlog reads as the bound.",
        |queue| Value::Level(queue.jobs as f64),
    ),
    (
        "conduit_queue_oldest_due_seconds",
        "How long the oldest job due has waited.",
        |queue| Value::Level(queue.oldest_due_seconds),
    ),
];

/// A sample's value: counters count, gauges measure.
#[derive(Clone, Copy)]
enum Value {
    Count(u64),
    Level(f64),
}

impl Value {
    fn encode(self, sample: prometheus_client::encoding::MetricEncoder) -> std::fmt::Result {
        match self {
            Value::Count(count) => ConstCounter::new(count).encode(sample),
            Value::Level(level) => ConstGauge::new(level).encode(sample),
        }
    }

    fn kind(self) -> MetricType {
        match self {
            Value::Count(_) => MetricType::Counter,
            Value::Level(_) => MetricType::Gauge,
        }
    }
}

/// One family of samples, each under its labels; `kind` is the samples'.
fn family<L: EncodeLabelSet>(
    encoder: &mut DescriptorEncoder,
    (name, help, kind): (&str, &str, MetricType),
    samples: impl IntoIterator<Item = (L, Value)>,
) -> std::fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, kind)?;
    for (labels, value) in samples {
        value.encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

/// A family of one sample without labels.
fn single(
    encoder: &mut DescriptorEncoder,
    (name, help): (&str, &str),
    value: Value,
) -> std::fmt::Result {
    value.encode(encoder.encode_descriptor(name, help, None, value.kind())?)
}

fn flag(on: bool) -> Value {
    Value::Level(f64::from(u8::from(on)))
}

impl Collector for Standing {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let encoder = &mut encoder;
        for (name, help, value) in TIER_FAMILIES {
            // The kind is the samples' own (the same for every tier).
            let kind = value(&TierStats::default()).kind();
            let samples = self
                .tiers
                .iter()
                .map(|tier| ([("tier", tier.name)], value(tier)));
            family(encoder, (name, help, kind), samples)?;
        }
        single(
            encoder,
            (
                "conduit_cache_notifications",
                "Change-feed messages this instance has handled.",
            ),
            Value::Count(self.notifications),
        )?;
        let (replica, writer, behind) = self.reads;
        family(
            encoder,
            (
                "conduit_db_reads",
                "Reads a replica may answer, by where they went (writer: no replica in \
                 rotation; writer_fallback: the replica had not replayed what this instance \
                 knows of, or failed).",
                MetricType::Counter,
            ),
            [
                ([("to", "replica")], Value::Count(replica)),
                ([("to", "writer")], Value::Count(writer)),
                ([("to", "writer_fallback")], Value::Count(behind)),
            ],
        )?;
        single(
            encoder,
            (
                "conduit_db_up",
                "Whether the writer answers, as the cache listener sees it.",
            ),
            flag(self.db_up),
        )?;
        // OpenTelemetry's database client conventions
        // (`db.client.connection.count`, `db.client.connection.max`).
        family(
            encoder,
            (
                "db_client_connection_count",
                "Connections open in each pool, idle or lent out.",
                MetricType::Gauge,
            ),
            self.pools.iter().flat_map(|pool| {
                [("idle", pool.idle), ("used", pool.used)].map(|(state, count)| {
                    (
                        [
                            ("db_client_connection_pool_name", pool.name),
                            ("db_client_connection_state", state),
                        ],
                        Value::Level(f64::from(count)),
                    )
                })
            }),
        )?;
        family(
            encoder,
            (
                "db_client_connection_max",
                "The most connections each pool opens.",
                MetricType::Gauge,
            ),
            self.pools.iter().map(|pool| {
                (
                    [("db_client_connection_pool_name", pool.name)],
                    Value::Level(f64::from(pool.max)),
                )
            }),
        )?;
        if let Some(status) = self.replica {
            single(
                encoder,
                (
                    "conduit_db_replica_in_rotation",
                    "Whether the read replica answers reads.",
                ),
                flag(status.in_rotation),
            )?;
            if let Some(lag) = status.lag {
                single(
                    encoder,
                    (
                        "conduit_db_replica_lag_seconds",
                        "The read replica's lag behind the writer, as last measured.",
                    ),
                    Value::Level(lag.as_secs_f64()),
                )?;
            }
        }
        if let Some(backlog) = &self.backlog {
            let queues = [("timelines", backlog.timelines), ("purges", backlog.purges)];
            for (name, help, value) in QUEUE_FAMILIES {
                let samples = queues
                    .iter()
                    .map(|(queue, backlog)| ([("queue", *queue)], value(backlog)));
                family(encoder, (name, help, MetricType::Gauge), samples)?;
            }
            single(
                encoder,
                (
                    "conduit_timelines_backfilled",
                    "Whether every reader's timeline is built (until then, the feeds of \
                     readers not yet passed are read from the articles).",
                ),
                flag(backlog.backfill_done),
            )?;
        }
        Ok(())
    }
}
