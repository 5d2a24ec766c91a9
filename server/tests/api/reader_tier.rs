//! The reader tier: answers rendered for one signed-in reader are kept for
//! that reader alone, never reach anyone else, and drop when the reader
//! writes, signs out, or someone changes what they show.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{Conduit, TestApp};

/// A page as a browser signed in with `token` asks for it.
async fn page(app: &TestApp, path: &str, token: &str) -> (StatusCode, String) {
    let request = Request::get(path)
        .header(header::COOKIE, format!("conduit_session={token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    let status = response.status();
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "private, no-store"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[sqlx::test(migrations = "../migrations")]
async fn a_readers_page_is_kept_for_them_and_never_served_to_another(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&anna, "Favorited by Jake", &[]).await;
    let favorite = format!("/api/articles/{slug}/favorite");
    assert_eq!(
        app.post(&favorite, Some(&jake), json!({})).await.status,
        StatusCode::OK
    );

    let (_, first) = page(&app, "/", &jake).await;
    let before = app.tier_stats("readers").await;
    let (_, again) = page(&app, "/", &jake).await;
    let after = app.tier_stats("readers").await;
    assert_eq!(after.hits, before.hits + 1, "the second read is a hit");
    assert_eq!(first, again);
    assert!(first.contains(r#"href="/profile/jake""#), "jake's navbar");

    let (_, annas) = page(&app, "/", &anna).await;
    assert!(annas.contains(r#"href="/profile/anna""#), "anna's navbar");
    assert!(
        !annas.contains(r#"href="/profile/jake""#),
        "nothing of jake's"
    );

    // The API: jake's list says he favorited it, anna's does not.
    for _ in 0..2 {
        let mine = app.get("/api/articles", Some(&jake)).await;
        assert_eq!(mine.body["articles"][0]["favorited"], true);
        let theirs = app.get("/api/articles", Some(&anna)).await;
        assert_eq!(theirs.body["articles"][0]["favorited"], false);
    }
    // Anonymous visitors get the shared answer, not a reader's.
    let anonymous = app.get("/api/articles", None).await;
    assert_eq!(anonymous.body["articles"][0]["favorited"], false);
    assert_eq!(
        anonymous.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .split(',')
            .next(),
        Some("public")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_readers_own_write_drops_what_was_rendered_for_them(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    app.register("anna").await;
    let profile = app.get("/api/profiles/anna", Some(&jake)).await;
    assert_eq!(profile.body["profile"]["following"], false);
    let (_, page_before) = page(&app, "/profile/anna", &jake).await;
    assert!(page_before.contains("Follow anna"), "{page_before}");

    let follow = app
        .post("/api/profiles/anna/follow", Some(&jake), json!({}))
        .await;
    assert_eq!(follow.status, StatusCode::OK);

    let profile = app.get("/api/profiles/anna", Some(&jake)).await;
    assert_eq!(profile.body["profile"]["following"], true);
    let (_, page_after) = page(&app, "/profile/anna", &jake).await;
    assert!(page_after.contains("Unfollow anna"), "{page_after}");
}

#[sqlx::test(migrations = "../migrations")]
async fn another_readers_change_drops_what_shows_it(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let slug = app.publish(&anna, "Counted", &[]).await;
    let path = format!("/api/articles/{slug}");
    assert_eq!(
        app.get(&path, Some(&jake)).await.body["article"]["favoritesCount"],
        0
    );

    let favorite = format!("{path}/favorite");
    assert_eq!(
        app.post(&favorite, Some(&anna), json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&path, Some(&jake)).await.body["article"]["favoritesCount"],
        1
    );

    let comment = json!({ "comment": { "body": "Seen by Jake" } });
    let comments = format!("{path}/comments");
    assert_eq!(
        app.get(&comments, Some(&jake)).await.body["comments"],
        json!([])
    );
    let added = app.post(&comments, Some(&anna), comment).await;
    assert!(added.status.is_success(), "{}", added.body);
    assert_eq!(
        app.get(&comments, Some(&jake)).await.body["comments"][0]["body"],
        "Seen by Jake"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_signed_out_token_never_reaches_a_stored_answer(db: PgPool) {
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    for _ in 0..2 {
        assert_eq!(
            app.get("/api/articles", Some(&jake)).await.status,
            StatusCode::OK
        );
    }
    let (_, signed_in) = page(&app, "/", &jake).await;
    assert!(signed_in.contains(r#"href="/profile/jake""#));

    let out = app.delete("/api/user/sessions", Some(&jake)).await;
    assert!(out.status.is_success(), "{}", out.body);

    assert_eq!(
        app.get("/api/articles", Some(&jake)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The page treats a revoked cookie as no session: the anonymous page.
    let (status, after) = page(&app, "/", &jake).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!after.contains(r#"href="/profile/jake""#), "signed out");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_request_with_two_credentials_is_kept_for_the_one_its_route_reads(db: PgPool) {
    // The API reads the token, pages the cookie; a browser may send both.
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let send = |path: &'static str, cookie: Option<&str>| {
        let mut request = Request::get(path).header(header::AUTHORIZATION, format!("Token {jake}"));
        if let Some(token) = cookie {
            request = request.header(header::COOKIE, format!("conduit_session={token}"));
        }
        app.router_for_tests()
            .oneshot(request.body(Body::empty()).unwrap())
    };
    let before = app.tier_stats("readers").await;
    assert_eq!(
        send("/api/articles", Some(&anna)).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        send("/api/articles", None).await.unwrap().status(),
        StatusCode::OK
    );
    let after = app.tier_stats("readers").await;
    assert_eq!(
        (after.loads, after.hits),
        (before.loads + 1, before.hits + 1),
        "one entry, the token's user's"
    );
    let (_, annas_page) = page(&app, "/", &anna).await;
    let both = send("/", Some(&anna)).await.unwrap();
    let body = both.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(
        String::from_utf8_lossy(&body),
        annas_page,
        "the cookie's reader"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_write_drops_what_was_rendered_for_its_writer_alone(db: PgPool) {
    // A browser may call the API with a token while it holds a session
    // cookie: the follow is made as the token's user (jake), and only what
    // was rendered for jake shows it; the cookie's reader (anna) keeps hers.
    let app = TestApp::new(db);
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    app.register("lena").await;
    let (_, jakes_before) = page(&app, "/profile/lena", &jake).await;
    assert!(jakes_before.contains("Follow lena"), "{jakes_before}");
    let (_, annas_before) = page(&app, "/profile/lena", &anna).await;
    let stored = app.tier_stats("readers").await;

    let request = Request::post("/api/profiles/lena/follow")
        .header(header::AUTHORIZATION, format!("Token {jake}"))
        .header(header::COOKIE, format!("conduit_session={anna}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let response = app.router_for_tests().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let (_, jakes_after) = page(&app, "/profile/lena", &jake).await;
    assert!(jakes_after.contains("Unfollow lena"), "{jakes_after}");
    let (_, annas_after) = page(&app, "/profile/lena", &anna).await;
    assert_eq!(annas_after, annas_before, "anna follows no one");
    assert_eq!(
        app.tier_stats("readers").await.loads,
        stored.loads + 1,
        "only jake's page was rendered again"
    );
}
