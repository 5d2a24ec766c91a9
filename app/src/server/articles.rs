//! Articles: lists, the feed, reading, writing and favorites.
//!
//! Lists are read in two steps. First the ids of one page, each filter with
//! its own query shaped for its index (see docs/queries.md for the plans).
//! Then one shared query loads those rows with authors and tags, as every
//! reader sees them; the first pages of the global and per-tag lists and
//! single articles are cached that way. The viewer's `favorited` and
//! `following` are added last by one indexed query ([`personalise`]).

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

use super::auth::UserId;
use super::cache::{Change, FeedKey, Weigh};
use super::AppState;
use crate::error::AppError;
use crate::models::{
    Article, ArticleList, ArticleText, Checks, ListFilter, NewArticle, Page, Profile, TagList,
    Title, UpdateArticle,
};

mod slug;

/// Spec: `GET /api/articles`, newest first, ties by id; unknown
/// author/favorited/tag names give an empty list.
pub async fn list(
    state: &AppState,
    viewer: Option<UserId>,
    filter: &ListFilter,
    page: Page,
) -> Result<ArticleList, AppError> {
    let shared = match (&filter.tag, &filter.author, &filter.favorited) {
        (None, None, None) => first_page_cached(state, None, page, page_all(state, page)).await?,
        (Some(tag), None, None) => {
            first_page_cached(state, Some(tag), page, page_by_tag(state, tag, page)).await?
        }
        (None, Some(author), None) => {
            fetch_page(state, page_by_author(state, author, page)).await?
        }
        (None, None, Some(user)) => fetch_page(state, page_favorited_by(state, user, page)).await?,
        _ => fetch_page(state, page_combined(state, filter, page)).await?,
    };
    Ok(ArticleList {
        articles: personalise(state, viewer, &shared.articles).await?,
        articles_count: shared.total,
    })
}

/// One page of a list as every reader sees it.
#[derive(Clone, Debug)]
pub struct SharedPage {
    pub articles: Vec<SharedArticle>,
    pub total: i64,
}

impl Weigh for SharedPage {
    fn weigh(&self) -> usize {
        8 + self.articles.weigh()
    }
}

/// An article with `favorited` and `following` left false, plus the ids
/// that [`personalise`] needs to fill them in.
#[derive(Clone, Debug)]
pub struct SharedArticle {
    pub id: i64,
    pub author_id: i64,
    pub article: Article,
}

impl Weigh for SharedArticle {
    fn weigh(&self) -> usize {
        let a = &self.article;
        let text = a.slug.len()
            + a.title.len()
            + a.description.len()
            + a.body.as_ref().map_or(0, String::len)
            + a.tag_list.iter().map(|t| t.len() + 24).sum::<usize>();
        // The struct itself: ids, timestamps, counts and string headers.
        text + a.author.weigh() + 160
    }
}

/// The first page of the global list (`tag: None`) or of one tag comes from
/// the cache: that is what the home page and every anonymous visitor read.
/// Deeper pages are read straight from the database.
async fn first_page_cached(
    state: &AppState,
    tag: Option<&str>,
    page: Page,
    ids: impl Future<Output = Result<(Vec<i64>, i64), AppError>>,
) -> Result<Arc<SharedPage>, AppError> {
    if page.offset != 0 {
        return fetch_page(state, ids).await;
    }
    let key = FeedKey {
        tag: tag.map(str::to_owned),
        limit: page.limit,
    };
    state
        .cache
        .feeds()
        .get_or_load(key, fetch_page(state, ids))
        .await
}

async fn fetch_page(
    state: &AppState,
    ids: impl Future<Output = Result<(Vec<i64>, i64), AppError>>,
) -> Result<Arc<SharedPage>, AppError> {
    let (ids, total) = ids.await?;
    let articles = load(state, &ids, false).await?;
    Ok(Arc::new(SharedPage { articles, total }))
}

