use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;

/// Every tag in use, for the "Popular Tags" sidebar.
/// A GET so that a CDN may cache it; spec: `GET /api/tags` returns the same list.
#[server(prefix = "/rpc", endpoint = "tags", input = GetUrl)]
pub async fn list_tags() -> Result<Vec<String>, AppError> {
    let state = expect_context::<crate::server::AppState>();
    crate::server::tags::all(&state.db).await
}
