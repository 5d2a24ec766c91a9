use leptos::prelude::*;

use crate::components::{avatar, display_date, ErrorMessages};
use crate::data::{busy, typed, Form};
use crate::error::AppError;
use crate::models::{Comment, CommentWindow, SessionUser};
use crate::providers::page_error;
use crate::providers::Writes;
use crate::rpc::comments::AddComment;
use crate::urls;

/// The page's error list (any of its writes that failed), the comment form
/// (or the invitation to sign in) and a window of the comments, with a link
/// to the next window when there is one.
#[component]
pub fn Comments(
    slug: String,
    viewer: Option<SessionUser>,
    comments: Resource<Result<CommentWindow, AppError>>,
) -> impl IntoView {
    let error = page_error();
    let deleted = deleted_comments();
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
                    <ErrorMessages error/>
                    {composer}
                    <Transition fallback=|| ()>
                        {move || comments.get().map(|result| match result {
                            Ok(window) => {
                                let more = window.next_after.map(|after| {
                                    let href = urls::article_comments_after(&slug, after);
                                    view! { <a class="btn btn-sm btn-outline-secondary more-comments" href=href>"Show more comments"</a> }
                                });
                                let cards = window.comments.into_iter().map(|comment| {
                                    let mine = me.as_deref() == Some(comment.author.username.as_str());
                                    let slug = slug.clone();
                                    move || (!deleted.get().contains(&comment.id)).then(|| {
                                        view! { <CommentCard comment=comment.clone() slug=slug.clone() mine/> }
                                    })
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
    let form = NodeRef::<leptos::html::Form>::new();
    let typed_body = typed::<AddComment>("body");
    #[cfg(feature = "csr")]
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
        <Form action=add node_ref=form attr:class="card comment-form">
            <input type="hidden" name="slug" value=slug/>
            <div class="card-block">
                <textarea class="form-control" name="body" placeholder="Write a comment..." rows="3">{typed_body}</textarea>
            </div>
            <div class="card-footer">
                <img src=avatar(viewer.image.as_deref()) class="comment-author-img" alt=""/>
                <button type="submit" class="btn btn-sm btn-primary" disabled=move || busy(add)>"Post Comment"</button>
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

/// The comments deleted from this page since it was shown. In the SPA a
/// successful delete removes its comment at once, whatever a read of the
/// comments says next (a replica may lag; a stale answer must not bring
/// it back). The server-rendered build shows the page after the delete.
fn deleted_comments() -> Signal<Vec<i64>> {
    #[cfg(feature = "csr")]
    {
        let delete = Writes::get().delete_comment;
        let deleted = RwSignal::new(Vec::<i64>::new());
        let sent = RwSignal::new(None::<i64>);
        Effect::new(move || {
            if let Some(input) = delete.input().get() {
                sent.set(Some(input.id));
            }
        });
        Effect::new(move |seen: Option<usize>| {
            let version = delete.version().get();
            let succeeded = matches!(delete.value().get_untracked(), Some(Ok(_)));
            if seen.is_some_and(|seen| seen != version) && succeeded {
                if let Some(id) = sent.get_untracked() {
                    deleted.update(|deleted| deleted.push(id));
                }
            }
            version
        });
        deleted.into()
    }
    #[cfg(not(feature = "csr"))]
    Signal::derive(Vec::new)
}
