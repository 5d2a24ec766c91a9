use leptos::prelude::*;

/// The site footer with the wordmark.
#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer>
            <div class="container">
                <a href="/" class="logo-font">"conduit"</a>
                <span class="attribution">
                    "An interactive learning project. Code & design licensed under MIT."
                </span>
            </div>
        </footer>
    }
}
