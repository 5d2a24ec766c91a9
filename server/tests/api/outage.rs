//! A database outage: cached reads keep answering (stale if need be),
//! writes fail fast, readiness stays (and says so at once), and everything is back
//! within seconds of the database, with the cache flushed once.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use crate::support::{
    database_addr, database_url, time_until, waiting_on_locks, ArticlesLocked, Conduit, Outage,
    Remote, ServerProcess,
};

#[sqlx::test(migrations = "../migrations")]
async fn while_the_database_is_down_cached_reads_answer_and_writes_fail_fast(db: PgPool) {
    let direct = database_url(&db, "conduit-outage").await;
    let outage = Outage::proxy(database_addr(&direct));
    let server = ServerProcess::start(
        &outage.url_through(&direct),
        // Entries expire after a second, so what answers during the outage is stale.
        &[
            ("CACHE_TTL_SECS", "1"),
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", "5"),
        ],
    );
    let remote = Remote::new(&server);
    let token = remote.register("writer").await;
    let slug = remote.publish(&token, "Survives", &["cache"]).await;
    let page = format!("/article/{slug}");
    let api = format!("/api/articles/{slug}");
    assert_eq!(remote.get(&page, None).await.status, StatusCode::OK);
    assert_eq!(remote.get(&api, None).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1500)).await;

    outage.cut();
    // Readiness stays (the balancer keeps a warm instance) and says so.
    let noticed = time_until(Duration::from_secs(5), || async {
        remote.get("/readyz", None).await.body["database"] == "unreachable"
    })
    .await;
    assert!(
        noticed.is_some(),
        "readiness never noticed: {}",
        server.log()
    );
    let asked = Instant::now();
    assert_eq!(remote.get("/readyz", None).await.status, StatusCode::OK);
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "readiness took {:?}",
        asked.elapsed()
    );

    let cached = remote.get(&page, None).await;
    assert_eq!(
        cached.status,
        StatusCode::OK,
        "the page answers from the cache"
    );
    assert!(cached.body.as_str().unwrap().contains("Survives"));
    let cached = remote.get(&api, None).await;
    assert_eq!(cached.status, StatusCode::OK);
    assert_eq!(cached.body["article"]["title"], "Survives");

    let asked = Instant::now();
    let write = remote
        .post(
            &format!("{api}/comments"),
            Some(&token),
            json!({ "comment": { "body": "hi" } }),
        )
        .await;
    assert_eq!(
        write.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        write.body
    );
    assert!(write.headers.contains_key("retry-after"));
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "the write took {:?}",
        asked.elapsed()
    );
    assert_eq!(remote.get("/healthz", None).await.status, StatusCode::OK);

    outage.restore();
    let back = time_until(Duration::from_secs(5), || async {
        remote.get("/readyz", None).await.body["database"] == "up"
    })
    .await;
    assert!(
        back.is_some(),
        "not ready within 5 s of the database: {}",
        server.log()
    );
    let write = remote
        .post(
            &format!("{api}/comments"),
            Some(&token),
            json!({ "comment": { "body": "hi" } }),
        )
        .await;
    assert_eq!(write.status, StatusCode::CREATED);
    let log = server.log();
    assert_eq!(
        log.matches("reconnected; flushed the cache").count(),
        1,
        "{log}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_database_gone_silent_is_noticed_and_left_for_a_new_connection(db: PgPool) {
    // The old primary's host is gone: no error will ever come on the
    // connections it had, the cache listener's included, and the edit's
    // notification is sent to that silent connection and lost.
    let log = edited_behind(&db, Replica::None, Outage::silence).await;
    assert!(log.contains("did not answer"), "{log}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_listener_whose_question_goes_unanswered_after_a_notification_reconnects(db: PgPool) {
    // With a replica, a notification makes the listener ask the writer's
    // position on its own session before it applies the change. On a path
    // broken one way the notification still arrives; the question never
    // gets there.
    let log = edited_behind(&db, Replica::TheDatabase, Outage::deafen).await;
    assert!(
        log.contains("could not learn the writer's position"),
        "{log}"
    );
}

/// Where a server reads what may lag.
enum Replica {
    None,
    /// The database stands in for its replica: the questions asked of the
    /// writer because of it are what matters.
    TheDatabase,
}

/// A server reaching its database through the test proxy serves an
/// article; then `fault` strikes the proxy's open connections, and another
/// instance edits the article (on the database directly, so that only its
/// notification tells this server). The new title must be served within
/// 30 s, and the cache listener must have subscribed again. Returns the
/// server's log.
async fn edited_behind(db: &PgPool, replica: Replica, fault: fn(&Outage)) -> String {
    let direct = database_url(db, "conduit-edited").await;
    let outage = Outage::proxy(database_addr(&direct));
    let mut env = vec![
        ("DATABASE_ACQUIRE_TIMEOUT_SECS", "2"),
        ("DATABASE_STATEMENT_TIMEOUT_MS", "1000"),
    ];
    if let Replica::TheDatabase = replica {
        env.push(("DATABASE_READ_URL", direct.as_str()));
    }
    let server = ServerProcess::start(&outage.url_through(&direct), &env);
    let remote = Remote::new(&server);
    let token = remote.register("writer").await;
    let slug = remote.publish(&token, "Before", &[]).await;
    let api = format!("/api/articles/{slug}");
    let title = || async { remote.get(&api, None).await.body["article"]["title"].clone() };
    assert_eq!(title().await, "Before");

    fault(&outage);
    sqlx::query("update articles set title = 'After' where slug = $1")
        .bind(&slug)
        .execute(db)
        .await
        .unwrap();
    let fresh = time_until(Duration::from_secs(30), || async {
        title().await == "After"
    })
    .await;
    assert!(
        fresh.is_some(),
        "the cache kept what the edit made stale: {}",
        server.log()
    );
    let reconnected = time_until(Duration::from_secs(10), || async {
        server.log().contains("reconnected; flushed the cache")
    })
    .await;
    assert!(reconnected.is_some(), "{}", server.log());
    server.log()
}

#[sqlx::test(migrations = "../migrations")]
async fn connections_whose_answers_never_come_leave_the_pool(db: PgPool) {
    // Statements are answered within 1 s, or they never will be: past the
    // bound (3 s), before the request's own deadline, the connection goes.
    unanswered(db, "1000", "4").await;
}

#[sqlx::test(migrations = "../migrations")]
async fn connections_of_requests_that_ended_unanswered_leave_the_pool(db: PgPool) {
    // The request's deadline (1 s) comes first: its connection is settled
    // in the background, within the same bound (5 s), or given up.
    unanswered(db, "3000", "1").await;
}

/// Both of a two-connection pool's connections have a statement in
/// PostgreSQL (held there by a lock) when the database goes silent: their
/// answers never come, the requests end in 503, and the pool's places are
/// free again for connections that reach the database.
async fn unanswered(db: PgPool, statement_timeout_ms: &str, request_timeout_secs: &str) {
    let direct = database_url(&db, "conduit-unanswered").await;
    let outage = Outage::proxy(database_addr(&direct));
    let server = ServerProcess::start(
        &outage.url_through(&direct),
        &[
            ("DATABASE_MAX_CONNECTIONS", "2"),
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", "2"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", statement_timeout_ms),
            ("REQUEST_TIMEOUT_SECS", request_timeout_secs),
        ],
    );
    let remote = Remote::new(&server);
    let token = remote.register("writer").await;
    let slug = remote.publish(&token, "Unanswered", &[]).await;
    let comments = format!("/api/articles/{slug}/comments");
    let comment = || {
        remote.post(
            &comments,
            Some(&token),
            json!({ "comment": { "body": "hello" } }),
        )
    };

    let lock = ArticlesLocked::take(&db).await;
    let (first, second, ()) = tokio::join!(comment(), comment(), async {
        let stuck = time_until(Duration::from_secs(5), || async {
            waiting_on_locks(&db).await >= 2
        })
        .await;
        assert!(stuck.is_some(), "the statements never waited");
        outage.silence();
        lock.release().await;
    });
    assert_eq!(first.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(second.status, StatusCode::SERVICE_UNAVAILABLE);

    let back = time_until(Duration::from_secs(30), || async {
        comment().await.status == StatusCode::CREATED
    })
    .await;
    let log = server.log();
    assert!(back.is_some(), "the pool never got its places back: {log}");
    assert!(log.contains("leaves the pool"), "{log}");
}
