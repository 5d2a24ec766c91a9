//! Probes for the load balancer and the orchestrator.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use sqlx::PgPool;

/// `GET /healthz`: the process is up and serving. Never touches the database,
/// so a database outage does not make the orchestrator kill healthy instances.
pub async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers and every migration is applied.
/// 503 otherwise, so the load balancer sends no traffic here.
pub async fn ready(State(db): State<PgPool>) -> (StatusCode, Json<Value>) {
    match app::backend::db::migrations_applied(&db).await {
        Ok(true) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Ok(false) => not_ready("migrations pending"),
        Err(error) => {
            tracing::warn!(%error, "readiness check could not reach the database");
            not_ready("database unreachable")
        }
    }
}

fn not_ready(reason: &str) -> (StatusCode, Json<Value>) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unavailable", "reason": reason })),
    )
}
