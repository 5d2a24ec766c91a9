use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{decode_segment, encode_segment};
use crate::components::{ArticleList, Pagination};
use crate::error::AppError;
use crate::functions::articles::list_articles;
use crate::functions::tags::list_tags;
use crate::models::{FeedQuery, ListFilter};
use crate::session::{Session, Writes};

/// `/`, `/?feed=following`, `/tag/:tag`, each with `?page=N`.
#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let params = use_params_map();
    let session = Session::get();
    let writes = Writes::get();
    let feed = Memo::new(move |_| {
        let query = query.get();
        let tag = params.get().get("tag").map(|t| decode_segment(&t));
        FeedQuery {
            following: tag.is_none() && query.get("feed").as_deref() == Some("following"),
            filter: ListFilter {
                tag,
                ..ListFilter::default()
            },
            page: query
                .get("page")
                .and_then(|p| p.parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    });
    let articles = Resource::new(
        move || (feed.get(), writes.version()),
        |(feed, _)| list_articles(feed),
    );
    let tags = Resource::new(move || writes.version(), |_| list_tags());

    let tab = move |label: &'static str, href: String, active: bool| {
        view! {
            <li class="nav-item">
                <a class="nav-link" class:active=active href=href>{label}</a>
            </li>
        }
    };

    view! {
        <Title text="Home"/>
        <Meta name="description" content="Conduit: read and share articles from the community."/>
        <div class="home-page">
            <div class="banner">
                <div class="container">
                    <h1 class="logo-font">"conduit"</h1>
                    <p>"A place to share your knowledge."</p>
                </div>
            </div>
            <div class="container page">
                <div class="row">
                    <div class="col-md-9">
                        <div class="feed-toggle">
                            <ul class="nav nav-pills outline-active">
                                <Transition fallback=|| ()>
                                    {move || session.current().map(|_| {
                                        tab("Your Feed", "/?feed=following".into(), feed.get().following)
                                    })}
                                </Transition>
                                {move || {
                                    let feed = feed.get();
                                    tab("Global Feed", "/".into(), !feed.following && feed.filter.tag.is_none())
                                }}
                                {move || feed.get().filter.tag.map(|tag| view! {
                                    <li class="nav-item">
                                        <a class="nav-link active" href=format!("/tag/{}", encode_segment(&tag))>
                                            <i class="ion-pound"></i>{format!(" {tag}")}
                                        </a>
                                    </li>
                                })}
                            </ul>
                        </div>
                        <Transition fallback=|| view! { <div class="article-preview">"Loading articles..."</div> }>
                            {move || articles.get().map(|result| match result {
                                Ok(list) => {
                                    let feed = feed.get();
                                    let following = feed.following;
                                    let link = move |page: u32| match (&feed.filter.tag, following) {
                                        (Some(tag), _) => format!("/tag/{}?page={page}", encode_segment(tag)),
                                        (None, true) => format!("/?feed=following&page={page}"),
                                        (None, false) => format!("/?page={page}"),
                                    };
                                    let empty = move || if following {
                                        view! {
                                            "Your feed is empty. Follow some authors, or browse the "
                                            <a href="/">"Global Feed"</a>"."
                                        }.into_any()
                                    } else {
                                        view! { "No articles are here... yet." }.into_any()
                                    };
                                    view! {
                                        <ArticleList articles=list.articles empty=empty/>
                                        <Pagination total=list.articles_count current=feed.page link=link/>
                                    }.into_any()
                                }
                                Err(AppError::Unauthorized { .. }) => view! { <Redirect path="/login"/> }.into_any(),
                                Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                            })}
                        </Transition>
                    </div>
                    <div class="col-md-3">
                        <div class="sidebar">
                            <p>"Popular Tags"</p>
                            <Transition fallback=|| view! { <p>"Loading tags..."</p> }>
                                {move || tags.get().map(|result| match result {
                                    Ok(tags) if tags.is_empty() => view! {
                                        <p class="no-tags">"No tags are here... yet."</p>
                                    }.into_any(),
                                    Ok(tags) => view! {
                                        <div class="tag-list">
                                            {tags.into_iter().map(|tag| view! {
                                                <a href=format!("/tag/{}", encode_segment(&tag)) class="tag-pill tag-default">{tag.clone()}</a>
                                            }).collect_view()}
                                        </div>
                                    }.into_any(),
                                    Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                                })}
                            </Transition>
                        </div>
                    </div>
                </div>
            </div>
        </div>
    }
}
