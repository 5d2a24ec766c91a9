//! Loading articles by id as every reader sees them, and personalising
//! them for one viewer.

use chrono::{DateTime, Utc};

use super::super::cache::SharedArticle;
use super::super::personal::Personal;
use super::super::tokens::UserId;
use super::super::Services;
use crate::error::AppError;
use crate::models::{Article, Profile};

/// An article with its author and tags, as [`load`] selects it.
struct ArticleRow {
    id: i64,
    author_id: i64,
    slug: String,
    title: String,
    description: String,
    body: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    favorites_count: i32,
    tag_list: Vec<String>,
    username: String,
    bio: Option<String>,
    image: Option<String>,
}

impl ArticleRow {
    fn into_shared(self) -> SharedArticle {
        SharedArticle {
            id: self.id,
            author_id: self.author_id,
            article: Article {
                slug: self.slug,
                title: self.title,
                description: self.description,
                body: self.body,
                tag_list: self.tag_list,
                created_at: self.created_at,
                updated_at: self.updated_at,
                favorited: false,
                favorites_count: self.favorites_count.into(),
                author: Profile::public(self.username, self.bio, self.image),
            },
        }
    }
}

/// Loads articles by id, in list order; bodies only when asked (lists have none).
pub(super) async fn load(
    state: &Services,
    ids: &[i64],
    with_body: bool,
) -> Result<Vec<SharedArticle>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query_as!(
        ArticleRow,
        r#"select a.id, a.author_id, a.slug, a.title, a.description,
                  case when $2 then a.body end as body,
                  a.created_at, a.updated_at, a.favorites_count,
                  a.tag_list,
                  u.username, u.bio, u.image
           from articles a join users u on u.id = a.author_id
           where a.id = any($1)
           order by a.created_at desc, a.id desc"#,
        ids,
        with_body,
    )
    .fetch_all(state.reads()?)
    .await?;
    Ok(rows.into_iter().map(ArticleRow::into_shared).collect())
}

/// The article at `slug` with its body, in one statement: a page read
/// never looks the id up first.
pub(super) async fn load_by_slug(state: &Services, slug: &str) -> Result<SharedArticle, AppError> {
    sqlx::query_as!(
        ArticleRow,
        r#"select a.id, a.author_id, a.slug, a.title, a.description,
                  a.body as "body?",
                  a.created_at, a.updated_at, a.favorites_count,
                  a.tag_list,
                  u.username, u.bio, u.image
           from articles a join users u on u.id = a.author_id
           where a.slug = $1"#,
        slug,
    )
    .fetch_optional(state.reads()?)
    .await?
    .map(ArticleRow::into_shared)
    .ok_or_else(|| AppError::not_found("article"))
}

/// One article with its body.
pub(super) async fn load_one(state: &Services, id: i64) -> Result<SharedArticle, AppError> {
    load(state, &[id], true)
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("article"))
}

/// Copies shared articles and sets what `viewer` sees.
pub(super) async fn personalise(
    state: &Services,
    viewer: Option<UserId>,
    shared: &[SharedArticle],
) -> Result<Vec<Article>, AppError> {
    let ids: Vec<i64> = shared.iter().map(|s| s.id).collect();
    let authors: Vec<i64> = shared.iter().map(|s| s.author_id).collect();
    let personal = Personal::load(state, viewer, &ids, &authors).await?;
    Ok(shared
        .iter()
        .map(|s| {
            let mut article = s.article.clone();
            article.favorited = personal.favorited(s.id);
            article.author.following = personal.follows(s.author_id);
            article
        })
        .collect())
}

pub(super) async fn personalise_one(
    state: &Services,
    viewer: Option<UserId>,
    shared: &SharedArticle,
) -> Result<Article, AppError> {
    personalise(state, viewer, std::slice::from_ref(shared))
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("article"))
}

/// One article as `viewer` sees it, fresh from the database (writes answer with this).
pub(super) async fn reload(state: &Services, id: i64, viewer: UserId) -> Result<Article, AppError> {
    let shared = load_one(state, id).await?;
    personalise_one(state, Some(viewer), &shared).await
}
