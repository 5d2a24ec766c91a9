//! Publishing, editing, deleting and favoriting articles. Each write
//! answers from the database, then applies what changed to this instance's
//! cache (the database's change feed tells every instance at the commit).

use chrono::{DateTime, Utc};

use super::super::cache::Change;
use super::super::db::Tx;
use super::super::tokens::UserId;
use super::super::Services;
use super::rows::reload;
use super::{locate, slug, Located};
use crate::error::AppError;
use crate::models::{Article, ArticleText, Checks, NewArticle, TagList, Title, UpdateArticle};

/// Spec: `POST /api/articles`, 201. Duplicate titles get distinct slugs.
#[tracing::instrument(skip_all, fields(author = author.0))]
pub async fn create(
    state: &Services,
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
        return Err(checks.rejection());
    };

    let mut tx = state.db()?.begin().await?;
    let base = slug::base(&title);
    let mut inserted = None;
    for attempt in 0..slug::ATTEMPTS {
        let candidate = slug::candidate(&base, attempt);
        // `do nothing` on a taken slug returns no row instead of aborting the transaction.
        let row = sqlx::query!(
            r#"insert into articles (author_id, slug, title, description, body)
               values ($1, $2, $3, $4, $5)
               on conflict (slug) do nothing
               returning id, created_at"#,
            author.0,
            candidate,
            title.as_str(),
            description.as_str(),
            body.as_str(),
        )
        .fetch_optional(&mut tx)
        .await?;
        if let Some(row) = row {
            inserted = Some((row, candidate));
            break;
        }
    }
    let (row, slug) = inserted.ok_or_else(|| slug::exhausted(&base))?;
    replace_tags(&mut tx, row.id, row.created_at, &tags).await?;
    tx.commit().await?;
    // Applied before the article is read back: once committed, a failure
    // to read it must not leave this instance unaware of it.
    let change = Change::Article {
        id: row.id,
        slugs: vec![slug],
    };
    state.committed([change, author.wrote()]).await;
    reload(state, row.id, author).await
}

/// The fields an edit changes; `None` keeps the stored value.
struct Edit {
    title: Option<Title>,
    description: Option<ArticleText>,
    body: Option<ArticleText>,
    tags: Option<TagList>,
}

impl Edit {
    fn parse(input: UpdateArticle) -> Result<Self, AppError> {
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
        match (title, description, body, tags) {
            (Some(title), Some(description), Some(body), Some(tags)) => Ok(Self {
                title,
                description,
                body,
                tags,
            }),
            _ => Err(checks.rejection()),
        }
    }
}

/// Spec: `PUT /api/articles/:slug`, author only. Errors in the order of
/// API.md: 404, then 403, then 422, so `input` is only looked at once the
/// caller is known to own the article. A new title gives a new slug.
#[tracing::instrument(skip(state, input))]
pub async fn update(
    state: &Services,
    user: UserId,
    slug: &str,
    input: Result<UpdateArticle, AppError>,
) -> Result<Article, AppError> {
    let article = owned(state, user, slug).await?;
    let edit = Edit::parse(input?)?;
    let mut tx = state.db()?.begin().await?;
    let moved_to = save(&mut tx, &article, &edit).await?;
    tx.commit().await?;
    // Applied before the article is read back, as in `create`.
    let change = Change::Article {
        id: article.id,
        slugs: std::iter::once(slug.to_owned()).chain(moved_to).collect(),
    };
    state.committed([change, user.wrote()]).await;
    reload(state, article.id, user).await
}

/// Writes `edit`; returns the article's new slug when the title changed.
async fn save(tx: &mut Tx, article: &Located, edit: &Edit) -> Result<Option<String>, AppError> {
    let retitled = edit.title.as_ref().filter(|t| t.as_str() != article.title);
    let moved_to = match retitled {
        Some(title) => Some(slug::change(tx, article.id, title).await?),
        None => None,
    };
    sqlx::query!(
        r#"update articles set
               title = coalesce($2, title),
               description = coalesce($3, description),
               body = coalesce($4, body),
               updated_at = now()
           where id = $1"#,
        article.id,
        edit.title.as_ref().map(Title::as_str),
        edit.description.as_ref().map(ArticleText::as_str),
        edit.body.as_ref().map(ArticleText::as_str),
    )
    .execute(&mut *tx)
    .await?;
    if let Some(tags) = &edit.tags {
        replace_tags(tx, article.id, article.created_at, tags).await?;
    }
    Ok(moved_to)
}

