use leptos::prelude::*;
use leptos_router::components::Redirect;

use super::{ArticlePreviews, ErrorMessages, Pagination};
use crate::error::AppError;
use crate::models::{ArticleList, ListQuery};
use crate::providers::page_error;
use crate::urls;

/// A list of articles and its pagination, as the home and profile pages
/// show it, under the page's error list (a favorite or follow whose post
/// failed). A signed-out visitor asking for their feed is sent to sign in.
#[component]
pub fn ArticleListing(
    query: Memo<ListQuery>,
    articles: Resource<Result<ArticleList, AppError>>,
    /// What an empty list says.
    #[prop(into)]
    empty: ViewFn,
) -> impl IntoView {
    view! {
        <ErrorMessages error=page_error()/>
        <Transition fallback=|| view! { <div class="article-preview">"Loading articles..."</div> }>
            {move || articles.get().map(|result| match result {
                Ok(list) => view! {
                    <ArticlePreviews articles=list.articles empty=empty.clone()/>
                    <Pagination total=list.articles_count query=query.get()/>
                }.into_any(),
                Err(error) if error.status_code() == 401 => view! { <Redirect path=urls::LOGIN/> }.into_any(),
                Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}
