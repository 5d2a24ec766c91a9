//! `GET /metrics`: cache counters in the Prometheus text format.
//!
//! For the monitoring agent inside the network: the load balancer should not
//! route this path from the internet.

use app::server::AppState;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

const CONTENT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let stats = state.cache.stats().await;
    let mut text = String::new();
    let mut family = |name: &str,
                      kind: &str,
                      help: &str,
                      value: &dyn Fn(&app::server::cache::TierStats) -> u64| {
        text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for tier in &stats {
            text.push_str(&format!(
                "{name}{{tier=\"{}\"}} {}\n",
                tier.name,
                value(tier)
            ));
        }
    };
    family(
        "conduit_cache_hits_total",
        "counter",
        "Reads answered from the in-process cache, including coalesced waiters.",
        &|t| t.hits,
    );
    family(
        "conduit_cache_misses_total",
        "counter",
        "Reads that loaded from the database (one per group of concurrent misses).",
        &|t| t.loads,
    );
    family(
        "conduit_cache_evictions_total",
        "counter",
        "Entries dropped to stay within the memory budget.",
        &|t| t.evictions,
    );
    family(
        "conduit_cache_invalidations_total",
        "counter",
        "Invalidations applied, local writes and other instances' alike.",
        &|t| t.invalidations,
    );
    family("conduit_cache_entries", "gauge", "Entries held.", &|t| {
        t.entries
    });
    family(
        "conduit_cache_weighted_bytes",
        "gauge",
        "Approximate bytes held, as counted against CACHE_MAX_MIB.",
        &|t| t.weighted_bytes,
    );
    ([(CONTENT_TYPE, CONTENT)], text)
}
