use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::NotFound;
use crate::components::ArticleMeta;
use crate::data::{get_article, list_comments};
use crate::models::{ArticleView, SessionUser};
use crate::providers::{Visitor, Writes};
use crate::urls;

mod comments;

use comments::Comments;

/// `/article/:slug`: the article, rendered markdown, and its comments.
#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.get().get("slug").unwrap_or_default();
    // Which window of the comments: the first, or the one after a comment.
    let after = move || {
        query
            .get()
            .get(urls::COMMENTS_AFTER)
            .and_then(|a| a.parse().ok())
    };
    let visitor = Visitor::get();
    let writes = Writes::get();
    let article = Resource::new(
        move || (slug(), writes.version()),
        |(slug, _)| get_article(slug),
    );
    let comments = Resource::new(
        move || (slug(), after(), writes.version()),
        |(slug, after, _)| list_comments(slug, after),
    );

    view! {
        <Transition fallback=|| view! { <div class="article-page"></div> }>
            {move || {
                let viewer = visitor.current();
                article.get().map(|result| match result {
                    Ok(view) => view! {
                        <div class="article-page">
                            <ArticleBody view=view.clone() viewer=viewer.clone()/>
                            <Comments slug=view.article.slug viewer comments/>
                        </div>
                    }.into_any(),
                    Err(error) => view! {
                        <div class="article-page">
                            {if error.is_not_found() {
                                view! { <NotFound/> }.into_any()
                            } else {
                                view! { <p class="container error">{error.to_string()}</p> }.into_any()
                            }}
                        </div>
                    }.into_any(),
                })
            }}
        </Transition>
    }
}

/// The banner, the rendered body and its tags, with the actions above and below.
#[component]
fn ArticleBody(view: ArticleView, viewer: Option<SessionUser>) -> impl IntoView {
    let ArticleView { article, body_html } = view;
    let is_author = viewer.is_some_and(|v| v.username == article.author.username);
    view! {
        <Title text=article.title.clone()/>
        <Meta name="description" content=article.description.clone()/>
        <div class="banner">
            <div class="container">
                <h1>{article.title.clone()}</h1>
                <ArticleMeta article=article.clone() is_author/>
            </div>
        </div>
        <div class="container page">
            <div class="row article-content">
                <div class="col-md-12">
                    <div class="article-body" inner_html=body_html></div>
                    <ul class="tag-list">
                        {article.tag_list.iter().map(|tag| view! {
                            <li class="tag-default tag-pill tag-outline">
                                <a href=urls::tag(tag)>{tag.clone()}</a>
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
            </div>
            <hr/>
            <div class="article-actions">
                <ArticleMeta article is_author/>
            </div>
        </div>
    }
}
