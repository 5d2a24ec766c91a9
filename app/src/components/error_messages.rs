use leptos::prelude::*;
use leptos::server_fn::error::ServerFnUrlError;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;

/// The error of the last submission of `action`'s form: from the action
/// itself once hydrated, or, after a plain HTML form post, from the URL the
/// server redirected back to (`__path` / `__err`).
pub fn form_error<F>(action: ServerAction<F>) -> Signal<Option<AppError>>
where
    F: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    F::Output: Clone + Send + Sync + 'static,
{
    let query = use_query_map();
    Signal::derive(move || {
        if let Some(result) = action.value().get() {
            return result.err();
        }
        let query = query.get();
        match (query.get("__path"), query.get("__err")) {
            (Some(path), Some(err)) if path == F::PATH => {
                Some(ServerFnUrlError::<AppError>::decode_err(&err))
            }
            _ => None,
        }
    })
}

/// `ul.error-messages` with one `li` per message, or nothing.
#[component]
pub fn ErrorMessages(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            view! {
                <ul class="error-messages">
                    {error.messages().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                </ul>
            }
        })
    }
}
