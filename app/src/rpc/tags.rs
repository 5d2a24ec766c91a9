use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;

/// The "Popular Tags" sidebar: the most used tags and the most recently used.
#[server(prefix = "/rpc", endpoint = "tags", input = GetUrl)]
pub async fn list_tags() -> Result<Vec<String>, AppError> {
    super::call(|state| async move {
        crate::backend::tags::sidebar(&state)
            .await
            .map(std::sync::Arc::unwrap_or_clone)
    })
    .await
}
