//! Comments on articles.

use super::articles;
use super::auth::UserId;
use super::AppState;
use crate::error::AppError;
use crate::models::{Checks, Comment, CommentBody, NewComment, Profile};

/// Spec: `GET /api/articles/:slug/comments`, oldest first; 404 for an unknown article.
pub async fn list(
    state: &AppState,
    viewer: Option<UserId>,
    slug: &str,
) -> Result<Vec<Comment>, AppError> {
    let article_id = articles::id_of(state, slug).await?;
    let rows = sqlx::query!(
        r#"select c.id, c.created_at, c.updated_at, c.body,
                  u.username, u.bio, u.image,
                  exists(select 1 from follows f
                         where f.follower_id = $2 and f.followed_id = u.id) as "following!"
           from comments c join users u on u.id = c.author_id
           where c.article_id = $1
           order by c.id"#,
        article_id,
        viewer.map(|v| v.0),
    )
    .fetch_all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Comment {
            id: r.id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            body: r.body,
            author: Profile {
                username: r.username,
                bio: r.bio,
                image: r.image,
                following: r.following,
            },
        })
        .collect())
}

/// Spec: `POST /api/articles/:slug/comments`, 201. 404 comes before 422,
/// so `input` is looked at only once the article is found.
pub async fn add(
    state: &AppState,
    author: UserId,
    slug: &str,
    input: Result<NewComment, AppError>,
) -> Result<Comment, AppError> {
    let article_id = articles::id_of(state, slug).await?;
    let input = input?;
    let mut checks = Checks::default();
    let Some(body) = checks.field("body", CommentBody::parse(input.body.as_deref())) else {
        return Err(checks.finish().unwrap_err());
    };
    let row = sqlx::query!(
        r#"with inserted as (
               insert into comments (article_id, author_id, body) values ($1, $2, $3)
               returning id, created_at, updated_at, body, author_id
           )
           select i.id, i.created_at, i.updated_at, i.body, u.username, u.bio, u.image
           from inserted i join users u on u.id = i.author_id"#,
        article_id,
        author.0,
        body.as_str(),
    )
    .fetch_one(&state.db)
    .await?;
    Ok(Comment {
        id: row.id,
        created_at: row.created_at,
        updated_at: row.updated_at,
        body: row.body,
        // One cannot follow oneself, so the author's own view is never "following".
        author: Profile {
            username: row.username,
            bio: row.bio,
            image: row.image,
            following: false,
        },
    })
}

/// Spec: `DELETE /api/articles/:slug/comments/:id`, comment author only; 204.
/// Unknown article: 404 `article`; unknown id or a comment of another article: 404 `comment`.
pub async fn delete(state: &AppState, user: UserId, slug: &str, id: i64) -> Result<(), AppError> {
    let article_id = articles::id_of(state, slug).await?;
    let author = sqlx::query_scalar!(
        "select author_id from comments where id = $1 and article_id = $2",
        id,
        article_id
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(|| AppError::not_found("comment"))?;
    if author != user.0 {
        return Err(AppError::forbidden("comment"));
    }
    sqlx::query!("delete from comments where id = $1", id)
        .execute(&state.db)
        .await?;
    Ok(())
}
