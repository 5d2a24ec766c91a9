//! What pages read, from the REST API, with the exact requests of SPA.md
//! ("Requests"): the same functions, with the same signatures, as the
//! server functions of the server-rendered build.

use send_wrapper::SendWrapper;
use serde_json::Value;

use super::api::{self, encode, Call};
use super::auth::Auth;
use crate::error::AppError;
use crate::models::{
    Article, ArticleList, ArticleView, Comment, CommentWindow, ListQuery, Profile, PAGE_SIZE,
};

/// Tags the sidebar shows: the API lists the sidebar's selection first.
const SIDEBAR_TAGS: usize = 30;

fn auth() -> Auth {
    leptos::prelude::expect_context::<Auth>()
}

/// `GET path`, with the token while signed in.
async fn get(path: &str) -> Result<api::Answer, AppError> {
    let call = Call {
        token: auth().token(),
        ..Call::default()
    };
    api::send("GET", path, call).await
}

/// The reply's `key` as `T`: `{"article": …}` and the like.
fn field<T: serde::de::DeserializeOwned>(answer: &api::Answer, key: &str) -> Result<T, AppError> {
    let mut body: Value = answer.json()?;
    let value = body
        .get_mut(key)
        .map(Value::take)
        .ok_or(AppError::BadAnswer)?;
    serde_json::from_value(value).map_err(|_| AppError::BadAnswer)
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
        get(&path).await?.json::<ArticleList>()
    })
}

/// An article, its markdown rendered here (the API sends the markdown).
pub fn get_article(
    slug: String,
) -> impl std::future::Future<Output = Result<ArticleView, AppError>> + Send {
    SendWrapper::new(async move {
        let answer = get(&format!("/articles/{}", encode(&slug))).await?;
        let article: Article = field(&answer, "article")?;
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
        let answer = get(&path).await?;
        let comments: Vec<Comment> = field(&answer, "comments")?;
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
        let answer = get(&format!("/profiles/{}", encode(&username))).await?;
        field(&answer, "profile")
    })
}

/// The sidebar: the first tags of the complete list.
pub fn list_tags() -> impl std::future::Future<Output = Result<Vec<String>, AppError>> + Send {
    SendWrapper::new(async move {
        let mut tags: Vec<String> = field(&get("/tags").await?, "tags")?;
        tags.truncate(SIDEBAR_TAGS);
        Ok(tags)
    })
}
