//! What pages read and write, and the one place that decides how: server
//! functions in the server-rendered build, the REST API in the SPA (the
//! `csr` feature, `crate::client`). Pages call the same functions and use
//! the same [`Form`] either way.

use leptos::prelude::*;

use crate::error::AppError;
pub use crate::rpc::Done;

#[cfg(not(feature = "csr"))]
pub use crate::rpc::{
    articles::{get_article, list_articles},
    comments::list_comments,
    profiles::get_profile,
    tags::list_tags,
};

#[cfg(feature = "csr")]
pub use crate::client::{get_article, get_profile, list_articles, list_comments, list_tags};

/// A write a form makes: in the server-rendered build, the server function
/// `S` the form names (nothing runs in the page, so there is nothing to
/// hold: a render never needs shared state for it); in the SPA, an action
/// over the REST API.
#[cfg(not(feature = "csr"))]
pub struct Write<S>(std::marker::PhantomData<fn() -> S>);
#[cfg(feature = "csr")]
pub type Write<S> = Action<S, Result<Done, AppError>>;

#[cfg(not(feature = "csr"))]
impl<S> Clone for Write<S> {
    fn clone(&self) -> Self {
        *self
    }
}

#[cfg(not(feature = "csr"))]
impl<S> Copy for Write<S> {}

/// The write a form of input `S` makes.
#[cfg(not(feature = "csr"))]
pub fn write<S>() -> Write<S> {
    Write(std::marker::PhantomData)
}

#[cfg(feature = "csr")]
pub fn write<S>() -> Write<S>
where
    S: crate::client::Submit + Send + Sync,
{
    let auth = expect_context::<crate::client::Auth>();
    Action::new_unsync(move |input: &S| input.clone().submit(auth))
}

/// Starts what the session stands on: nothing in the server-rendered build
/// (the cookie is the server's); in the SPA, the stored token's check and
/// the debug hook, before anything renders.
pub fn start_session() {
    #[cfg(feature = "csr")]
    crate::client::start();
}

/// Whether `action`'s request is in flight, so its button waits: only in
/// the SPA, where forms send from the page; a server-rendered form leaves it.
pub fn busy<S: Send + Sync + 'static>(action: Write<S>) -> bool {
    #[cfg(feature = "csr")]
    {
        action.pending().get()
    }
    #[cfg(not(feature = "csr"))]
    {
        let _ = action;
        false
    }
}

/// Who is signed in and what is known of it: from the server (read once
/// per page, each write being a page load), or from the SPA's token check.
pub fn signed_in_state() -> (
    Signal<crate::providers::AuthState>,
    Signal<Option<crate::models::SessionUser>>,
) {
    #[cfg(not(feature = "csr"))]
    {
        use crate::providers::AuthState;
        let user = Resource::new(|| (), |_| crate::rpc::users::current_user());
        let state = Signal::derive(move || match user.get() {
            None => AuthState::Loading,
            Some(Ok(Some(_))) => AuthState::Authenticated,
            Some(Ok(None)) => AuthState::Unauthenticated,
            Some(Err(_)) => AuthState::Unavailable,
        });
        let current = Signal::derive(move || user.get().and_then(Result::ok).flatten());
        (state, current)
    }
    #[cfg(feature = "csr")]
    {
        let auth = expect_context::<crate::client::Auth>();
        (
            Signal::derive(move || auth.state()),
            Signal::derive(move || auth.current()),
        )
    }
}

/// Whether pages may render (and so fetch their data) yet: in the SPA, not
/// while the start-up check of a stored token is out (SPA.md: "While
/// loading, fetch no page data and run no auth redirects"); the
/// server-rendered build always may (tracked).
pub fn ready() -> bool {
    #[cfg(feature = "csr")]
    {
        crate::providers::Session::get().state() != crate::providers::AuthState::Loading
    }
    #[cfg(not(feature = "csr"))]
    true
}

