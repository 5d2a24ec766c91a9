//! What the tests stand on: the app in-process ([`TestApp`]), real server
//! processes ([`ServerProcess`], reached through [`Remote`]), and the
//! requests every test makes, written once over both ([`Conduit`]).

mod app;
mod faults;
mod process;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

pub use app::{TestApp, SECRET};
pub use faults::{database_addr, waiting_on_locks, ArticlesLocked, Outage};
pub use process::{
    client, database_url, free_port, time_until, wait_for_port, Remote, ScratchDir, ServerProcess,
};

/// A response: status, headers and the JSON body (`Null` when empty, a
/// string when the body is not JSON, such as a page).
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

/// Something that answers Conduit requests: the router in-process or a
/// server process over HTTP.
pub trait Conduit {
    /// Sends a request, with `Authorization: Token <token>` and a JSON body when given.
    async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Reply;

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.send_raw(method, path, token, body.map(|b| b.to_string()))
            .await
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::POST, path, token, Some(body)).await
    }

    async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::PUT, path, token, Some(body)).await
    }

    async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::DELETE, path, token, None).await
    }

    /// Registers `name` (email `name@example.com`, password `password123`) and returns the token.
    async fn register(&self, name: &str) -> String {
        let user = json!({ "user": {
            "username": name,
            "email": format!("{name}@example.com"),
            "password": "password123",
        }});
        let reply = self.post("/api/users", None, user).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["user"]["token"].as_str().unwrap().to_owned()
    }

    /// Publishes an article whose body is `first version` and returns its slug.
    async fn publish(&self, token: &str, title: &str, tags: &[&str]) -> String {
        let article = json!({ "article": {
            "title": title, "description": "about it", "body": "first version", "tagList": tags,
        }});
        let reply = self.post("/api/articles", Some(token), article).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body["article"]["slug"].as_str().unwrap().to_owned()
    }
}

/// Waits for every spawned task, in order, and returns what each returned.
pub async fn join_all<T>(handles: impl IntoIterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let handles: Vec<_> = handles.into_iter().collect();
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    results
}

/// Runs `statement` with `table`'s change-feed trigger off: a change the
/// instances are never told of, like a notification lost while a listener
/// was away. (The trigger of `articles` is `articles_changed`, and so on.)
pub async fn unannounced(db: &sqlx::PgPool, table: &str, statement: &str) {
    let mut tx = db.begin().await.unwrap();
    for statement in [
        &format!("alter table {table} disable trigger {table}_changed"),
        statement,
        &format!("alter table {table} enable trigger {table}_changed"),
    ] {
        sqlx::query(statement).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// The value of the sample `series` (a name and its labels as the metrics
/// listener writes them, `name{label="value"}`) in an OpenMetrics text;
/// `None` when it holds no such sample.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// Reads a response body: JSON when it parses, else the text.
pub fn body_value(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into()))
    }
}

/// Asserts a Conduit error: status and `{"errors": {key: [message]}}`.
pub fn assert_error(reply: &Reply, status: StatusCode, key: &str, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["errors"][key][0], message, "{}", reply.body);
}
