//! What pages read and write, and the one place that decides how: server
//! functions in the server-rendered build, the REST API in the SPA (the
//! `csr` feature, `crate::client`). Pages call the same functions and use
//! the same [`Form`] either way.

use leptos::prelude::*;

#[cfg(feature = "csr")]
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
pub use crate::spa::{get_article, get_profile, list_articles, list_comments, list_tags};

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
    S: crate::spa::Submit + Send + Sync,
{
    let auth = expect_context::<crate::spa::Auth>();
    Action::new_unsync(move |input: &S| input.clone().submit(auth))
}

/// Starts what signing in stands on: nothing in the server-rendered build
/// (the cookie is the server's); in the SPA, the stored token's check and
/// the debug hook, before anything renders.
pub fn start_auth() {
    #[cfg(feature = "csr")]
    crate::spa::start();
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
    Signal<crate::models::AuthState>,
    Signal<Option<crate::models::SessionUser>>,
) {
    #[cfg(not(feature = "csr"))]
    {
        use crate::models::AuthState;
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
        let auth = expect_context::<crate::spa::Auth>();
        (
            Signal::derive(move || auth.state()),
            Signal::derive(move || auth.current()),
        )
    }
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

/// A form that makes `action`'s write. In the server-rendered build it is
/// an HTML form posting to its own page, naming the server function to call
/// (`crate::forms`); the server answers with the next page, or with this one
/// again showing why it failed (the page is not hydrated, only its islands
/// are). In the SPA it sends from the page, and where the write says to go
/// next, the page goes (`crate::providers::NavigateAfterWrites`). Either way the browser does
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
