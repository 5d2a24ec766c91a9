use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::models::{ArticleList, ArticleView, Comment, FeedQuery};

/// A page of a feed: global, followed authors, a tag, an author or a user's favorites.
#[server(prefix = "/rpc", endpoint = "articles", input = GetUrl)]
pub async fn list_articles(query: FeedQuery) -> Result<ArticleList, AppError> {
    super::reported(async move {
        use crate::server::{articles, session};
        let state = super::state()?;
        let viewer = session::viewer(&state);
        if query.following {
            let user = viewer.ok_or_else(AppError::token_missing)?;
            articles::feed(&state, user, query.api_page()).await
        } else {
            articles::list(&state, viewer, &query.filter, query.api_page()).await
        }
    })
    .await
}

/// One article with its body rendered to sanitised HTML.
#[server(prefix = "/rpc", endpoint = "article", input = GetUrl)]
pub async fn get_article(slug: String) -> Result<ArticleView, AppError> {
    super::reported(async move {
        use crate::server::{articles, markdown, session};
        let state = super::state()?;
        let article = articles::get(&state, session::viewer(&state), &slug).await?;
        let body_html = markdown::render(article.body.as_deref().unwrap_or_default());
        Ok(ArticleView { article, body_html })
    })
    .await
}

/// The comments of an article, oldest first.
#[server(prefix = "/rpc", endpoint = "comments", input = GetUrl)]
pub async fn list_comments(slug: String) -> Result<Vec<Comment>, AppError> {
    super::reported(async move {
        use crate::server::{comments, session};
        let state = super::state()?;
        comments::list(&state, session::viewer(&state), &slug).await
    })
    .await
}

/// Publish a new article (`slug` empty) or save an existing one, then show it.
/// `tags` holds the editor's pills joined by commas; `tag_input` what is
/// still typed in the tag field (so tags work without JavaScript too).
#[server(prefix = "/rpc", endpoint = "save_article")]
pub async fn save_article(
    slug: String,
    title: String,
    description: String,
    body: String,
    tags: String,
    tag_input: String,
) -> Result<super::Done, AppError> {
    super::reported(async move {
        use crate::models::{split_tags, NewArticle, UpdateArticle};
        use crate::server::{articles, session};
        let state = super::state()?;
        let (user, _) = session::writer(&state)?;
        let tag_list = split_tags(&tags, &tag_input);
        let saved = if slug.is_empty() {
            let input = NewArticle {
                title: Some(title),
                description: Some(description),
                body: Some(body),
                tag_list: Some(tag_list),
            };
            articles::create(&state, user, input).await?
        } else {
            let input = UpdateArticle {
                title: Some(Some(title)),
                description: Some(Some(description)),
                body: Some(Some(body)),
                tag_list: Some(Some(tag_list)),
            };
            articles::update(&state, user, &slug, Ok(input)).await?
        };
        leptos_axum::redirect(&format!("/article/{}", saved.slug));
        Ok(())
    })
    .await
}

/// Delete an article (author only), then go home.
#[server(prefix = "/rpc", endpoint = "delete_article")]
pub async fn delete_article(slug: String) -> Result<super::Done, AppError> {
    super::reported(async move {
        use crate::server::{articles, session};
        let state = super::state()?;
        let (user, _) = session::writer(&state)?;
        articles::delete(&state, user, &slug).await?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

/// Favorite (`favorite = true`) or unfavorite. Anonymous visitors are sent to sign in.
#[server(prefix = "/rpc", endpoint = "set_favorite")]
pub async fn set_favorite(slug: String, favorite: bool) -> Result<super::Done, AppError> {
    super::reported(async move {
        use crate::server::{articles, session};
        let state = super::state()?;
        let Some(user) = session::writer_or_sign_in(&state)? else {
            return Ok(());
        };
        if favorite {
            articles::favorite(&state, user, &slug).await?;
        } else {
            articles::unfavorite(&state, user, &slug).await?;
        }
        Ok(())
    })
    .await
}

/// Comment on an article.
#[server(prefix = "/rpc", endpoint = "add_comment")]
pub async fn add_comment(slug: String, body: String) -> Result<super::Done, AppError> {
    super::reported(async move {
        use crate::models::NewComment;
        use crate::server::{comments, session};
        let state = super::state()?;
        let (user, _) = session::writer(&state)?;
        comments::add(&state, user, &slug, Ok(NewComment { body: Some(body) })).await?;
        Ok(())
    })
    .await
}

/// Delete one's own comment.
#[server(prefix = "/rpc", endpoint = "delete_comment")]
pub async fn delete_comment(slug: String, id: i64) -> Result<super::Done, AppError> {
    super::reported(async move {
        use crate::server::{comments, session};
        let state = super::state()?;
        let (user, _) = session::writer(&state)?;
        comments::delete(&state, user, &slug, id).await?;
        Ok(())
    })
    .await
}
