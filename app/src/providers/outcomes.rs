//! What follows a page's writes: where the SPA goes after one, and the
//! failure a page shows in its one error list.

use leptos::prelude::*;

#[cfg(feature = "csr")]
use crate::data::{Done, Write};
use crate::error::AppError;

/// Goes where each finished write says (`Done::next`), for the whole life
/// of the router: a form may be gone by the time its write finishes (a
/// settings form re-rendered for the new user). Only the SPA needs it; in
/// the server-rendered build the server's redirect does this.
#[component]
pub fn NavigateAfterWrites() -> impl IntoView {
    #[cfg(feature = "csr")]
    {
        use super::{Visitor, Writes};
        let navigate = leptos_router::hooks::use_navigate();
        let go = move |next: Option<Done>| {
            if let Some(Done { next: Some(path) }) = next {
                navigate(&path, Default::default());
            }
        };
        let visitor = Visitor::get();
        let writes = Writes::get();
        follow(visitor.login, go.clone());
        follow(visitor.register, go.clone());
        follow(visitor.logout, go.clone());
        follow(visitor.update_settings, go.clone());
        follow(visitor.sign_out_everywhere, go.clone());
        follow(writes.save_article, go.clone());
        follow(writes.delete_article, go.clone());
        follow(writes.set_favorite, go.clone());
        follow(writes.set_following, go);
    }
}

/// Calls `go` with the outcome of each write of `action` that finishes.
#[cfg(feature = "csr")]
fn follow<S: Send + Sync + 'static>(action: Write<S>, go: impl Fn(Option<Done>) + Clone + 'static) {
    Effect::new(move |seen: Option<usize>| {
        let version = action.version().get();
        if seen.is_some_and(|seen| seen != version) {
            go(action.value().get_untracked().and_then(Result::ok));
        }
        version
    });
}

/// The error for a page's one error list. In the server-rendered build:
/// the failure of the form post this page answers, if it does (the server
/// renders the page again for it, at its own URL). In the SPA: the failure
/// of the last of the page's writes to finish since it was shown, but for
/// favorites and follows, whose buttons keep their old label instead
/// (SPA.md, "Form and action errors").
#[cfg(not(feature = "csr"))]
pub fn page_error() -> Signal<Option<AppError>> {
    let failed = use_context::<crate::forms::Resubmitted>().map(|failed| failed.error);
    Signal::derive(move || failed.clone())
}

#[cfg(feature = "csr")]
pub fn page_error() -> Signal<Option<AppError>> {
    use super::{Visitor, Writes};
    let (visitor, writes) = (Visitor::get(), Writes::get());
    let last = RwSignal::new(None::<AppError>);
    let watch = |failure: Signal<Option<AppError>>| {
        Effect::new(move |seen: Option<()>| {
            let failure = failure.get();
            if seen.is_some() {
                last.set(failure);
            }
        });
    };
    watch(failure_of(visitor.login));
    watch(failure_of(visitor.register));
    watch(failure_of(visitor.logout));
    watch(failure_of(visitor.update_settings));
    watch(failure_of(visitor.sign_out_everywhere));
    watch(failure_of(writes.save_article));
    watch(failure_of(writes.delete_article));
    watch(failure_of(writes.add_comment));
    watch(failure_of(writes.delete_comment));
    last.into()
}

/// The outcome of `action`'s last run, as a failure or none.
#[cfg(feature = "csr")]
fn failure_of<S: Send + Sync + 'static>(action: Write<S>) -> Signal<Option<AppError>> {
    Signal::derive(move || action.value().get().and_then(Result::err))
}
