use leptos::prelude::*;

use crate::error::AppError;

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
