use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the response status to 404 when rendering on the server.
fn mark_not_found() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
}

/// Shown for any route, article or profile that does not exist, with a real 404 status.
#[component]
pub fn NotFound() -> impl IntoView {
    mark_not_found();
    view! {
        <Title text="Page not found"/>
        <div class="container page not-found">
            <h1>"Page not found"</h1>
            <p>"The page you are looking for does not exist."</p>
            <a href="/">"Back to the home page"</a>
        </div>
    }
}
