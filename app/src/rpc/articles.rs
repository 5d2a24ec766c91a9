use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::models::{ArticleList, ArticleView, ListQuery};

/// A page of a list: global, followed authors, a tag, an author or a user's favorites.
#[server(prefix = "/rpc", endpoint = "articles", input = GetUrl)]
pub async fn list_articles(query: ListQuery) -> Result<ArticleList, AppError> {
    super::call(|state| async move {
        use crate::backend::articles;
        use crate::web::cookie;
        let viewer = cookie::viewer(&state).await?;
        let window = query.window()?;
        if query.following {
            let user = viewer.ok_or_else(AppError::token_missing)?;
            articles::feed(&state, user, window).await
        } else {
            articles::list(&state, viewer, &query.filter, window).await
        }
    })
    .await
}

/// One article with its body rendered to sanitised HTML.
#[server(prefix = "/rpc", endpoint = "article", input = GetUrl)]
pub async fn get_article(slug: String) -> Result<ArticleView, AppError> {
    super::call(|state| async move {
        use crate::backend::articles;
        use crate::markdown;
        use crate::web::cookie;
        let article = articles::get(&state, cookie::viewer(&state).await?, &slug).await?;
        let body_html = markdown::render(article.body.as_deref().unwrap_or_default());
        Ok(ArticleView { article, body_html })
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
    super::call(|state| async move {
        use crate::backend::articles;
        use crate::models::{split_tags, NewArticle, UpdateArticle};
        use crate::web::cookie;
        let caller = cookie::writer(&state).await?;
        let tag_list = split_tags(&tags, &tag_input);
        let saved = if slug.is_empty() {
            let input = NewArticle {
                title: Some(title),
                description: Some(description),
                body: Some(body),
                tag_list: Some(tag_list),
            };
            articles::create(&state, caller.user, input).await?
        } else {
            let input = UpdateArticle {
                title: Some(Some(title)),
                description: Some(Some(description)),
                body: Some(Some(body)),
                tag_list: Some(Some(tag_list)),
            };
            articles::update(&state, caller.user, &slug, Ok(input)).await?
        };
        super::go(&crate::urls::article(&saved.slug))
    })
    .await
}

/// Delete an article (author only), then go home.
#[server(prefix = "/rpc", endpoint = "delete_article")]
pub async fn delete_article(slug: String) -> Result<super::Done, AppError> {
    super::call(|state| async move {
        use crate::backend::articles;
        use crate::web::cookie;
        let caller = cookie::writer(&state).await?;
        articles::delete(&state, caller.user, &slug).await?;
        super::go(crate::urls::HOME)
    })
    .await
}

/// Favorite (`favorite = true`) or unfavorite. Anonymous visitors are sent to sign in.
#[server(prefix = "/rpc", endpoint = "set_favorite")]
pub async fn set_favorite(slug: String, favorite: bool) -> Result<super::Done, AppError> {
    super::call(|state| async move {
        use crate::backend::articles;
        use crate::web::cookie;
        let Some(user) = cookie::writer_or_sign_in(&state).await? else {
            return Ok(super::Done::go(crate::urls::LOGIN));
        };
        if favorite {
            articles::favorite(&state, user, &slug).await?;
        } else {
            articles::unfavorite(&state, user, &slug).await?;
        }
        Ok(super::Done::stay())
    })
    .await
}
