//! Probes for the load balancer and the orchestrator.

use std::time::Duration;

use app::backend::db::Health;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderName, StatusCode};
use axum::Json;
use serde_json::{json, Value};
use sqlx::PgPool;

/// Longest a readiness check waits for the database: a probe that hangs is
/// as bad as one that fails, and the load balancer times it out anyway.
const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// Probes answer for this instance at this moment: nobody may keep them.
type Uncached<T> = ([(HeaderName, &'static str); 1], T);

fn uncached<T>(answer: T) -> Uncached<T> {
    ([(CACHE_CONTROL, "private, no-store")], answer)
}

/// `GET /healthz`: the process is up and serving. Never touches the database,
/// so a database outage does not make the orchestrator kill healthy instances.
pub async fn live() -> Uncached<Json<Value>> {
    uncached(Json(json!({ "status": "ok" })))
}

/// `GET /readyz`: the database answers and every migration is applied.
/// 503 otherwise (within a second), so the load balancer sends no traffic here.
pub async fn ready(
    State(db): State<PgPool>,
    State(health): State<Health>,
) -> Uncached<(StatusCode, Json<Value>)> {
    uncached(readiness(&db, &health).await)
}

async fn readiness(db: &PgPool, health: &Health) -> (StatusCode, Json<Value>) {
    if !health.is_up() {
        return not_ready("database unreachable");
    }
    match tokio::time::timeout(READY_TIMEOUT, app::backend::db::migrations_applied(db)).await {
        Ok(Ok(true)) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(Ok(false)) => not_ready("migrations pending"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check could not reach the database");
            not_ready("database unreachable")
        }
        Err(_) => not_ready("database too slow"),
    }
}

fn not_ready(reason: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unavailable", "reason": reason })),
    )
}
