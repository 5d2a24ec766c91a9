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

/// A write a form makes: a server function, or a request to the REST API.
#[cfg(not(feature = "csr"))]
pub type Write<S> = ServerAction<S>;
#[cfg(feature = "csr")]
pub type Write<S> = Action<S, Result<Done, AppError>>;

/// The write a form of input `S` makes.
#[cfg(not(feature = "csr"))]
pub fn write<S>() -> Write<S>
where
    S: server_fn::ServerFn<Output = Done, Error = AppError> + Send + Sync + Clone + 'static,
{
    ServerAction::new()
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

/// Who is signed in and what is known of it: from the server (a resource
/// re-read whenever `refresh` changes), or from the SPA's token check.
pub fn signed_in_state(
    refresh: impl Fn() -> usize + Send + Sync + 'static,
) -> (
    Signal<crate::providers::AuthState>,
    Signal<Option<crate::models::SessionUser>>,
) {
    #[cfg(not(feature = "csr"))]
    {
        use crate::providers::AuthState;
        let user = Resource::new(refresh, |_| crate::rpc::users::current_user());
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
        let _ = refresh;
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

/// The error of the last submission of `action`'s form. In the
/// server-rendered build, after a plain HTML form post, it comes from the
/// URL the server redirected back to (`__path` / `__err`).
#[cfg(not(feature = "csr"))]
pub fn form_error<S>(action: Write<S>) -> Signal<Option<AppError>>
where
    S: server_fn::ServerFn<Output = Done, Error = AppError> + Send + Sync + Clone + 'static,
{
    use leptos::server_fn::error::ServerFnUrlError;
    let query = leptos_router::hooks::use_query_map();
    Signal::derive(move || {
        if let Some(result) = action.value().get() {
            return result.err();
        }
        let query = query.get();
        match (query.get("__path"), query.get("__err")) {
            (Some(path), Some(err)) if path == S::PATH => {
                Some(ServerFnUrlError::<AppError>::decode_err(&err))
            }
            _ => None,
        }
    })
}

#[cfg(feature = "csr")]
pub fn form_error<S>(action: Write<S>) -> Signal<Option<AppError>>
where
    S: Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// A form that makes `action`'s write. In the server-rendered build it is
/// an HTML form posting to the server function, which answers with a
/// redirect to the page to show next (the page is not hydrated, only its
/// islands are); in the SPA it sends from the page, and where the write
/// says to go next, the page goes ([`NavigateAfterWrites`]). Either way the
/// browser does not validate it (the server does).
#[cfg(not(feature = "csr"))]
#[component]
pub fn Form<S, O>(
    action: Write<S>,
    #[prop(optional)] node_ref: Option<NodeRef<leptos::html::Form>>,
    children: Children,
) -> impl IntoView
where
    S: serde::de::DeserializeOwned
        + server_fn::ServerFn<Protocol = server_fn::Http<server_fn::codec::PostUrl, O>>
        + Clone
        + Send
        + Sync
        + 'static,
    <<S::Client as server_fn::client::Client<S::Error>>::Request as server_fn::request::ClientReq<
        S::Error,
    >>::FormData: From<leptos::web_sys::FormData>,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
    S::Client: server_fn::client::Client<S::Error>,
{
    match node_ref {
        Some(node_ref) => view! {
            <ActionForm action node_ref attr:novalidate=true>{children()}</ActionForm>
        }
        .into_any(),
        None => {
            view! { <ActionForm action attr:novalidate=true>{children()}</ActionForm> }.into_any()
        }
    }
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
