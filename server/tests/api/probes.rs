use std::time::Duration;

use app::backend::db::{schema, Database, Endpoints, PoolSettings, Pooler};
use axum::http::StatusCode;
use sqlx::migrate::MigrateError;
use sqlx::PgPool;

use crate::support::{
    database_addr, database_url, time_until, Conduit, Outage, Remote, ServerProcess, TestApp,
};

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

#[sqlx::test(migrations = "../migrations")]
async fn readiness_stays_while_the_database_is_away(db: PgPool) {
    // A warm instance serves its cache while the writer fails over: the
    // load balancer keeps it, and the body tells people what is going on.
    let app = TestApp::new(db);
    // Once its listener is up: subscribing says the database answers.
    app.settle().await;
    app.state().db.health().set(false);
    let reply = app.get("/readyz", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["database"], "unreachable");
    app.state().db.health().set(true);
    assert_eq!(app.get("/readyz", None).await.body["database"], "up");
}

#[sqlx::test(migrations = false)]
async fn an_instance_started_while_the_database_is_away_waits_for_it(db: PgPool) {
    let direct = database_url(&db, "conduit-waits").await;
    let outage = Outage::proxy(database_addr(&direct));
    outage.cut();
    let server = ServerProcess::starting(&outage.url_through(&direct), &[]);
    let remote = Remote::new(&server);
    // It runs: alive for the orchestrator, not ready for the balancer, and
    // requests are answered 503 with Retry-After, never 500.
    let tries = time_until(Duration::from_secs(10), || async {
        server.log().matches("waiting for it").count() >= 2
    })
    .await;
    assert!(tries.is_some(), "no log line per try: {}", server.log());
    assert_eq!(remote.get("/healthz", None).await.status, StatusCode::OK);
    let ready = remote.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.body["reason"], "waiting for the database");
    let read = remote.get("/api/articles", None).await;
    assert_eq!(
        read.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        read.body
    );
    assert!(read.headers.contains_key("retry-after"));

    // The database comes: it migrates it and serves, without a restart.
    outage.restore();
    let ready = time_until(Duration::from_secs(15), || async {
        remote.get("/readyz", None).await.status == StatusCode::OK
    })
    .await;
    assert!(
        ready.is_some(),
        "not ready after the database came: {}",
        server.log()
    );
    assert!(app::backend::db::schema::migrations_applied(&db)
        .await
        .unwrap());
    let token = remote.register("patient").await;
    assert!(!token.is_empty());
    assert_eq!(
        remote.get("/api/articles", None).await.status,
        StatusCode::OK
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
    app::backend::db::schema::migrate(&db).await.unwrap();
    assert!(app::backend::db::schema::migrations_applied(&db)
        .await
        .unwrap());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_build_older_than_the_schema_becomes_ready_on_it(db: PgPool) {
    // A newer build's migration, applied: this build is the older one, as
    // after a rollback or when a task of it is replaced during a deploy.
    sqlx::query(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
         values (99991231000000, 'a newer build''s', true, '\\x00', 1)",
    )
    .execute(&db)
    .await
    .unwrap();
    let endpoints = endpoints(&db, Pooler::None);
    let database = Database::open(&endpoints, &settings(700));
    let prepared = tokio::time::timeout(
        Duration::from_secs(10),
        schema::prepare(&database, &endpoints.direct, &settings(700)),
    )
    .await;
    assert!(prepared.is_ok(), "never ready on a newer schema");
    assert!(database.schema_ready());
    assert!(schema::migrations_applied(&db).await.unwrap());
    schema::migrate(&db).await.unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_migration_renamed_or_removed_or_edited_is_still_refused(db: PgPool) {
    // Unknown and older than this build's newest: not a newer build's.
    sqlx::query(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
         values (20000101000000, 'gone from the sources', true, '\\x00', 1)",
    )
    .execute(&db)
    .await
    .unwrap();
    let refused = schema::migrate(&db).await.unwrap_err();
    assert!(
        matches!(refused, MigrateError::VersionMissing(20000101000000)),
        "{refused}"
    );
    sqlx::query("delete from _sqlx_migrations where version = 20000101000000")
        .execute(&db)
        .await
        .unwrap();
    // A known migration whose text changed since it was applied.
    sqlx::query(
        "update _sqlx_migrations set checksum = '\\x00'
         where version = (select min(version) from _sqlx_migrations)",
    )
    .execute(&db)
    .await
    .unwrap();
    let refused = schema::migrate(&db).await.unwrap_err();
    assert!(
        matches!(refused, MigrateError::VersionMismatch(_)),
        "{refused}"
    );
}

/// Pool settings with a statement timeout of `millis`.
fn settings(millis: u64) -> PoolSettings {
    PoolSettings {
        max_connections: 2,
        acquire_timeout: Duration::from_secs(5),
        statement_timeout: Duration::from_millis(millis),
        idle_in_transaction_timeout: Duration::from_millis(millis * 2),
        slow_statement: Duration::from_secs(1),
    }
}

fn endpoints(db: &PgPool, pooler: Pooler) -> Endpoints {
    let options = (*db.connect_options()).clone();
    Endpoints {
        writer: options.clone(),
        replica: None,
        direct: options,
        pooler,
    }
}

#[sqlx::test(migrations = false)]
async fn straight_to_postgres_each_session_sets_the_timeouts(db: PgPool) {
    // As `SET` once connected: no startup parameter, which poolers refuse.
    let endpoints = endpoints(&db, Pooler::None);
    let database = Database::open(&endpoints, &settings(700));
    schema::prepare(&database, &endpoints.direct, &settings(700)).await;
    let timeout: String = sqlx::query_scalar("show statement_timeout")
        .fetch_one(database.writer().unwrap())
        .await
        .unwrap();
    assert_eq!(timeout, "700ms");
    let jit: String = sqlx::query_scalar("show jit")
        .fetch_one(database.writer().unwrap())
        .await
        .unwrap();
    assert_eq!(jit, "off", "no JIT compilation for a request's statements");
    // The migrations ran without it, on a session of their own.
    assert!(schema::migrations_applied(&db).await.unwrap());
}

#[sqlx::test(migrations = false)]
async fn through_a_transaction_pooler_the_role_carries_the_timeouts(db: PgPool) {
    let endpoints = endpoints(&db, Pooler::Transaction);
    let database = Database::open(&endpoints, &settings(900));
    schema::prepare(&database, &endpoints.direct, &settings(900)).await;
    // In this database only: the tests' other databases share the role.
    let timeout: String = sqlx::query_scalar("show statement_timeout")
        .fetch_one(database.writer().unwrap())
        .await
        .unwrap();
    assert_eq!(timeout, "900ms");
    let jit: String = sqlx::query_scalar("show jit")
        .fetch_one(database.writer().unwrap())
        .await
        .unwrap();
    assert_eq!(jit, "off", "no JIT compilation for a request's statements");
    let idle: String = sqlx::query_scalar("show idle_in_transaction_session_timeout")
        .fetch_one(database.writer().unwrap())
        .await
        .unwrap();
    assert_eq!(idle, "1800ms");
    // Each statement ran in a transaction of its own, unnamed: none is
    // left prepared on the server's session for the next client.
    let prepared: i64 = sqlx::query_scalar("select count(*) from pg_prepared_statements")
        .fetch_one(database.writer().unwrap())
        .await
        .unwrap();
    assert_eq!(prepared, 0);
    let in_transaction: bool = sqlx::query_scalar("select now() = statement_timestamp() is false")
        .fetch_one(database.writer().unwrap())
        .await
        .unwrap();
    assert!(
        in_transaction,
        "a statement alone would have now() = statement_timestamp()"
    );
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