/// Copies shared articles and sets what `viewer` sees: one query for the
/// whole page (favorites_pkey and follows_pkey lookups), none when anonymous.
async fn personalise(
    state: &AppState,
    viewer: Option<UserId>,
    shared: &[SharedArticle],
) -> Result<Vec<Article>, AppError> {
    let mut articles: Vec<Article> = shared.iter().map(|s| s.article.clone()).collect();
    let Some(viewer) = viewer else {
        return Ok(articles);
    };
    if shared.is_empty() {
        return Ok(articles);
    }
    let ids: Vec<i64> = shared.iter().map(|s| s.id).collect();
    let authors: Vec<i64> = shared.iter().map(|s| s.author_id).collect();
    let mine = sqlx::query!(
        r#"select array(select article_id from favorites
                        where user_id = $1 and article_id = any($2)) as "favorited!",
                  array(select followed_id from follows
                        where follower_id = $1 and followed_id = any($3)) as "following!""#,
        viewer.0,
        &ids,
        &authors,
    )
    .fetch_one(&state.db)
    .await?;
    for (article, shared) in articles.iter_mut().zip(shared) {
        article.favorited = mine.favorited.contains(&shared.id);
        article.author.following = mine.following.contains(&shared.author_id);
    }
    Ok(articles)
}

/// Spec: `GET /api/articles/feed`: articles by the authors the user follows.
pub async fn feed(state: &AppState, user: UserId, page: Page) -> Result<ArticleList, AppError> {
    // One index range per followed author (articles_author_created_idx).
    let ids = sqlx::query_scalar!(
        r#"select a.id from articles a
           where a.author_id in (select followed_id from follows where follower_id = $1)
           order by a.created_at desc, a.id desc
           limit $2 offset $3"#,
        user.0,
        page.limit,
        page.offset,
    )
    .fetch_all(&state.db)
    .await?;
    let total = sqlx::query_scalar!(
        r#"select coalesce(sum(u.articles_count), 0)::bigint as "total!"
           from follows f join users u on u.id = f.followed_id
           where f.follower_id = $1"#,
        user.0,
    )
    .fetch_one(&state.db)
    .await?;
    let shared = load(state, &ids, false).await?;
    Ok(ArticleList {
        articles: personalise(state, Some(user), &shared).await?,
        articles_count: total,
    })
}

async fn page_all(state: &AppState, page: Page) -> Result<(Vec<i64>, i64), AppError> {
    let ids = sqlx::query_scalar!(
        "select id from articles order by created_at desc, id desc limit $1 offset $2",
        page.limit,
        page.offset,
    )
    .fetch_all(&state.db)
    .await?;
    let total = sqlx::query_scalar!("select articles from article_totals")
        .fetch_one(&state.db)
        .await?;
    Ok((ids, total))
}

async fn page_by_tag(state: &AppState, tag: &str, page: Page) -> Result<(Vec<i64>, i64), AppError> {
    let ids = sqlx::query_scalar!(
        r#"select at.article_id from article_tags at
           where at.tag_id = (select id from tags where name = $1)
           order by at.article_created_at desc, at.article_id desc
           limit $2 offset $3"#,
        tag,
        page.limit,
        page.offset,
    )
    .fetch_all(&state.db)
    .await?;
    let total = sqlx::query_scalar!("select articles_count from tags where name = $1", tag)
        .fetch_optional(&state.db)
        .await?
        .unwrap_or(0);
    Ok((ids, total.into()))
}

async fn page_by_author(
    state: &AppState,
    author: &str,
    page: Page,
) -> Result<(Vec<i64>, i64), AppError> {
    let ids = sqlx::query_scalar!(
        r#"select id from articles
           where author_id = (select id from users where lower(username) = lower($1))
           order by created_at desc, id desc
           limit $2 offset $3"#,
        author,
        page.limit,
        page.offset,
    )
    .fetch_all(&state.db)
    .await?;
    let total = sqlx::query_scalar!(
        "select articles_count from users where lower(username) = lower($1)",
        author
    )
    .fetch_optional(&state.db)
    .await?
    .unwrap_or(0);
    Ok((ids, total.into()))
}

