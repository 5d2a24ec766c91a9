//! `GET /metrics`: cache and database counters in the Prometheus text format, on their
//! own listener (`METRICS_ADDR`), apart from the public one: only the
//! monitoring agent inside the network reaches them.

use std::fmt::Write;

use app::backend::background::{self, Backlog, QueueBacklog};
use app::backend::cache::TierStats;
use app::backend::db::Database;
use app::web::AppState;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const CONTENT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Name, type, help and value of each metric family, one sample per tier.
type Family = (
    &'static str,
    &'static str,
    &'static str,
    fn(&TierStats) -> u64,
);

const FAMILIES: &[Family] = &[
    (
        "conduit_cache_hits_total",
        "counter",
        "Reads answered from the in-process cache, including coalesced waiters.",
        |t| t.hits,
    ),
    (
        "conduit_cache_misses_total",
        "counter",
        "Reads that loaded from the database (one per group of concurrent misses).",
        |t| t.loads,
    ),
    (
        "conduit_cache_stale_total",
        "counter",
        "Reads answered with an expired entry because the database was unavailable.",
        |t| t.stale,
    ),
    (
        "conduit_cache_evictions_total",
        "counter",
        "Entries dropped to stay within the memory budget.",
        |t| t.evictions,
    ),
    (
        "conduit_cache_invalidations_total",
        "counter",
        "Invalidations applied, local writes and other instances' alike.",
        |t| t.invalidations,
    ),
    ("conduit_cache_entries", "gauge", "Entries held.", |t| {
        t.entries
    }),
    (
        "conduit_cache_weighted_bytes",
        "gauge",
        "Approximate bytes held, as counted against CACHE_MAX_MIB.",
        |t| t.weighted_bytes,
    ),
];

/// The metrics listener's whole surface.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(state)
}

/// Where reads went, and the database's and the replica's standing.
fn database(text: &mut String, db: &Database) {
    let (replica, writer, behind) = db.read_counts().totals();
    let _ = writeln!(
        text,
        "# HELP conduit_db_reads_total Reads a replica may answer, by where they went \
         (writer: no replica in rotation; writer_fallback: the replica had not replayed \
         what this instance knows of, or failed).\n\
         # TYPE conduit_db_reads_total counter\n\
         conduit_db_reads_total{{to=\"replica\"}} {replica}\n\
         conduit_db_reads_total{{to=\"writer\"}} {writer}\n\
         conduit_db_reads_total{{to=\"writer_fallback\"}} {behind}"
    );
    let _ = writeln!(
        text,
        "# HELP conduit_db_up Whether the writer answers, as the cache listener sees it.\n\
         # TYPE conduit_db_up gauge\nconduit_db_up {}",
        u8::from(db.health().is_up())
    );
    if let Some(status) = db.replica_status() {
        let _ = writeln!(
            text,
            "# HELP conduit_db_replica_in_rotation Whether the read replica answers reads.\n\
             # TYPE conduit_db_replica_in_rotation gauge\nconduit_db_replica_in_rotation {}",
            u8::from(status.in_rotation)
        );
        if let Some(lag) = status.lag {
            let _ = writeln!(
                text,
                "# HELP conduit_db_replica_lag_seconds The read replica's lag behind the writer, as last measured.\n\
                 # TYPE conduit_db_replica_lag_seconds gauge\nconduit_db_replica_lag_seconds {}",
                lag.as_secs_f64()
            );
        }
    }
}

/// Name, help and value of each metric family, one sample per queue.
type QueueFamily = (&'static str, &'static str, fn(&QueueBacklog) -> f64);

const QUEUE_FAMILIES: &[QueueFamily] = &[
    (
        "conduit_queue_jobs",
        "Jobs queued (timelines: readers' timeline jobs; purges: deleted articles' rows to \
         remove), counted up to a bound: a longer backlog reads as the bound.",
        |queue| queue.jobs as f64,
    ),
    (
        "conduit_queue_oldest_due_seconds",
        "How long the oldest job due has waited.",
        |queue| queue.oldest_due_seconds,
    ),
];

/// The background queues' backlog: what alerts on a queue that stopped
/// draining (a due job that keeps waiting) watch.
fn queues(text: &mut String, backlog: &Backlog) {
    let queues = [("timelines", backlog.timelines), ("purges", backlog.purges)];
    for (name, help, value) in QUEUE_FAMILIES {
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (queue, backlog) in &queues {
            let _ = writeln!(text, "{name}{{queue=\"{queue}\"}} {}", value(backlog));
        }
    }
    let _ = writeln!(
        text,
        "# HELP conduit_timelines_backfilled Whether every reader's timeline is built \
         (until then, the feeds of readers not yet passed are read from the articles).\n\
         # TYPE conduit_timelines_backfilled gauge\nconduit_timelines_backfilled {}",
        u8::from(backlog.backfill_done)
    );
}

async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let tiers = state.cache.stats().await;
    let mut text = String::new();
    for (name, kind, help, value) in FAMILIES {
        // Writing to a String cannot fail.
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for tier in &tiers {
            let _ = writeln!(text, "{name}{{tier=\"{}\"}} {}", tier.name, value(tier));
        }
    }
    let _ = writeln!(
        text,
        "# HELP conduit_cache_notifications_total Change-feed messages this instance has handled.\n\
         # TYPE conduit_cache_notifications_total counter\nconduit_cache_notifications_total {}",
        state.cache.heard()
    );
    database(&mut text, &state.db);
    // Left out while the database is away: the scrape still answers.
    if let Ok(backlog) = background::backlog(&state.db).await {
        queues(&mut text, &backlog);
    }
    (
        [
            (CONTENT_TYPE, CONTENT),
            (CACHE_CONTROL, "private, no-store"),
        ],
        text,
    )
}
