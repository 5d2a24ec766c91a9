//! Integration tests of the REST API: the real router, driven in-process,
//! against a fresh migrated PostgreSQL database per test (`#[sqlx::test]`).

mod abuse;
mod articles;
mod cache;
mod coherence;
mod comments;
mod connections;
mod counters;
mod db_timings;
mod deep_pages;
mod feed;
mod forms;
mod http_cache;
mod observability;
mod outage;
mod pooler;
mod probes;
mod profiles;
mod proxy;
mod purge;
mod reader_tier;
mod response_tier;
mod security;
mod seed;
mod sessions;
mod support;
mod timelines;
mod traces;
mod transport;
mod users;
mod web;
