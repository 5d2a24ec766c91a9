//! Security headers, the Content-Security-Policy and the same-origin check.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{Conduit, TestApp};

#[sqlx::test(migrations = "../migrations")]
async fn a_shared_page_allows_its_own_scripts_by_hash_and_nothing_inline(db: PgPool) {
    let app = TestApp::new(db);
    let page = app.get("/", None).await;
    let policy = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(policy.contains("'sha256-"), "{policy}");
    assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(
        !policy.contains("unsafe-inline") && !policy.contains("'nonce-"),
        "{policy}"
    );
    let html = page.body.as_str().unwrap();
    assert!(!html.contains("nonce="), "no nonce in a shared page");
    assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(
        page.headers[header::REFERRER_POLICY],
        "strict-origin-when-cross-origin"
    );
    assert!(
        page.headers
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none(),
        "not in development"
    );
    // The same bytes, the same tag: the page is the same for everyone.
    let again = TestApp::new(app.pool());
    let other = again.get("/", None).await;
    assert_eq!(page.headers[header::ETAG], other.headers[header::ETAG]);
}

/// The home page as `token`'s browser gets it: its policy and its HTML.
async fn signed_in_home(app: &TestApp, token: &str) -> (String, String) {
    let request = Request::get("/")
        .header(header::COOKIE, format!("conduit_session={token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (policy, String::from_utf8_lossy(&body).into_owned())
}

#[sqlx::test(migrations = "../migrations")]
async fn a_page_rendered_for_one_request_allows_the_scripts_carrying_its_own_nonce(db: PgPool) {
    // With the cache off no page is stored, so each keeps its render's nonce.
    let app = TestApp::configured(db, &["--cache-enabled", "false"]);
    let token = app.register("jake").await;
    let (policy, html) = signed_in_home(&app, &token).await;
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce source")
        .to_owned();
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the scripts carry it"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_readers_stored_page_allows_its_own_scripts_by_hash(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    let (policy, _) = signed_in_home(&app, &token).await;
    assert!(policy.contains("'sha256-"), "{policy}");
    assert!(
        !policy.contains("unsafe-inline") && !policy.contains("'nonce-"),
        "{policy}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn production_pins_https(db: PgPool) {
    let app = TestApp::configured(db, &["--app-env", "production"]);
    let reply = app.get("/api/tags", None).await;
    assert!(reply.headers[header::STRICT_TRANSPORT_SECURITY]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
}

#[sqlx::test(migrations = "../migrations")]
async fn form_posts_are_checked_against_the_public_origin_not_the_host(db: PgPool) {
    let app = TestApp::configured(db, &["--public-origin", "https://conduit.example"]);
    app.register("jake").await;
    let post = |origin: &'static str| {
        let request = Request::post("/rpc/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            // Behind a CDN the server sees its own, internal host.
            .header(header::HOST, "10.0.1.23:8080")
            .header(header::ORIGIN, origin)
            .body(Body::from("email=jake%40example.com&password=password123"))
            .unwrap();
        app.router_for_tests().oneshot(request)
    };
    let ours = post("https://conduit.example").await.unwrap();
    assert_ne!(ours.status(), StatusCode::FORBIDDEN);
    assert!(ours.headers().contains_key(header::SET_COOKIE));
    let theirs = post("https://evil.example").await.unwrap();
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_public_origin_a_form_post_must_come_from_this_very_origin(db: PgPool) {
    let app = TestApp::new(db);
    app.register("jake").await;
    let post = |origin: &'static str| {
        let request = Request::post("/rpc/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "localhost:3000")
            .header(header::ORIGIN, origin)
            .body(Body::from("email=jake%40example.com&password=password123"))
            .unwrap();
        app.router_for_tests().oneshot(request)
    };
    let ours = post("http://localhost:3000").await.unwrap();
    assert!(ours.headers().contains_key(header::SET_COOKIE));
    // Same host, another scheme: another origin.
    for theirs in ["https://localhost:3000", "http://localhost:3001"] {
        let refused = post(theirs).await.unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{theirs}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_request_id_is_ours_whatever_the_client_sends(db: PgPool) {
    let app = TestApp::new(db);
    let request = Request::get("/api/tags")
        .header("x-request-id", "chosen-by-the-client")
        .body(Body::empty())
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "chosen-by-the-client");
    assert_eq!(id.len(), 36, "a UUID: {id}");
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_are_not_served_on_the_public_listener(db: PgPool) {
    let app = TestApp::new(db);
    let public = app.get("/metrics", None).await;
    assert_eq!(public.status, StatusCode::NOT_FOUND);
    let internal = app.metrics().await;
    assert!(internal
        .body
        .as_str()
        .unwrap()
        .contains("conduit_cache_hits_total"));
}