async fn page_favorited_by(
    state: &AppState,
    username: &str,
    page: Page,
) -> Result<(Vec<i64>, i64), AppError> {
    let ids = sqlx::query_scalar!(
        r#"select article_id from favorites
           where user_id = (select id from users where lower(username) = lower($1))
           order by article_created_at desc, article_id desc
           limit $2 offset $3"#,
        username,
        page.limit,
        page.offset,
    )
    .fetch_all(&state.db)
    .await?;
    let total = sqlx::query_scalar!(
        "select favorites_count from users where lower(username) = lower($1)",
        username
    )
    .fetch_optional(&state.db)
    .await?
    .unwrap_or(0);
    Ok((ids, total.into()))
}

/// Two or more filters at once. The UI never asks for this; the API allows
/// it. Served by the author index when an author is given, otherwise by
/// walking the global order and probing each filter.
async fn page_combined(
    state: &AppState,
    filter: &ListFilter,
    page: Page,
) -> Result<(Vec<i64>, i64), AppError> {
    let rows = sqlx::query!(
        r#"with matches as (
               select a.id, a.created_at from articles a
               where ($1::text is null or exists (
                         select 1 from article_tags at join tags t on t.id = at.tag_id
                         where at.article_id = a.id and t.name = $1))
                 and ($2::text is null
                      or a.author_id = (select id from users where lower(username) = lower($2)))
                 and ($3::text is null or exists (
                         select 1 from favorites f
                         where f.article_id = a.id
                           and f.user_id = (select id from users where lower(username) = lower($3))))
           )
           select id, count(*) over () as "total!" from matches
           order by created_at desc, id desc
           limit $4 offset $5"#,
        filter.tag.as_deref(),
        filter.author.as_deref(),
        filter.favorited.as_deref(),
        page.limit,
        page.offset,
    )
    .fetch_all(&state.db)
    .await?;
    let total = rows.first().map(|r| r.total).unwrap_or(0);
    Ok((rows.into_iter().map(|r| r.id).collect(), total))
}

/// Loads articles by id, in list order, as every reader sees them.
async fn load(
    state: &AppState,
    ids: &[i64],
    with_body: bool,
) -> Result<Vec<SharedArticle>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query!(
        r#"select a.id, a.author_id, a.slug, a.title, a.description,
                  case when $2 then a.body end as body,
                  a.created_at, a.updated_at, a.favorites_count,
                  array(select t.name from article_tags at join tags t on t.id = at.tag_id
                        where at.article_id = a.id order by t.name) as "tag_list!",
                  u.username, u.bio, u.image
           from articles a join users u on u.id = a.author_id
           where a.id = any($1)
           order by a.created_at desc, a.id desc"#,
        ids,
        with_body,
    )
    .fetch_all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SharedArticle {
            id: r.id,
            author_id: r.author_id,
            article: Article {
                slug: r.slug,
                title: r.title,
                description: r.description,
                body: r.body,
                tag_list: r.tag_list,
                created_at: r.created_at,
                updated_at: r.updated_at,
                favorited: false,
                favorites_count: r.favorites_count.into(),
                author: Profile {
                    username: r.username,
                    bio: r.bio,
                    image: r.image,
                    following: false,
                },
            },
        })
        .collect())
}

/// One article with its body, from the database (writes answer with this).
async fn load_one(state: &AppState, id: i64, viewer: UserId) -> Result<Article, AppError> {
    let shared = load_shared_one(state, id).await?;
    personalise_one(state, Some(viewer), &shared).await
}

/// One article with its body, as every reader sees it.
async fn load_shared_one(state: &AppState, id: i64) -> Result<SharedArticle, AppError> {
    load(state, &[id], true)
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("article"))
}

async fn personalise_one(
    state: &AppState,
    viewer: Option<UserId>,
    shared: &SharedArticle,
) -> Result<Article, AppError> {
    personalise(state, viewer, std::slice::from_ref(shared))
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("article"))
}

/// The article at `slug` with its body, as every reader sees it; cached.
pub(super) async fn shared_by_slug(
    state: &AppState,
    slug: &str,
) -> Result<Arc<SharedArticle>, AppError> {
    state
        .cache
        .articles()
        .get_or_load(slug.to_owned(), async {
            let id = locate(state, slug).await?.id;
            load_shared_one(state, id).await.map(Arc::new)
        })
        .await
}

