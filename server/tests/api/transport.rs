use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;
use tower::ServiceExt;

use crate::support::{assert_error, Conduit, TestApp};

#[sqlx::test(migrations = "../migrations")]
async fn browsers_on_other_origins_may_call_the_api(db: PgPool) {
    let app = TestApp::new(db);
    let preflight = Request::builder()
        .method("OPTIONS")
        .uri("/api/articles")
        .header("origin", "https://spa.example.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .body(Body::empty())
        .unwrap();
    let reply = app.router_for_tests().oneshot(preflight).await.unwrap();
    assert!(reply.status().is_success());
    assert_eq!(reply.headers()["access-control-allow-origin"], "*");
    let methods = reply.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("POST") && methods.contains("DELETE"));
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_api_routes_are_404_in_json(db: PgPool) {
    let app = TestApp::new(db);
    assert_error(
        &app.get("/api/nothing-here", None).await,
        StatusCode::NOT_FOUND,
        "route",
        "not found",
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_expired_token_is_401_has_expired(db: PgPool) {
    let app = TestApp::new(db);
    app.register("jake").await;
    let short_lived =
        app::backend::tokens::Tokens::new(crate::support::SECRET, std::time::Duration::ZERO);
    let grant = app::backend::tokens::Grant::new_session(app::backend::tokens::UserId(1), 0);
    let token = short_lived.issue(&grant).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_error(
        &app.get("/api/user", Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        "token",
        "has expired",
    );
}
