//! Comments on articles. An article's comments are cached as every reader
//! sees them; whether the viewer follows each author is added per request.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::articles;
use super::cache::{Change, SharedComment};
use super::personal::Personal;
use super::tokens::UserId;
use super::Services;
use crate::error::AppError;
use crate::models::{
    Checks, Comment, CommentBody, CommentQuery, CommentWindow, NewComment, Profile,
};

/// A comment with its author, as the queries here select it.
struct CommentRow {
    id: i64,
    author_id: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    body: String,
    username: String,
    bio: Option<String>,
    image: Option<String>,
}

impl CommentRow {
    fn into_shared(self) -> SharedComment {
        SharedComment {
            author_id: self.author_id,
            comment: Comment {
                id: self.id,
                created_at: self.created_at,
                updated_at: self.updated_at,
                body: self.body,
                author: Profile::public(self.username, self.bio, self.image),
            },
        }
    }
}

/// Spec: `GET /api/articles/:slug/comments`, oldest first; 404 for an
/// unknown article. One window at a time (keyset paging on the comment id):
/// an article with a thousand comments costs what one with fifty does.
#[tracing::instrument(skip(state, viewer))]
pub async fn list(
    state: &Services,
    viewer: Option<UserId>,
    slug: &str,
    query: CommentQuery,
) -> Result<CommentWindow, AppError> {
    let article_id = articles::shared_by_slug(state, slug).await?.id;
    // One more than asked for tells whether there is a next window.
    let shared = match query.after {
        None => {
            let first = load(state, article_id, None, CommentQuery::MAX_LIMIT + 1);
            state
                .cache
                .comments()
                .get_or_load(article_id, first)
                .await?
        }
        Some(after) => load(state, article_id, Some(after), query.limit + 1).await?,
    };
    let shown = &shared[..shared.len().min(usize::try_from(query.limit).unwrap_or(0))];
    let next_after = (shared.len() > shown.len())
        .then(|| shown.last().map(|s| s.comment.id))
        .flatten();
    let authors: Vec<i64> = shown.iter().map(|s| s.author_id).collect();
    let personal = Personal::load(state, viewer, &[], &authors).await?;
    let comments = shown
        .iter()
        .map(|s| {
            let mut comment = s.comment.clone();
            comment.author.following = personal.follows(s.author_id);
            comment
        })
        .collect();
    Ok(CommentWindow {
        comments,
        next_after,
    })
}

async fn load(
    state: &Services,
    article_id: i64,
    after: Option<i64>,
    limit: i64,
) -> Result<Arc<Vec<SharedComment>>, AppError> {
    let rows = sqlx::query_as!(
        CommentRow,
        r#"select c.id, c.author_id, c.created_at, c.updated_at, c.body,
                  u.username, u.bio, u.image
           from comments c join users u on u.id = c.author_id
           where c.article_id = $1 and ($2::bigint is null or c.id > $2)
           order by c.id
           limit $3"#,
        article_id,
        after,
        limit,
    )
    .fetch_all(state.reads()?)
    .await?;
    Ok(Arc::new(
        rows.into_iter().map(CommentRow::into_shared).collect(),
    ))
}

/// Spec: `POST /api/articles/:slug/comments`, 201. 404 comes before 422,
/// so `input` is looked at only once the article is found.
#[tracing::instrument(skip(state, input))]
pub async fn add(
    state: &Services,
    author: UserId,
    slug: &str,
    input: Result<NewComment, AppError>,
) -> Result<Comment, AppError> {
    let article_id = articles::id_of(state, slug).await?;
    let input = input?;
    let mut checks = Checks::default();
    let Some(body) = checks.field("body", CommentBody::parse(input.body.as_deref())) else {
        return Err(checks.rejection());
    };
    let row = sqlx::query_as!(
        CommentRow,
        // The article's row is locked as a foreign key would: a deletion
        // waits for this insert, or this insert finds the article gone.
        r#"with inserted as (
               insert into comments (article_id, author_id, body)
               select a.id, $2, $3 from articles a where a.id = $1 for key share
               returning id, author_id, created_at, updated_at, body
           )
           select i.id, i.author_id, i.created_at, i.updated_at, i.body,
                  u.username, u.bio, u.image
           from inserted i join users u on u.id = i.author_id"#,
        article_id,
        author.0,
        body.as_str(),
    )
    .fetch_optional(state.db()?)
    .await?
    .ok_or_else(|| AppError::not_found("article"))?;
    let change = Change::Comments {
        article_id,
        slug: slug.to_owned(),
    };
    state.committed([change, author.wrote()]).await;
    // One cannot follow oneself, so the author's own view is never "following".
    Ok(row.into_shared().comment)
}

/// Spec: `DELETE /api/articles/:slug/comments/:id`, comment author only; 204.
/// Unknown article: 404 `article`; unknown id or a comment of another article: 404 `comment`.
#[tracing::instrument(skip(state))]
pub async fn delete(state: &Services, user: UserId, slug: &str, id: i64) -> Result<(), AppError> {
    let article_id = articles::id_of(state, slug).await?;
    let author = sqlx::query_scalar!(
        "select author_id from comments where id = $1 and article_id = $2",
        id,
        article_id
    )
    .fetch_optional(state.db()?)
    .await?
    .ok_or_else(|| AppError::not_found("comment"))?;
    if author != user.0 {
        return Err(AppError::forbidden("comment"));
    }
    sqlx::query!("delete from comments where id = $1", id)
        .execute(state.db()?)
        .await?;
    let change = Change::Comments {
        article_id,
        slug: slug.to_owned(),
    };
    state.committed([change, user.wrote()]).await;
    Ok(())
}
