//! Probes for the load balancer and the orchestrator, kept apart: a
//! database outage must make neither replace a healthy instance.

use app::web::AppState;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderName, StatusCode};
use axum::Json;
use serde_json::{json, Value};

/// Probes answer for this instance at this moment: nobody may keep them.
type Uncached<T> = ([(HeaderName, &'static str); 1], T);

fn uncached<T>(answer: T) -> Uncached<T> {
    ([(CACHE_CONTROL, "private, no-store")], answer)
}

/// `GET /healthz`, liveness: the process is up and serving. Never touches
/// the database. The container's health check (`server healthcheck`) asks
/// this one: an orchestrator replaces an instance that fails it.
pub async fn live() -> Uncached<Json<Value>> {
    uncached(Json(json!({ "status": "ok" })))
}

/// `GET /readyz`, readiness, for the load balancer: this instance can
/// serve what it has. 503 until the schema is known to be this build's
/// (start-up waits for the database and migrates it); 200 from then on,
/// also while the database is away: an instance with a warm cache answers
/// reads from it (stale if need be) and fails writes fast with 503, which
/// beats taking every instance out of rotation at once. The body says what
/// the database and the replica are doing, for people. Never waits on the
/// database.
pub async fn ready(State(state): State<AppState>) -> Uncached<(StatusCode, Json<Value>)> {
    let db = &state.db;
    if !db.schema_ready() {
        return uncached((
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": "waiting for the database" })),
        ));
    }
    let database = if db.health().is_up() {
        "up"
    } else {
        "unreachable"
    };
    let mut body = json!({ "status": "ready", "database": database });
    if let Some(replica) = db.replica_status() {
        body["replica"] = json!(if replica.in_rotation {
            "in rotation"
        } else {
            "out of rotation"
        });
    }
    uncached((StatusCode::OK, Json(body)))
}
