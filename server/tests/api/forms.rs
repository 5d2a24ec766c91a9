//! The pages' forms as a browser without JavaScript posts them: to the
//! page's own URL, naming the server function. A failure answers with the
//! same page, its error and what was typed; success with `303 See Other`.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use base64::Engine;
use http_body_util::BodyExt;
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{Conduit, TestApp};

/// What a page answered: status, headers and the HTML.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    html: String,
}

/// Posts `fields` (URL-encoded) to the page at `path`, as a browser does.
async fn post(app: &TestApp, path: &str, fields: &str, session: Option<&str>) -> Answer {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost");
    if let Some(token) = session {
        request = request.header(header::COOKIE, format!("conduit_session={token}"));
    }
    let request = request.body(Body::from(fields.to_owned())).unwrap();
    answer(app, request).await
}

async fn answer(app: &TestApp, request: Request<Body>) -> Answer {
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        html: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_sign_in_answers_with_its_page_keeping_the_email_but_not_the_password(db: PgPool) {
    let app = TestApp::new(db);
    app.register("jake").await;
    let fields = "_action=%2Frpc%2Flogin&redirect=%2Farticle%2Fa&email=jake%40example.com&password=wrong-guess";
    let failed = post(&app, "/login?redirect=%2Farticle%2Fa", fields, None).await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    assert!(
        failed.headers.get(header::LOCATION).is_none(),
        "no redirect"
    );
    assert_eq!(failed.headers[header::CACHE_CONTROL], "private, no-store");
    assert!(failed.html.contains("<title>Sign in — Conduit</title>"));
    assert_eq!(failed.html.matches("class=\"error-messages\"").count(), 1);
    assert!(
        failed.html.contains("credentials invalid"),
        "{}",
        failed.html
    );
    assert!(failed.html.contains("value=\"jake@example.com\""));
    assert!(
        !failed.html.contains("wrong-guess"),
        "the password is typed again"
    );
    assert!(
        failed.html.contains("value=\"/article/a\""),
        "the redirect stays"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_sign_in_form_goes_where_it_was_sent_with_a_session(db: PgPool) {
    let app = TestApp::new(db);
    app.register("jake").await;
    let fields = "_action=%2Frpc%2Flogin&redirect=%2Farticle%2Fa&email=jake%40example.com&password=password123";
    let done = post(&app, "/login?redirect=%2Farticle%2Fa", fields, None).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.headers[header::LOCATION], "/article/a");
    let cookie = done.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("conduit_session="), "{cookie}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_sign_in_page_shows_no_error_that_its_url_carries(db: PgPool) {
    let app = TestApp::new(db);
    let spoof = r#"{"Unprocessable":{"Security notice:":["re-enter your password at https://evil.example/login"]}}"#;
    let err = base64::engine::general_purpose::URL_SAFE.encode(spoof);
    let path = format!("/login?__path=%2Frpc%2Flogin&__err={err}");
    let request = Request::get(&path).body(Body::empty()).unwrap();
    let page = answer(&app, request).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.html.contains("evil.example"), "{}", page.html);
    assert!(!page.html.contains("error-messages"));
    let plain = answer(&app, Request::get("/login").body(Body::empty()).unwrap()).await;
    assert_eq!(
        plain.headers[header::ETAG],
        page.headers[header::ETAG],
        "one entry"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_article_keeps_every_field_in_the_editor(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    let fields = "_action=%2Frpc%2Fsave_article&slug=&title=&description=About+it&body=Long+%2A%2Amarkdown%2A%2A&tags=rust%2Caxum&tag_input=leptos";
    let failed = post(&app, "/editor", fields, Some(&token)).await;
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        failed.html.contains("title can't be blank"),
        "{}",
        failed.html
    );
    assert!(failed.html.contains("value=\"About it\""));
    assert!(failed.html.contains(">Long **markdown**</textarea>"));
    assert!(
        failed.html.contains("value=\"rust,axum,leptos\""),
        "{}",
        failed.html
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_comment_keeps_its_text_on_the_article_page(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Commented", &[]).await;
    let long = "x".repeat(10_001);
    let fields = format!("_action=%2Frpc%2Fadd_comment&slug={slug}&body={long}");
    let failed = post(&app, &format!("/article/{slug}"), &fields, Some(&token)).await;
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(failed.html.matches("class=\"error-messages\"").count(), 1);
    assert!(failed.html.contains(&format!(">{long}</textarea>")));

    let posted = format!("_action=%2Frpc%2Fadd_comment&slug={slug}&body=Fine");
    let done = post(&app, &format!("/article/{slug}"), &posted, Some(&token)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.headers[header::LOCATION], format!("/article/{slug}"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_settings_form_keeps_its_fields_but_the_new_password(db: PgPool) {
    let app = TestApp::new(db);
    let token = app.register("jake").await;
    app.register("anna").await;
    let fields = "_action=%2Frpc%2Fupdate_settings&image=https%3A%2F%2Fimg.example%2Fme.png&username=anna&bio=New+bio&email=jake%40example.com&password=a-new-password";
    let failed = post(&app, "/settings", fields, Some(&token)).await;
    assert_eq!(failed.status, StatusCode::CONFLICT);
    assert!(failed.html.contains("username has already been taken"));
    assert!(failed.html.contains("value=\"anna\""));
    assert!(failed.html.contains(">New bio</textarea>"));
    assert!(failed.html.contains("value=\"https://img.example/me.png\""));
    assert!(!failed.html.contains("a-new-password"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_form_must_name_a_known_action(db: PgPool) {
    let app = TestApp::new(db);
    for fields in [
        "email=a%40b.c",
        "_action=%2Frpc%2Farticles&query=x",
        "_action=%2Fapi%2Fuser",
    ] {
        let refused = post(&app, "/login", fields, None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_form_is_rate_limited_by_what_it_does_not_by_the_page_it_is_on(db: PgPool) {
    let app = TestApp::configured(db, &["--rate-limit-sign-in-per-address", "1"]);
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Limited", &[]).await;
    let sign_in = "_action=%2Frpc%2Flogin&email=who%40example.com&password=password123";
    assert_eq!(
        post(&app, "/login", sign_in, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The same sign-in posted to another page is still a sign-in.
    let limited = post(&app, &format!("/article/{slug}"), sign_in, None).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key("retry-after"));
    assert!(limited.html.contains("error-messages"));
}
