//! What pages read, from the REST API, with the exact requests of SPA.md
//! ("Requests"): the same functions, with the same signatures, as the
//! server functions of the server-rendered build.

use send_wrapper::SendWrapper;
use serde_json::Value;

use super::api::{self, encode, Call};
use super::auth::Auth;
use crate::error::AppError;
use crate::models::{
    Article, ArticleList, ArticleView, Comment, CommentWindow, ListQuery, Profile, SessionUser,
    PAGE_SIZE,
};

/// Tags the sidebar shows: the API lists the sidebar's selection first.
const SIDEBAR_TAGS: usize = 30;

fn auth() -> Auth {
    leptos::prelude::expect_context::<Auth>()
}

/// `GET path` with the token while signed in, and the reply's `key` as `T`.
async fn get<T: serde::de::DeserializeOwned>(path: String, key: &'static str) -> Result<(T, api::Answer), AppError> {
    let call = Call {
        token: auth().token(),
        ..Call::default()
    };
    let answer = api::send("GET", &path, call).await?;
    let body: Value = answer.json()?;
    let value = serde_json::from_value(body.get(key).cloned().ok_or(AppError::BadAnswer)?)
        .map_err(|_| AppError::BadAnswer)?;
    Ok((value, answer))
}

/// A window of a list: `limit=10&offset=(page-1)*10` after its filter.
pub fn list_articles(
    query: ListQuery,
) -> impl std::future::Future<Output = Result<ArticleList, AppError>> + Send {
    SendWrapper::new(async move {
        let window = query.window()?;
        let paging = format!("limit={PAGE_SIZE}&offset={}", window.offset);
        let filter = &query.filter;
        let path = if query.following {
            if auth().token().is_none() {
                return Err(AppError::token_missing());
            }
            format!("/articles/feed?{paging}")
        } else if let Some(tag) = &filter.tag {
            format!("/articles?tag={}&{paging}", encode(tag))
        } else if let Some(author) = &filter.author {
            format!("/articles?author={}&{paging}", encode(author))
        } else if let Some(user) = &filter.favorited {
            format!("/articles?favorited={}&{paging}", encode(user))
        } else {
            format!("/articles?{paging}")
        };
        let answer = api::send("GET", &path, Call { token: auth().token(), ..Call::default() }).await?;
        answer.json::<ArticleList>()
    })
}

/// An article, its markdown rendered here (the API sends the markdown).
pub fn get_article(
    slug: String,
) -> impl std::future::Future<Output = Result<ArticleView, AppError>> + Send {
    SendWrapper::new(async move {
        let (article, _): (Article, _) = get(format!("/articles/{}", encode(&slug)), "article").await?;
        let body_html = crate::markdown::render(article.body.as_deref().unwrap_or_default());
        Ok(ArticleView { article, body_html })
    })
}

/// A window of comments: the API's first, or the one after `after`.
pub fn list_comments(
    slug: String,
    after: Option<i64>,
) -> impl std::future::Future<Output = Result<CommentWindow, AppError>> + Send {
    SendWrapper::new(async move {
        let mut path = format!("/articles/{}/comments", encode(&slug));
        if let Some(after) = after {
            path.push_str(&format!("?after={after}"));
        }
        let (comments, answer): (Vec<Comment>, _) = get(path, "comments").await?;
        let next_after = answer
            .next_link
            .and_then(|link| link.split("after=").nth(1).map(str::to_owned))
            .and_then(|rest| rest.split('&').next().and_then(|id| id.parse().ok()));
        Ok(CommentWindow {
            comments,
            next_after,
        })
    })
}

pub fn get_profile(
    username: String,
) -> impl std::future::Future<Output = Result<Profile, AppError>> + Send {
    SendWrapper::new(async move {
        Ok(get(format!("/profiles/{}", encode(&username)), "profile").await?.0)
    })
}

/// The sidebar: the first tags of the complete list.
pub fn list_tags() -> impl std::future::Future<Output = Result<Vec<String>, AppError>> + Send {
    SendWrapper::new(async move {
        let (mut tags, _): (Vec<String>, _) = get("/tags".to_owned(), "tags").await?;
        tags.truncate(SIDEBAR_TAGS);
        Ok(tags)
    })
}

