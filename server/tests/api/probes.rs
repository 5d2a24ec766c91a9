use axum::http::StatusCode;
use sqlx::PgPool;

use crate::support::{Conduit, ServerProcess, TestApp};

#[sqlx::test(migrations = "../migrations")]
async fn liveness_answers_without_the_database(db: PgPool) {
    let app = TestApp::new(db.clone());
    db.close().await;
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn readiness_is_ok_on_a_migrated_database(db: PgPool) {
    let app = TestApp::new(db);
    let reply = app.get("/readyz", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["status"], "ready");
}

#[sqlx::test(migrations = false)]
async fn readiness_is_503_before_migrations(db: PgPool) {
    let app = TestApp::new(db);
    assert_eq!(
        app.get("/readyz", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn readiness_is_503_when_the_database_is_gone(db: PgPool) {
    let app = TestApp::new(db.clone());
    db.close().await;
    assert_eq!(
        app.get("/readyz", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn every_response_carries_a_request_id(db: PgPool) {
    let app = TestApp::new(db);
    let reply = app.get("/healthz", None).await;
    assert!(reply.headers.contains_key("x-request-id"));
}

#[sqlx::test(migrations = "../migrations")]
async fn migrating_twice_is_harmless(db: PgPool) {
    app::backend::db::migrate(&db).await.unwrap();
    assert!(app::backend::db::migrations_applied(&db).await.unwrap());
}

#[sqlx::test(migrations = false)]
async fn migrations_leave_the_pools_statement_timeout_in_place(db: PgPool) {
    // Migrations run without the timeout on a connection of their own, which
    // is closed afterwards: the pool's connections keep theirs.
    let options = (*db.connect_options())
        .clone()
        .options([("statement_timeout", "20ms")]);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    app::backend::db::migrate(&pool).await.unwrap();
    assert!(app::backend::db::migrations_applied(&pool).await.unwrap());
    let timeout: String = sqlx::query_scalar("show statement_timeout")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(timeout, "20ms");
}

#[test]
fn a_server_without_the_hash_file_of_its_bundle_refuses_to_start() {
    // Checked before the database is reached (there is none at this address):
    // the operator reads which file is missing, not a panic on every page.
    let stderr = ServerProcess::refused(
        "postgres://conduit@127.0.0.1:9/conduit",
        &[
            ("LEPTOS_HASH_FILES", "true"),
            ("LEPTOS_HASH_FILE_NAME", "/nonexistent/conduit/hash.txt"),
        ],
    );
    assert!(
        stderr.contains("cannot read /nonexistent/conduit/hash.txt"),
        "{stderr}"
    );
}
