use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;

/// Every tag in use, for the "Popular Tags" sidebar.
/// Spec: `GET /api/tags` returns the same list.
#[server(prefix = "/rpc", endpoint = "tags", input = GetUrl)]
pub async fn list_tags() -> Result<Vec<String>, AppError> {
    super::call(|state| async move {
        crate::backend::tags::all(&state)
            .await
            .map(std::sync::Arc::unwrap_or_clone)
    })
    .await
}
