//! Traces as a collector receives them, and the slow statements' log: a
//! real server process exporting over OTLP/HTTP (JSON) to a minimal
//! receiver this test runs.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use sqlx::PgPool;

use crate::support::{
    database_url, waiting_on_locks, ArticlesLocked, Conduit, Remote, ServerProcess,
};

/// What an OTLP collector was sent: each export's body.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Value>>>);

impl Received {
    /// Every span received so far, with its resource's attributes beside it.
    fn spans(&self) -> Vec<Value> {
        let exports = self.0.lock().unwrap();
        exports
            .iter()
            .flat_map(|export| {
                export["resourceSpans"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .flat_map(|resource| {
                let service = attribute(&resource["resource"], "service.name");
                resource["scopeSpans"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(|scope| scope["spans"].as_array().cloned().unwrap_or_default())
                    .map(move |mut span| {
                        span["service"] = service.clone();
                        span
                    })
            })
            .collect()
    }

    fn text(&self) -> String {
        serde_json::to_string(&*self.0.lock().unwrap()).unwrap()
    }
}

/// An OTLP attribute's value (`stringValue`, `intValue`...), as JSON.
fn attribute(item: &Value, key: &str) -> Value {
    item["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|attribute| attribute["key"] == key)
        .and_then(|attribute| attribute["value"].as_object())
        .and_then(|value| value.values().next().cloned())
        .unwrap_or(Value::Null)
}

/// A minimal OTLP/HTTP receiver of traces in JSON, on a free port.
async fn collector() -> (String, Received) {
    async fn export(State(received): State<Received>, body: axum::body::Bytes) -> Json<Value> {
        let body = serde_json::from_slice(&body)
            .unwrap_or_else(|error| json!({"unreadable": error.to_string(), "body": String::from_utf8_lossy(&body)}));
        received.0.lock().unwrap().push(body);
        Json(json!({}))
    }
    let received = Received::default();
    let app = Router::new()
        .route("/v1/traces", post(export))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_requests_trace_arrives_with_its_route_its_reader_and_its_statements(db: PgPool) {
    let (endpoint, received) = collector().await;
    let server = ServerProcess::start(
        &database_url(&db, "conduit-traces").await,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    let remote = Remote::new(&server);
    let token = remote.register("jake").await;
    let slug = remote.publish(&token, "Traced", &[]).await;
    let jake: i64 = sqlx::query_scalar("select id from users where username = 'jake'")
        .fetch_one(&db)
        .await
        .unwrap();
    let reply = remote
        .get(&format!("/api/articles/{slug}"), Some(&token))
        .await;
    assert_eq!(reply.status, 200);

    let name = "GET /api/articles/{slug}";
    let deadline = Instant::now() + Duration::from_secs(30);
    let (request, spans) = loop {
        let spans = received.spans();
        if let Some(request) = spans.iter().find(|span| span["name"] == name).cloned() {
            let trace = request["traceId"].clone();
            let in_trace: Vec<Value> = spans
                .into_iter()
                .filter(|span| span["traceId"] == trace)
                .collect();
            if in_trace
                .iter()
                .any(|span| span["name"] == "select articles")
            {
                break (request, in_trace);
            }
        }
        assert!(
            Instant::now() < deadline,
            "no trace of {name}: {}",
            received.text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(request["service"], "conduit");
    assert_eq!(request["kind"], 2, "a server span: {request}");
    assert_eq!(attribute(&request, "http.route"), "/api/articles/{slug}");
    assert_eq!(attribute(&request, "http.request.method"), "GET");
    assert_eq!(attribute(&request, "http.response.status_code"), "200");
    assert_eq!(attribute(&request, "enduser.id"), jake.to_string());
    assert!(attribute(&request, "request_id").as_str().unwrap().len() == 36);

    // The statements are the request's descendants, through the service call.
    let by_id = |id: &Value| spans.iter().find(|span| &span["spanId"] == id);
    let statement = spans
        .iter()
        .find(|span| span["name"] == "select articles")
        .unwrap();
    assert_eq!(statement["kind"], 3, "a client span: {statement}");
    assert_eq!(attribute(statement, "db.system.name"), "postgresql");
    assert!(attribute(statement, "db.query.text")
        .as_str()
        .unwrap()
        .contains("from articles"));
    assert!(!attribute(statement, "code.function.name").is_null());
    let mut ancestor = statement.clone();
    let mut depth = 0;
    while ancestor["spanId"] != request["spanId"] {
        ancestor = by_id(&ancestor["parentSpanId"])
            .unwrap_or_else(|| panic!("{statement} is not under {request}"))
            .clone();
        depth += 1;
    }
    assert!(depth >= 2, "a service call's span between: {spans:?}");

    // No credential and no e-mail in anything exported.
    let everything = received.text();
    assert!(!everything.contains(&token));
    assert!(!everything.contains("jake@example.com"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_statement_over_the_threshold_is_logged_once_with_its_duration(db: PgPool) {
    let server = ServerProcess::start(
        &database_url(&db, "conduit-slow").await,
        &[
            ("DATABASE_SLOW_STATEMENT_MS", "200"),
            ("LOG_FORMAT", "json"),
        ],
    );
    let remote = Remote::new(&server);
    let lock = ArticlesLocked::take(&db).await;
    let waiting = tokio::spawn({
        let remote = Remote::new(&server);
        async move { remote.get("/api/articles?author=nobody", None).await.status }
    });
    // Once the read waits on the lock, it is held past the threshold.
    let deadline = Instant::now() + Duration::from_secs(10);
    while waiting_on_locks(&db).await < 1 {
        assert!(Instant::now() < deadline, "the read never reached the lock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    lock.release().await;
    assert_eq!(waiting.await.unwrap(), 200);
    assert_eq!(remote.get("/api/tags", None).await.status, 200);

    let deadline = Instant::now() + Duration::from_secs(10);
    let slow_lines = || -> Vec<Value> {
        server
            .log()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| {
                line["message"]
                    .as_str()
                    .is_some_and(|message| message.starts_with("slow statement"))
            })
            .collect()
    };
    while slow_lines().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Time for a second line, were the statement logged twice.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let slow = slow_lines();
    assert_eq!(slow.len(), 1, "{}", server.log());
    let line = &slow[0];
    assert!(
        line["db.statement"]
            .as_str()
            .unwrap()
            .contains("from articles"),
        "{line}"
    );
    assert!(line["elapsed_secs"].as_f64().unwrap() >= 0.2, "{line}");
    assert!(line["span"]["name"].is_string(), "the service call: {line}");
}
