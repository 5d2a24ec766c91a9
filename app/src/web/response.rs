//! An error as an HTTP answer: its status, the Conduit error body and, for
//! 429 and 503, `Retry-After`.

use crate::error::AppError;

impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.status_code())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "errors": self.field_errors() }).to_string();
        let content_type = (
            axum::http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        );
        let mut response = (status, [content_type], body).into_response();
        if let Some(secs) = self.retry_after() {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}
