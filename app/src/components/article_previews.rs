use leptos::prelude::*;

use super::{avatar, display_date, FavoriteButton};
use crate::models::Article;
use crate::urls;

/// One article in a list.
#[component]
fn ArticlePreview(article: Article) -> impl IntoView {
    let author = article.author.username.clone();
    let profile = urls::profile(&author);
    view! {
        <div class="article-preview">
            <div class="article-meta">
                <a href=profile.clone()>
                    <img src=avatar(article.author.image.as_deref()) alt=""/>
                </a>
                <div class="info">
                    <a href=profile class="author">{author}</a>
                    <span class="date">{display_date(&article.created_at)}</span>
                </div>
                <FavoriteButton
                    slug=article.slug.clone()
                    favorited=article.favorited
                    count=article.favorites_count
                    label=false
                />
            </div>
            <a href=urls::article(&article.slug) class="preview-link">
                <h1>{article.title}</h1>
                <p>{article.description}</p>
                <span>"Read more..."</span>
                <ul class="tag-list">
                    {article
                        .tag_list
                        .into_iter()
                        .map(|tag| view! { <li class="tag-default tag-pill tag-outline">{tag}</li> })
                        .collect_view()}
                </ul>
            </a>
        </div>
    }
}

/// The previews of a window of a list, or the empty message.
#[component]
pub fn ArticlePreviews(articles: Vec<Article>, #[prop(into)] empty: ViewFn) -> impl IntoView {
    if articles.is_empty() {
        view! { <div class="article-preview empty-feed-message">{empty.run()}</div> }.into_any()
    } else {
        articles
            .into_iter()
            .map(|article| view! { <ArticlePreview article/> })
            .collect_view()
            .into_any()
    }
}