struct Located {
    id: i64,
    author_id: i64,
    title: String,
    created_at: DateTime<Utc>,
}

async fn locate(state: &AppState, slug: &str) -> Result<Located, AppError> {
    sqlx::query_as!(
        Located,
        "select id, author_id, title, created_at from articles where slug = $1",
        slug
    )
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(|| AppError::not_found("article"))
}

/// Spec: `GET /api/articles/:slug`.
pub async fn get(
    state: &AppState,
    viewer: Option<UserId>,
    slug: &str,
) -> Result<Article, AppError> {
    let shared = shared_by_slug(state, slug).await?;
    personalise_one(state, viewer, &shared).await
}

/// Spec: `POST /api/articles`, 201. Duplicate titles get distinct slugs.
pub async fn create(
    state: &AppState,
    author: UserId,
    input: NewArticle,
) -> Result<Article, AppError> {
    let mut checks = Checks::default();
    let title = checks.field("title", Title::parse(input.title.as_deref()));
    let description = checks.field(
        "description",
        ArticleText::description(input.description.as_deref()),
    );
    let body = checks.field("body", ArticleText::body(input.body.as_deref()));
    let tags = checks.field(
        "tagList",
        TagList::parse(&input.tag_list.unwrap_or_default()),
    );
    let (Some(title), Some(description), Some(body), Some(tags)) = (title, description, body, tags)
    else {
        return Err(checks.finish().unwrap_err());
    };

    let mut tx = state.db.begin().await?;
    let base = slug::base(&title);
    let mut inserted = None;
    for attempt in 0..slug::ATTEMPTS {
        // `do nothing` on a taken slug returns no row instead of aborting the transaction.
        inserted = sqlx::query!(
            r#"insert into articles (author_id, slug, title, description, body)
               values ($1, $2, $3, $4, $5)
               on conflict (slug) do nothing
               returning id, created_at"#,
            author.0,
            slug::candidate(&base, attempt),
            title.as_str(),
            description.as_str(),
            body.as_str(),
        )
        .fetch_optional(&mut *tx)
        .await?;
        if inserted.is_some() {
            break;
        }
    }
    let row = inserted.ok_or_else(|| slug::exhausted(&base))?;
    let (id, created_at) = (row.id, row.created_at);
    replace_tags(&mut tx, id, created_at, &tags).await?;
    tx.commit().await?;
    let article = load_one(state, id, author).await?;
    let slugs = vec![article.slug.clone()];
    state
        .cache
        .publish(&state.db, Change::Article { slugs })
        .await;
    Ok(article)
}

/// Spec: `PUT /api/articles/:slug`, author only. Errors in the order of
/// API.md: 404, then 403, then 422, so `input` is only looked at once the
/// caller is known to own the article. A new title gives a new slug.
pub async fn update(
    state: &AppState,
    user: UserId,
    slug: &str,
    input: Result<UpdateArticle, AppError>,
) -> Result<Article, AppError> {
    let article = locate(state, slug).await?;
    if article.author_id != user.0 {
        return Err(AppError::forbidden("article"));
    }
    let input = input?;
    let mut checks = Checks::default();
    let title = checks.present("title", input.title.map(|v| Title::parse(v.as_deref())));
    let description = checks.present(
        "description",
        input
            .description
            .map(|v| ArticleText::description(v.as_deref())),
    );
    let body = checks.present("body", input.body.map(|v| ArticleText::body(v.as_deref())));
    let tags = checks.present(
        "tagList",
        input.tag_list.map(|v| match v {
            Some(tags) => TagList::parse(&tags),
            None => Err("can't be null".to_owned()),
        }),
    );
    let (Some(title), Some(description), Some(body), Some(tags)) = (title, description, body, tags)
    else {
        return Err(checks.finish().unwrap_err());
    };

    let mut tx = state.db.begin().await?;
    let retitled = title.as_ref().filter(|t| t.as_str() != article.title);
    if let Some(title) = retitled {
        slug::change(&mut tx, article.id, title).await?;
    }
    sqlx::query!(
        r#"update articles set
               title = coalesce($2, title),
               description = coalesce($3, description),
               body = coalesce($4, body),
               updated_at = now()
           where id = $1"#,
        article.id,
        title.as_ref().map(Title::as_str),
        description.as_ref().map(ArticleText::as_str),
        body.as_ref().map(ArticleText::as_str),
    )
    .execute(&mut *tx)
    .await?;
    if let Some(tags) = tags {
        replace_tags(&mut tx, article.id, article.created_at, &tags).await?;
    }
    tx.commit().await?;
    let updated = load_one(state, article.id, user).await?;
    let slugs = vec![slug.to_owned(), updated.slug.clone()];
    state
        .cache
        .publish(&state.db, Change::Article { slugs })
        .await;
    Ok(updated)
}

