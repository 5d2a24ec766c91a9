//! Comments on articles. An article's comments are cached as every reader
//! sees them; whether the viewer follows each author is added per request.

use std::sync::Arc;

use super::articles;
use super::auth::UserId;
use super::cache::{Change, Weigh};
use super::AppState;
use crate::error::AppError;
use crate::models::{Checks, Comment, CommentBody, NewComment, Profile};

/// A comment with `following` left false, and its author's id.
#[derive(Clone, Debug)]
pub struct SharedComment {
    pub author_id: i64,
    pub comment: Comment,
}

impl Weigh for SharedComment {
    fn weigh(&self) -> usize {
        let c = &self.comment;
        // Ids, timestamps and the body's header besides the texts.
        c.body.len() + c.author.weigh() + 64
    }
}

/// Spec: `GET /api/articles/:slug/comments`, oldest first; 404 for an unknown article.
pub async fn list(
    state: &AppState,
    viewer: Option<UserId>,
    slug: &str,
) -> Result<Vec<Comment>, AppError> {
    let article_id = articles::shared_by_slug(state, slug).await?.id;
    let shared = state
        .cache
        .comments()
        .get_or_load(article_id, load(state, article_id))
        .await?;
    let mut comments: Vec<Comment> = shared.iter().map(|s| s.comment.clone()).collect();
    if let (Some(viewer), false) = (viewer, shared.is_empty()) {
        let authors: Vec<i64> = shared.iter().map(|s| s.author_id).collect();
        let followed = sqlx::query_scalar!(
            r#"select array(select followed_id from follows
                            where follower_id = $1 and followed_id = any($2)) as "followed!""#,
            viewer.0,
            &authors,
        )
        .fetch_one(&state.db)
        .await?;
        for (comment, shared) in comments.iter_mut().zip(shared.iter()) {
            comment.author.following = followed.contains(&shared.author_id);
        }
    }
    Ok(comments)
}

async fn load(state: &AppState, article_id: i64) -> Result<Arc<Vec<SharedComment>>, AppError> {
    let rows = sqlx::query!(
        r#"select c.id, c.author_id, c.created_at, c.updated_at, c.body,
                  u.username, u.bio, u.image
           from comments c join users u on u.id = c.author_id
           where c.article_id = $1
           order by c.id"#,
        article_id,
    )
    .fetch_all(&state.db)
    .await?;
    let comments = rows
        .into_iter()
        .map(|r| SharedComment {
            author_id: r.author_id,
            comment: Comment {
                id: r.id,
                created_at: r.created_at,
                updated_at: r.updated_at,
                body: r.body,
                author: Profile {
                    username: r.username,
                    bio: r.bio,
                    image: r.image,
                    following: false,
                },
            },
        })
        .collect();
    Ok(Arc::new(comments))
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
    state
        .cache
        .publish(&state.db, Change::Comments { article_id })
        .await;
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
    state
        .cache
        .publish(&state.db, Change::Comments { article_id })
        .await;
    Ok(())
}
