//! Integration tests of the REST API: the real router, driven in-process,
//! against a fresh migrated PostgreSQL database per test (`#[sqlx::test]`).

mod articles;
mod comments;
mod helpers;
mod http_cache;
mod probes;
mod profiles;
mod seed;
mod transport;
mod users;
mod web;