/// Spec: `DELETE /api/articles/:slug`, author only; 204.
pub async fn delete(state: &AppState, user: UserId, slug: &str) -> Result<(), AppError> {
    let article = locate(state, slug).await?;
    if article.author_id != user.0 {
        return Err(AppError::forbidden("article"));
    }
    sqlx::query!("delete from articles where id = $1", article.id)
        .execute(&state.db)
        .await?;
    let change = Change::ArticleDeleted {
        slug: slug.to_owned(),
        id: article.id,
    };
    state.cache.publish(&state.db, change).await;
    Ok(())
}

/// Spec: `POST /api/articles/:slug/favorite`. Idempotent; the count is kept by a trigger.
pub async fn favorite(state: &AppState, user: UserId, slug: &str) -> Result<Article, AppError> {
    let article = locate(state, slug).await?;
    let added = sqlx::query!(
        r#"insert into favorites (user_id, article_id, article_created_at) values ($1, $2, $3)
           on conflict do nothing"#,
        user.0,
        article.id,
        article.created_at,
    )
    .execute(&state.db)
    .await?;
    favorites_changed(state, slug, added.rows_affected()).await;
    load_one(state, article.id, user).await
}

/// Spec: `DELETE /api/articles/:slug/favorite`. Idempotent.
pub async fn unfavorite(state: &AppState, user: UserId, slug: &str) -> Result<Article, AppError> {
    let article = locate(state, slug).await?;
    let removed = sqlx::query!(
        "delete from favorites where user_id = $1 and article_id = $2",
        user.0,
        article.id
    )
    .execute(&state.db)
    .await?;
    favorites_changed(state, slug, removed.rows_affected()).await;
    load_one(state, article.id, user).await
}

/// The favorites count is shown in shared entries; a repeated (idempotent)
/// favorite changes nothing and invalidates nothing.
async fn favorites_changed(state: &AppState, slug: &str, rows: u64) {
    if rows > 0 {
        let slugs = vec![slug.to_owned()];
        state
            .cache
            .publish(&state.db, Change::Article { slugs })
            .await;
    }
}

/// The id of the article at `slug`, for the comments service.
pub(super) async fn id_of(state: &AppState, slug: &str) -> Result<i64, AppError> {
    locate(state, slug).await.map(|a| a.id)
}

/// Makes the article's tags exactly `tags`. Tags are created on first use;
/// sorted input keeps concurrent writers locking tag rows in the same order.
async fn replace_tags(
    tx: &mut Transaction<'_, Postgres>,
    article_id: i64,
    created_at: DateTime<Utc>,
    tags: &TagList,
) -> Result<(), AppError> {
    let names = tags.as_slice();
    sqlx::query!(
        "insert into tags (name) select unnest($1::text[]) on conflict (name) do nothing",
        names
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"delete from article_tags
           where article_id = $1
             and tag_id not in (select id from tags where name = any($2))"#,
        article_id,
        names
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"insert into article_tags (article_id, tag_id, article_created_at)
           select $1, id, $2 from tags where name = any($3)
           on conflict do nothing"#,
        article_id,
        created_at,
        names
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
