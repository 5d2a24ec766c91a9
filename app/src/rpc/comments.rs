use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::models::CommentWindow;

/// A window of an article's comments, oldest first: the first, or the one
/// after comment `after`.
#[server(prefix = "/rpc", endpoint = "comments", input = GetUrl)]
pub async fn list_comments(slug: String, after: Option<i64>) -> Result<CommentWindow, AppError> {
    super::call(|state| async move {
        use crate::backend::comments;
        use crate::models::CommentQuery;
        use crate::web::cookie;
        let query = CommentQuery {
            after,
            limit: CommentQuery::PAGE,
        };
        comments::list(&state, cookie::viewer(&state).await?, &slug, query).await
    })
    .await
}

/// Comment on an article.
#[server(prefix = "/rpc", endpoint = "add_comment")]
pub async fn add_comment(slug: String, body: String) -> Result<super::Done, AppError> {
    super::call(|state| async move {
        use crate::backend::comments;
        use crate::models::NewComment;
        use crate::web::cookie;
        let caller = cookie::writer(&state).await?;
        let input = NewComment { body: Some(body) };
        comments::add(&state, caller.user, &slug, Ok(input)).await?;
        Ok(super::Done::stay())
    })
    .await
}

/// Delete one's own comment.
#[server(prefix = "/rpc", endpoint = "delete_comment")]
pub async fn delete_comment(slug: String, id: i64) -> Result<super::Done, AppError> {
    super::call(|state| async move {
        use crate::backend::comments;
        use crate::web::cookie;
        let caller = cookie::writer(&state).await?;
        comments::delete(&state, caller.user, &slug, id).await?;
        Ok(super::Done::stay())
    })
    .await
}
