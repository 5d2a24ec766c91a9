use leptos::prelude::*;
use leptos_meta::Title;

use crate::functions::tags::list_tags;

/// The home page: banner, feeds and popular tags.
#[component]
pub fn HomePage() -> impl IntoView {
    let tags = Resource::new(|| (), |_| list_tags());

    view! {
        <Title text="Home"/>
        <div class="home-page">
            <div class="banner">
                <div class="container">
                    <h1 class="logo-font">"conduit"</h1>
                    <p>"A place to share your knowledge."</p>
                </div>
            </div>
            <div class="container page">
                <div class="row">
                    <div class="col-md-9"></div>
                    <div class="col-md-3">
                        <div class="sidebar">
                            <p>"Popular Tags"</p>
                            <Suspense fallback=|| view! { <p>"Loading tags..."</p> }>
                                {move || tags.get().map(|result| match result {
                                    Ok(tags) if tags.is_empty() => view! {
                                        <p class="no-tags">"No tags are here... yet."</p>
                                    }.into_any(),
                                    Ok(tags) => view! {
                                        <div class="tag-list">
                                            {tags.into_iter().map(|tag| view! {
                                                <a href=format!("/tag/{tag}") class="tag-pill tag-default">{tag.clone()}</a>
                                            }).collect_view()}
                                        </div>
                                    }.into_any(),
                                    Err(error) => view! {
                                        <p class="error">{error.to_string()}</p>
                                    }.into_any(),
                                })}
                            </Suspense>
                        </div>
                    </div>
                </div>
            </div>
        </div>
    }
}
