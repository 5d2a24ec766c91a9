use leptos::prelude::*;

use super::{avatar, display_date, FavoriteButton, FollowButton};
use crate::data::Form;
use crate::models::Article;
use crate::providers::Writes;
use crate::urls;

/// Author, date and the actions on an article: edit and delete for its
/// author; follow and favorite for everyone else.
#[component]
pub fn ArticleMeta(article: Article, is_author: bool) -> impl IntoView {
    let author = article.author.clone();
    let profile = urls::profile(&author.username);
    let actions = if is_author {
        let delete = Writes::get().delete_article;
        view! {
            <span class="author-actions">
                <a class="btn btn-sm btn-outline-secondary" href=urls::editor(&article.slug)>
                    <i class="ion-edit"></i>
                    " Edit Article"
                </a>
                <Form action=delete>
                    <input type="hidden" name="slug" value=article.slug.clone()/>
                    <button type="submit" class="btn btn-sm btn-outline-danger">
                        <i class="ion-trash-a"></i>
                        " Delete Article"
                    </button>
                </Form>
            </span>
        }
        .into_any()
    } else {
        view! {
            <span class="reader-actions">
                <FollowButton username=author.username.clone() following=author.following/>
                <FavoriteButton
                    slug=article.slug.clone()
                    favorited=article.favorited
                    count=article.favorites_count
                    label=true
                />
            </span>
        }
        .into_any()
    };
    view! {
        <div class="article-meta">
            <a href=profile.clone()>
                <img src=avatar(author.image.as_deref()) alt=""/>
            </a>
            <div class="info">
                <a href=profile class="author">{author.username.clone()}</a>
                <span class="date">{display_date(&article.created_at)}</span>
            </div>
            {actions}
        </div>
    }
}