/// Goes where each finished write says (`Done::next`), for the whole life
/// of the router: a form may be gone by the time its write finishes (a
/// settings form re-rendered for the new user). Only the SPA needs it; in
/// the server-rendered build the server's redirect does this.
#[component]
pub fn NavigateAfterWrites() -> impl IntoView {
    #[cfg(feature = "csr")]
    {
        use crate::providers::{Session, Writes};
        let navigate = leptos_router::hooks::use_navigate();
        let go = move |next: Option<Done>| {
            if let Some(Done { next: Some(path) }) = next {
                navigate(&path, Default::default());
            }
        };
        let session = Session::get();
        let writes = Writes::get();
        follow(session.login, go.clone());
        follow(session.register, go.clone());
        follow(session.logout, go.clone());
        follow(session.update_settings, go.clone());
        follow(session.sign_out_everywhere, go.clone());
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

/// What the visitor typed into field `name` of `S`'s form, when this page
/// is the answer to that form's failed post (server-rendered build); the
/// SPA's forms never leave their page, so they keep what was typed anyway.
#[cfg(not(feature = "csr"))]
pub fn typed<S: server_fn::ServerFn>(name: &str) -> Option<String> {
    use_context::<crate::forms::Resubmitted>()
        .filter(|failed| failed.action == S::PATH)
        .and_then(|failed| failed.typed(name))
}

#[cfg(feature = "csr")]
pub fn typed<S>(name: &str) -> Option<String> {
    let _ = name;
    None
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
    use crate::providers::{Session, Writes};
    let (session, writes) = (Session::get(), Writes::get());
    let last = RwSignal::new(None::<AppError>);
    let watch = |failure: Signal<Option<AppError>>| {
        Effect::new(move |seen: Option<()>| {
            let failure = failure.get();
            if seen.is_some() {
                last.set(failure);
            }
        });
    };
    watch(failure_of(session.login));
    watch(failure_of(session.register));
    watch(failure_of(session.logout));
    watch(failure_of(session.update_settings));
    watch(failure_of(session.sign_out_everywhere));
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

/// A form that makes `action`'s write. In the server-rendered build it is
/// an HTML form posting to its own page, naming the server function to call
/// (`crate::forms`); the server answers with the next page, or with this one
/// again showing why it failed (the page is not hydrated, only its islands
/// are). In the SPA it sends from the page, and where the write says to go
/// next, the page goes ([`NavigateAfterWrites`]). Either way the browser does
/// not validate it (the server does).
#[cfg(not(feature = "csr"))]
#[component]
pub fn Form<S>(
    action: Write<S>,
    #[prop(optional)] node_ref: Option<NodeRef<leptos::html::Form>>,
    children: Children,
) -> impl IntoView
where
    S: server_fn::ServerFn + Send + Sync + 'static,
{
    // The server function is named, not posted to: the post goes to the
    // page, which can then answer a failure with itself.
    let _ = action;
    let form = leptos::html::form()
        .attr("method", "post")
        .attr("novalidate", true)
        .child((action_field(S::PATH), children()));
    match node_ref {
        Some(node_ref) => form.node_ref(node_ref).into_any(),
        None => form.into_any(),
    }
}

/// The hidden field of a server-rendered form naming the server function
/// (by its `PATH`) that the post to its page calls.
#[cfg(not(feature = "csr"))]
pub fn action_field(action: &'static str) -> impl IntoView {
    view! { <input type="hidden" name=crate::forms::ACTION_FIELD value=action/> }
}

#[cfg(feature = "csr")]
#[component]
pub fn Form<S>(
    action: Write<S>,
    #[prop(optional)] node_ref: Option<NodeRef<leptos::html::Form>>,
    children: Children,
) -> impl IntoView
where
    S: serde::de::DeserializeOwned + Send + Sync + 'static,
{
    // Only this closure depends on `S`: the form itself is built once for
    // every write (`spa_form`), which keeps the bundle small.
    let submit =
        Callback::new(
            move |fields: String| match serde_urlencoded::from_str::<S>(&fields) {
                Ok(input) => {
                    action.dispatch(input);
                }
                Err(error) => {
                    let error = AppError::invalid("form", &error.to_string());
                    action.value().set(Some(Err(error)));
                }
            },
        );
    spa_form(submit, node_ref, children())
}

/// A form that hands its fields, URL-encoded as a browser would post them,
/// to `submit` instead of leaving the page.
#[cfg(feature = "csr")]
fn spa_form(
    submit: Callback<String>,
    node_ref: Option<NodeRef<leptos::html::Form>>,
    children: AnyView,
) -> AnyView {
    use wasm_bindgen::JsCast;
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let fields = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok())
            .and_then(|form| web_sys::FormData::new_with_form(&form).ok())
            .and_then(|data| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).ok())
            .map(|params| String::from(params.to_string()))
            .unwrap_or_default();
        submit.run(fields);
    };
    let form = leptos::html::form()
        .attr("novalidate", true)
        .on(leptos::ev::submit, on_submit)
        .child(children);
    match node_ref {
        Some(node_ref) => form.node_ref(node_ref).into_any(),
        None => form.into_any(),
    }
}
