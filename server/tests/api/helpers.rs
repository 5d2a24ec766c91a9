use std::time::Duration;

use app::server::auth::Auth;
use app::server::cache::{Cache, CacheSettings};
use app::server::AppState;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use serde_json::{json, Value};
use sqlx::PgPool;
use tower::ServiceExt;

/// The app under test, on its own database.
pub struct TestApp {
    router: Router,
    state: AppState,
}

/// A response: status, headers and the JSON body (`Null` when empty, a
/// string when the body is not JSON, such as a page).
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

/// The secret the test app signs tokens with.
pub const SECRET: &[u8] = b"integration-tests-secret-0123456789";

impl TestApp {
    pub fn new(db: PgPool) -> Self {
        Self::configured(db, |_| {})
    }

    /// An app whose state `adjust` changes first (e.g. an asset origin).
    pub fn configured(db: PgPool, adjust: impl FnOnce(&mut AppState)) -> Self {
        let mut state = AppState {
            leptos_options: LeptosOptions::builder().output_name("conduit").build(),
            db,
            // One hash at a time keeps parallel tests within memory.
            auth: Auth::new(SECRET, Duration::from_secs(3600), 1),
            cache: Cache::new(CacheSettings::default()),
            secure_cookies: false,
            asset_base_url: String::new(),
        };
        adjust(&mut state);
        Self {
            router: server::startup::router(
                state.clone(),
                &server::startup::HttpSettings::default(),
            ),
            state,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let body = body.map(|b| b.to_string());
        self.send_raw(method, path, token, body).await
    }

    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Token {token}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body)),
            None => request.body(Body::empty()),
        }
        .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// The state the router serves, for calling services directly.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The router itself, for requests the helpers do not build.
    pub fn router_for_tests(&self) -> Router {
        self.router.clone()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::DELETE, path, token, None).await
    }

    /// Registers `name` (email `name@example.com`, password `password123`) and returns the token.
    pub async fn register(&self, name: &str) -> String {
        let reply = self
            .post(
                "/api/users",
                None,
                json!({ "user": { "username": name, "email": format!("{name}@example.com"), "password": "password123" } }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["user"]["token"].as_str().unwrap().to_owned()
    }

    /// Publishes an article and returns its slug.
    pub async fn publish(&self, token: &str, title: &str, tags: &[&str]) -> String {
        let reply = self
            .post(
                "/api/articles",
                Some(token),
                json!({ "article": { "title": title, "description": "about it", "body": "# Hello", "tagList": tags } }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["article"]["slug"].as_str().unwrap().to_owned()
    }
}

/// Asserts a Conduit error: status and `{"errors": {key: [message]}}`.
pub fn assert_error(reply: &Reply, status: StatusCode, key: &str, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["errors"][key][0], message, "{}", reply.body);
}
