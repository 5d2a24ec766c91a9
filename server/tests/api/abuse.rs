//! What one client can do to an instance, and what it gets for it: input
//! bounds, rate limits, timeouts and load shedding.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use crate::support::{
    assert_error, client, database_url, sample, waiting_on_locks, ArticlesLocked, Conduit, Remote,
    ServerProcess, TestApp,
};

#[sqlx::test(migrations = "../migrations")]
async fn a_sign_in_password_longer_than_any_account_can_have_is_422(db: PgPool) {
    let app = TestApp::new(db);
    app.register("jake").await;
    let long = "p".repeat(10_000);
    let reply = app
        .post(
            "/api/users/login",
            None,
            json!({ "user": { "email": "jake@example.com", "password": long } }),
        )
        .await;
    assert_error(
        &reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        "password",
        "is too long (maximum is 128 characters)",
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn nul_characters_are_422_in_stored_fields_and_lookups(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let tagged = json!({ "article": {
        "title": "t", "description": "d", "body": "b", "tagList": ["ok", "b\u{0}d"],
    }});
    assert_error(
        &app.post("/api/articles", Some(&jake), tagged).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "tagList",
        "must not contain NUL characters",
    );
    let bio = json!({ "user": { "bio": "a\u{0}" } });
    assert_error(
        &app.put("/api/user", Some(&jake), bio).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "bio",
        "must not contain NUL characters",
    );
    for lookup in [
        "/api/articles?tag=a%00b",
        "/api/articles?author=a%00b",
        "/api/profiles/a%00b",
        "/api/articles/a%00b",
    ] {
        let reply = app.get(lookup, None).await;
        assert!(
            reply.status.is_client_error(),
            "{lookup}: {} {}",
            reply.status,
            reply.body
        );
    }
    let sign_in = json!({ "user": { "email": "a\u{0}@b.c", "password": "password123" } });
    let reply = app.post("/api/users/login", None, sign_in).await;
    assert!(reply.status.is_client_error(), "{}", reply.body);
}

#[sqlx::test(migrations = "../migrations")]
async fn offsets_past_the_deepest_window_are_422(db: PgPool) {
    let app = TestApp::new(db);
    assert_eq!(
        app.get("/api/articles?offset=10000", None).await.status,
        StatusCode::OK
    );
    assert_error(
        &app.get("/api/articles?offset=999999999", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "offset",
        "must be at most 10000",
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_client_over_its_sign_in_limit_is_told_to_come_back_later(db: PgPool) {
    let app = TestApp::configured(db, &["--rate-limit-sign-in-per-address", "2"]);
    let attempt = json!({ "user": { "email": "who@example.com", "password": "password123" } });
    for _ in 0..2 {
        let reply = app.post("/api/users/login", None, attempt.clone()).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let limited = app.post("/api/users/login", None, attempt).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(limited.body["errors"]["requests"][0].is_string());
    let metrics = app.metrics().await;
    let refused = r#"conduit_requests_refused_total{reason="rate_limited"}"#;
    assert_eq!(sample(metrics.body.as_str().unwrap(), refused), Some(1.0));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_sign_in_limit_counts_every_spelling_of_an_accounts_email_as_that_account(db: PgPool) {
    let app = TestApp::configured(db, &["--rate-limit-sign-in-per-account", "2"]);
    app.register("alexsmith").await;
    let sign_in =
        |email: &str, password: &str| json!({ "user": { "email": email, "password": password } });
    // PostgreSQL's `lower()` finds the account by each of these (U+0130,
    // the dotted capital I, lower-cases to `i`); Rust's `to_lowercase`
    // makes `i` plus a combining dot of it, another key.
    for email in ["alexsmith@example.com", "ALEXSMİTH@example.com"] {
        let reply = app
            .post("/api/users/login", None, sign_in(email, "wrong-guess"))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    }
    let limited = app
        .post(
            "/api/users/login",
            None,
            sign_in("alexsmİth@example.com", "password123"),
        )
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    // Another account has its own allowance.
    app.register("jake").await;
    let other = app
        .post(
            "/api/users/login",
            None,
            sign_in("jake@example.com", "password123"),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.body);
}

#[sqlx::test(migrations = "../migrations")]
async fn writes_are_limited_per_account_whatever_the_address(db: PgPool) {
    let server = ServerProcess::start(
        &database_url(&db, "conduit-write-limits").await,
        &[
            ("TRUSTED_PROXIES", "127.0.0.1/32"),
            ("RATE_LIMIT_WRITES_PER_ACCOUNT", "3"),
        ],
    );
    let remote = Remote::new(&server);
    let jake = remote.register("jake").await;
    let anna = remote.register("anna").await;
    let http = client();
    let publish = |token: &str, address: &str| {
        http.post(server.url("/api/articles"))
            .header("Authorization", format!("Token {token}"))
            .header("X-Forwarded-For", address.to_owned())
            .json(&json!({ "article": { "title": "t", "description": "d", "body": "b" } }))
            .send()
    };
    for i in 0..3 {
        let status = publish(&jake, &format!("203.0.113.{i}"))
            .await
            .unwrap()
            .status();
        assert_eq!(status, 201);
    }
    assert_eq!(publish(&jake, "203.0.113.9").await.unwrap().status(), 429);
    // Reads are not writes, and another account has its own allowance.
    assert_eq!(
        remote.get("/api/user", Some(&jake)).await.status,
        StatusCode::OK
    );
    assert_eq!(publish(&anna, "203.0.113.10").await.unwrap().status(), 201);
}

#[sqlx::test(migrations = "../migrations")]
async fn behind_a_trusted_proxy_each_client_address_and_account_has_its_own_limit(db: PgPool) {
    let server = ServerProcess::start(
        &database_url(&db, "conduit-limits").await,
        &[
            ("TRUSTED_PROXIES", "127.0.0.1/32"),
            ("RATE_LIMIT_SIGN_IN_PER_ADDRESS", "3"),
            ("RATE_LIMIT_SIGN_IN_PER_ACCOUNT", "3"),
        ],
    );
    Remote::new(&server).register("target").await;
    let http = client();
    let login = |address: &str, email: &str| {
        http.post(server.url("/api/users/login"))
            .header("X-Forwarded-For", format!("198.51.100.200, {address}"))
            .json(&json!({ "user": { "email": email, "password": "wrong-guess" } }))
            .send()
    };
    // One account guessed at from many addresses: the account's limit
    // (an email that names no account has none to protect).
    for i in 0..3 {
        let status = login(&format!("203.0.113.{i}"), "target@example.com")
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401);
    }
    let refused = login("203.0.113.50", "target@example.com").await.unwrap();
    assert_eq!(refused.status(), 429);
    // Many accounts from one address: the address's limit. The forged
    // left-most entry is not believed; the proxy's view is.
    for i in 0..3 {
        let status = login("203.0.113.99", &format!("user{i}@example.com"))
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401);
    }
    let refused = login("203.0.113.99", "user9@example.com").await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_client_that_sends_its_headers_too_slowly_is_cut_off(db: PgPool) {
    let server = ServerProcess::start(
        &database_url(&db, "conduit-slowloris").await,
        &[("HEADER_READ_TIMEOUT_SECS", "1")],
    );
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: conduit\r\nX-Slow: ")
        .unwrap();
    // The server closes the connection (with a 408 or without a word)
    // instead of waiting for the rest; without the timeout this read blocks
    // until the test's own timeout.
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let read = slow.read_to_end(&mut answer);
    assert!(read.is_ok(), "the connection was left open: {read:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_statement_stuck_on_a_lock_is_cancelled_and_answered_503(db: PgPool) {
    let server = ServerProcess::start(
        &database_url(&db, "conduit-statement-timeout").await,
        &[("DATABASE_STATEMENT_TIMEOUT_MS", "300")],
    );
    let remote = Remote::new(&server);
    let lock = ArticlesLocked::take(&db).await;
    let reply = remote.get("/api/articles?author=nobody", None).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    assert!(reply.headers.contains_key("retry-after"));
    lock.release().await;
    let reply = remote.get("/api/articles?author=nobody", None).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_request_that_runs_past_its_deadline_is_answered_503(db: PgPool) {
    let server = ServerProcess::start(
        &database_url(&db, "conduit-request-timeout").await,
        &[
            ("REQUEST_TIMEOUT_SECS", "1"),
            ("DATABASE_STATEMENT_TIMEOUT_MS", "30000"),
        ],
    );
    let remote = Remote::new(&server);
    let lock = ArticlesLocked::take(&db).await;
    let reply = remote.get("/api/articles?author=nobody", None).await;
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.body
    );
    lock.release().await;
    let refused = r#"conduit_requests_refused_total{reason="timed_out"}"#;
    assert_eq!(sample(&server.metrics().await, refused), Some(1.0));
}

#[sqlx::test(migrations = "../migrations")]
async fn past_the_concurrency_limit_requests_are_shed_and_probes_still_answer(db: PgPool) {
    let server = ServerProcess::start(
        &database_url(&db, "conduit-shedding").await,
        &[("MAX_IN_FLIGHT", "2")],
    );
    let lock = ArticlesLocked::take(&db).await;
    let held: Vec<_> = (0..2)
        .map(|i| {
            let url = server.url(&format!("/api/articles?author=held{i}"));
            tokio::spawn(async move { client().get(url).send().await.unwrap().status() })
        })
        .collect();
    for _ in 0..200 {
        if waiting_on_locks(&db).await >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        waiting_on_locks(&db).await,
        2,
        "both requests are in flight"
    );

    let remote = Remote::new(&server);
    let shed = remote.get("/api/tags", None).await;
    assert_eq!(shed.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(shed.headers.contains_key("retry-after"));
    assert_eq!(remote.get("/healthz", None).await.status, StatusCode::OK);

    lock.release().await;
    for request in held {
        assert_eq!(request.await.unwrap(), 200);
    }
    assert_eq!(remote.get("/api/tags", None).await.status, StatusCode::OK);
    let metrics = server.metrics().await;
    let shed = r#"conduit_requests_refused_total{reason="shed"}"#;
    assert_eq!(sample(&metrics, shed), Some(1.0), "{metrics}");
    let tags_503 = r#"http_server_request_duration_seconds_count{http_route="/api/tags",http_request_method="GET",http_response_status_code="503"}"#;
    assert_eq!(sample(&metrics, tags_503), Some(1.0), "{metrics}");
}
