//! The web UI's side of the HTTP surface: session cookies, the cross-site
//! check on form posts, and page status codes.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{Conduit, TestApp};

/// A plain HTML form post, as a browser without JavaScript sends it.
fn form_post(path: &str) -> axum::http::request::Builder {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::HOST, "localhost")
        .header(header::REFERER, format!("http://localhost{path}"))
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_in_with_a_form_sets_an_http_only_session_cookie(db: PgPool) {
    let app = TestApp::new(db);
    app.register("jake").await;
    let body = "email=jake%40example.com&password=password123";
    let request = form_post("/rpc/login")
        .header(header::ORIGIN, "http://localhost")
        .body(Body::from(body))
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(response.headers()[header::LOCATION], "/");
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("conduit_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_in_never_redirects_to_another_site(db: PgPool) {
    let app = TestApp::new(db);
    app.register("jake").await;
    // Browsers drop tabs and newlines from a Location (`/<tab>/evil.example`
    // is `//evil.example`); a control character cannot be a header at all.
    for redirect in ["%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%01"] {
        let body = format!("email=jake%40example.com&password=password123&redirect={redirect}");
        let request = form_post("/rpc/login")
            .header(header::ORIGIN, "http://localhost")
            .body(Body::from(body))
            .unwrap();
        let response = app.router_for_tests().oneshot(request).await.unwrap();
        assert!(
            response.status().is_redirection(),
            "{redirect}: {}",
            response.status()
        );
        assert_eq!(response.headers()[header::LOCATION], "/", "{redirect}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_server_function_refuses_a_body_larger_than_any_form(db: PgPool) {
    let app = TestApp::new(db);
    let body = format!("email=jake%40example.com&password={}", "x".repeat(3 << 20));
    let request = form_post("/rpc/login")
        .header(header::ORIGIN, "http://localhost")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_server_function_call_missing_an_argument_is_a_422_not_a_500(db: PgPool) {
    let app = TestApp::new(db);
    let request = Request::post("/rpc/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("email=jake%40example.com"))
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrations = "../migrations")]
async fn form_posts_from_other_sites_are_rejected(db: PgPool) {
    let app = TestApp::new(db);
    app.register("jake").await;
    let body = "email=jake%40example.com&password=password123";
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let request = Request::post("/rpc/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "localhost")
            .header(name, value)
            .body(Body::from(body))
            .unwrap();
        let response = app.router_for_tests().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}");
        assert!(response.headers().get(header::SET_COOKIE).is_none());
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_sign_in_from_script_is_a_401_not_a_500(db: PgPool) {
    let app = TestApp::new(db);
    let request = Request::post("/rpc/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            "email=nobody%40example.com&password=password123",
        ))
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_render_on_the_server_and_unknown_ones_are_404(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Rendered", &["ssr"]).await;

    let page = app.get(&format!("/article/{slug}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body.as_str().unwrap();
    assert!(
        html.contains("<h1>Rendered<"),
        "the article is in the HTML itself"
    );
    assert!(html.contains("<title>Rendered — Conduit</title>"));

    for path in ["/article/nope", "/profile/nobody", "/no/such/page"] {
        assert_eq!(
            app.get(path, None).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_for_signed_in_readers_redirect_signed_out_visitors_to_sign_in(db: PgPool) {
    let app = TestApp::new(db);
    // Twice each: a redirect is never stored and handed to the next visitor
    // as a page. Without an `Accept` header too: crawlers and scripts get
    // the same answer as browsers.
    for path in ["/editor", "/settings", "/?feed=following"] {
        for _ in 0..2 {
            let page = app.get(path, None).await;
            assert_eq!(page.status, StatusCode::FOUND, "{path}");
            assert_eq!(page.headers[header::LOCATION], "/login", "{path}");
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_load_their_assets_from_the_configured_cdn(db: PgPool) {
    let app = TestApp::configured(db, &["--asset-base-url", "https://assets.example.com"]);
    let page = app.get("/", None).await;
    let html = page.body.as_str().unwrap();
    // The stylesheet, the WASM's preload and the loader's import.
    let cdn = "https://assets.example.com/pkg/conduit";
    let mut kinds: Vec<&str> = html
        .match_indices(cdn)
        .filter_map(|(at, _)| html[at..].split('"').next()?.rsplit('.').next())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds, ["css", "js", "wasm"], "{html}");
}
