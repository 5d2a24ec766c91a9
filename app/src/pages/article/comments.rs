use leptos::prelude::*;

use crate::components::{avatar, display_date, ErrorMessages};
use crate::data::{form_error, Form};
use crate::error::AppError;
use crate::models::{Comment, CommentWindow, SessionUser};
use crate::providers::Writes;
use crate::urls;

/// The query parameter naming the comment after which the shown window starts.
pub const COMMENTS_AFTER: &str = "comments_after";

/// The comment form (or the invitation to sign in) and a window of the
/// comments, with a link to the next window when there is one.
#[component]
pub fn Comments(
    slug: String,
    viewer: Option<SessionUser>,
    comments: Resource<Result<CommentWindow, AppError>>,
) -> impl IntoView {
    let me = viewer.as_ref().map(|v| v.username.clone());
    let composer = match viewer {
        Some(viewer) => view! { <Composer slug=slug.clone() viewer/> }.into_any(),
        // Not links to exactly `/login` and `/register`: a page holds one of
        // each, the navbar's (FRONTEND.md); these come back here afterwards.
        None => {
            let back = urls::article(&slug);
            view! {
                <p>
                    <a href=urls::sign_in_then(&back)>"Sign in"</a>" or "
                    <a href=urls::sign_up_then(&back)>"sign up"</a>
                    " to add comments on this article."
                </p>
            }
            .into_any()
        }
    };
    view! {
        <div class="container page">
            <div class="row">
                <div class="col-xs-12 col-md-8 offset-md-2">
                    {composer}
                    <Transition fallback=|| ()>
                        {move || comments.get().map(|result| match result {
                            Ok(window) => {
                                let more = window.next_after.map(|after| {
                                    let href = format!("{}?{COMMENTS_AFTER}={after}", urls::article(&slug));
                                    view! { <a class="btn btn-sm btn-outline-secondary more-comments" href=href>"Show more comments"</a> }
                                });
                                let cards = window.comments.into_iter().map(|comment| {
                                    let mine = me.as_deref() == Some(comment.author.username.as_str());
                                    view! { <CommentCard comment slug=slug.clone() mine/> }
                                }).collect_view();
                                view! { {cards}{more} }.into_any()
                            }
                            Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                        })}
                    </Transition>
                </div>
            </div>
        </div>
    }
}

/// The form for a new comment. A posted comment empties it: in the SPA
/// here, in the server-rendered build by the page coming back.
#[component]
fn Composer(slug: String, viewer: SessionUser) -> impl IntoView {
    let add = Writes::get().add_comment;
    let error = form_error(add);
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |previous: Option<usize>| {
        let version = add.version().get();
        if previous.is_some_and(|p| p != version)
            && matches!(add.value().get_untracked(), Some(Ok(_)))
        {
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
        }
        version
    });
    view! {
        <ErrorMessages error/>
        <Form action=add node_ref=form attr:class="card comment-form">
            <input type="hidden" name="slug" value=slug/>
            <div class="card-block">
                <textarea class="form-control" name="body" placeholder="Write a comment..." rows="3"></textarea>
            </div>
            <div class="card-footer">
                <img src=avatar(viewer.image.as_deref()) class="comment-author-img" alt=""/>
                <button type="submit" class="btn btn-sm btn-primary" disabled=move || add.pending().get()>"Post Comment"</button>
            </div>
        </Form>
    }
}

/// One comment. The trash icon holds a submit button, so deleting works
/// as a plain form post too.
#[component]
fn CommentCard(comment: Comment, slug: String, mine: bool) -> impl IntoView {
    let delete = Writes::get().delete_comment;
    let profile = urls::profile(&comment.author.username);
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
                    <Form action=delete attr:class="delete-comment">
                        <input type="hidden" name="slug" value=slug/>
                        <input type="hidden" name="id" value=comment.id.to_string()/>
                        <span class="mod-options">
                            <i class="ion-trash-a">
                                <button type="submit" class="icon-button" aria-label="Delete comment"></button>
                            </i>
                        </span>
                    </Form>
                })}
            </div>
        </div>
    }
}