/// Spec: `DELETE /api/articles/:slug`, author only; 204.
#[tracing::instrument(skip(state))]
pub async fn delete(state: &Services, user: UserId, slug: &str) -> Result<(), AppError> {
    let article = owned(state, user, slug).await?;
    sqlx::query!("delete from articles where id = $1", article.id)
        .execute(state.db()?)
        .await?;
    let change = Change::ArticleDeleted {
        id: article.id,
        slug: slug.to_owned(),
    };
    state.committed([change, user.wrote()]).await;
    Ok(())
}

/// The article at `slug` if `user` wrote it: 404, then 403.
async fn owned(state: &Services, user: UserId, slug: &str) -> Result<Located, AppError> {
    let article = locate(state, slug).await?;
    if article.author_id == user.0 {
        Ok(article)
    } else {
        Err(AppError::forbidden("article"))
    }
}

/// Spec: `POST /api/articles/:slug/favorite`. Idempotent; the count is kept by a trigger.
#[tracing::instrument(skip(state))]
pub async fn favorite(state: &Services, user: UserId, slug: &str) -> Result<Article, AppError> {
    let article = locate(state, slug).await?;
    let added = sqlx::query!(
        // The article's row is locked as a foreign key would: a deletion
        // waits for this insert, or this insert finds the article gone.
        r#"insert into favorites (user_id, article_id, article_created_at)
           select $1, a.id, a.created_at from articles a where a.id = $2 for key share
           on conflict do nothing"#,
        user.0,
        article.id,
    )
    .execute(state.db()?)
    .await?;
    favorites_changed(state, user, &article, added.rows_affected()).await;
    reload(state, article.id, user).await
}

/// Spec: `DELETE /api/articles/:slug/favorite`. Idempotent.
#[tracing::instrument(skip(state))]
pub async fn unfavorite(state: &Services, user: UserId, slug: &str) -> Result<Article, AppError> {
    let article = locate(state, slug).await?;
    let removed = sqlx::query!(
        "delete from favorites where user_id = $1 and article_id = $2",
        user.0,
        article.id
    )
    .execute(state.db()?)
    .await?;
    favorites_changed(state, user, &article, removed.rows_affected()).await;
    reload(state, article.id, user).await
}

/// The favorites count is shown in shared entries, and the user's list of
/// favorites changed; a repeated (idempotent) favorite changes nothing and
/// invalidates nothing.
async fn favorites_changed(state: &Services, user: UserId, article: &Located, rows: u64) {
    if rows > 0 {
        let change = Change::Favorites {
            id: article.id,
            slug: article.slug.clone(),
        };
        state.committed([change, user.wrote()]).await;
    }
}

/// Makes the article's tags exactly `tags`: its own list, which readers load
/// with the article, and the by-tag index. Tags are created on first use;
/// sorted input keeps concurrent writers locking tag rows in the same order.
async fn replace_tags(
    tx: &mut Tx,
    article_id: i64,
    created_at: DateTime<Utc>,
    tags: &TagList,
) -> Result<(), AppError> {
    let names = tags.as_slice();
    sqlx::query!(
        "insert into tags (name) select unnest($1::text[]) on conflict (name) do nothing",
        names
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"delete from article_tags
           where article_id = $1
             and tag_id not in (select id from tags where name = any($2))"#,
        article_id,
        names
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        r#"insert into article_tags (article_id, tag_id, article_created_at)
           select $1, id, $2 from tags where name = any($3)
           on conflict do nothing"#,
        article_id,
        created_at,
        names
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "update articles set tag_list = $2 where id = $1",
        article_id,
        names
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}
