use leptos::html::Form;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use super::{encode_segment, NotFound};
use crate::components::{avatar, display_date, form_error, ArticleMeta, ErrorMessages};
use crate::error::AppError;
use crate::functions::articles::{get_article, list_comments};
use crate::models::{ArticleView, Comment, SessionUser};
use crate::session::{Session, Writes};

/// `/article/:slug`: the article, rendered markdown, and its comments.
#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.get().get("slug").unwrap_or_default();
    let session = Session::get();
    let writes = Writes::get();
    let article = Resource::new(
        move || (slug(), writes.version()),
        |(slug, _)| get_article(slug),
    );
    let comments = Resource::new(
        move || (slug(), writes.version()),
        |(slug, _)| list_comments(slug),
    );

    view! {
        <Transition fallback=|| view! { <div class="article-page"></div> }>
            {move || {
                let viewer = session.user.get().and_then(Result::ok).flatten();
                article.get().map(|result| match result {
                    Ok(view) => view! {
                        <div class="article-page">
                            <ArticleBody view=view.clone() viewer=viewer.clone()/>
                            <Comments slug=view.article.slug viewer comments/>
                        </div>
                    }.into_any(),
                    Err(AppError::NotFound(_)) => view! { <NotFound/> }.into_any(),
                    Err(error) => view! { <p class="container error">{error.to_string()}</p> }.into_any(),
                })
            }}
        </Transition>
    }
}

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
                                <a href=format!("/tag/{}", encode_segment(tag))>{tag.clone()}</a>
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

#[component]
fn Comments(
    slug: String,
    viewer: Option<SessionUser>,
    comments: Resource<Result<Vec<Comment>, AppError>>,
) -> impl IntoView {
    let writes = Writes::get();
    let add = writes.add_comment;
    let error = form_error(add);
    let form = NodeRef::<Form>::new();
    // Once hydrated, a posted comment empties the form (the page itself stays).
    Effect::new(move |previous: Option<usize>| {
        let version = add.version().get();
        if previous.is_some_and(|p| p != version)
            && matches!(add.value().get_untracked(), Some(Ok(())))
        {
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
        }
        version
    });
    let me = viewer.as_ref().map(|v| v.username.clone());
    let form_slug = slug.clone();
    let composer = match viewer {
        Some(viewer) => view! {
            <ErrorMessages error/>
            <ActionForm action=add node_ref=form attr:class="card comment-form">
                <input type="hidden" name="slug" value=form_slug/>
                <div class="card-block">
                    <textarea class="form-control" name="body" placeholder="Write a comment..." rows="3"></textarea>
                </div>
                <div class="card-footer">
                    <img src=avatar(viewer.image.as_deref()) class="comment-author-img" alt=""/>
                    <button type="submit" class="btn btn-sm btn-primary">"Post Comment"</button>
                </div>
            </ActionForm>
        }.into_any(),
        None => view! {
            <p>
                <a href="/login">"Sign in"</a>" or "<a href="/register">"sign up"</a>
                " to add comments on this article."
            </p>
        }.into_any(),
    };
    view! {
        <div class="container page">
            <div class="row">
                <div class="col-xs-12 col-md-8 offset-md-2">
                    {composer}
                    <Transition fallback=|| ()>
                        {move || comments.get().map(|result| {
                            result.unwrap_or_default().into_iter().map(|comment| {
                                let mine = me.as_deref() == Some(comment.author.username.as_str());
                                view! { <CommentCard comment slug=slug.clone() mine/> }
                            }).collect_view()
                        })}
                    </Transition>
                </div>
            </div>
        </div>
    }
}

/// One comment. The trash icon holds a submit button, so deleting works
/// as a plain form post too.
#[component]
fn CommentCard(comment: Comment, slug: String, mine: bool) -> impl IntoView {
    let delete = Writes::get().delete_comment;
    let profile = format!("/profile/{}", comment.author.username);
    view! {
        <div class="card">
            <div class="card-block">
                <p class="card-text">{comment.body}</p>
            </div>
            <div class="card-footer">
                <a href=profile.clone() class="comment-author">
                    <img src=avatar(comment.author.image.as_deref()) class="comment-author-img" alt=""/>
                </a>
                " "
                <a href=profile class="comment-author">{comment.author.username}</a>
                <span class="date-posted">{display_date(&comment.created_at)}</span>
                {mine.then(|| view! {
                    <ActionForm action=delete attr:class="delete-comment">
                        <input type="hidden" name="slug" value=slug/>
                        <input type="hidden" name="id" value=comment.id.to_string()/>
                        <span class="mod-options">
                            <i class="ion-trash-a">
                                <button type="submit" class="icon-button" aria-label="Delete comment"></button>
                            </i>
                        </span>
                    </ActionForm>
                })}
            </div>
        </div>
    }
}
