use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::ArticleListing;
use crate::data::{list_articles, list_tags};
use crate::error::AppError;
use crate::models::{ListFilter, ListQuery};
use crate::providers::{Visitor, Writes};
use crate::urls;

/// `/`, `/?feed=following`, `/tag/:tag`, each with `?page=N`.
#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let params = use_params_map();
    let writes = Writes::get();
    let list = Memo::new(move |_| {
        let query = query.get();
        let tag = params.get().get("tag").map(|t| urls::decode_segment(&t));
        ListQuery {
            following: tag.is_none() && query.get(urls::FEED).as_deref() == Some(urls::FOLLOWING),
            filter: ListFilter {
                tag,
                ..ListFilter::default()
            },
            page_number: urls::page_number(query.get(urls::PAGE).as_deref()),
        }
    });
    let articles = Resource::new(
        move || (list.get(), writes.version()),
        |(list, _)| list_articles(list),
    );
    let tags = Resource::new(move || writes.version(), |_| list_tags());
    let empty = move || {
        if list.get().following {
            view! {
                "Your feed is empty. Follow some authors, or browse the "
                <a href=urls::HOME>"Global Feed"</a>"."
            }
            .into_any()
        } else {
            view! { "No articles are here... yet." }.into_any()
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
                        <FeedTabs list/>
                        <ArticleListing query=list articles empty/>
                    </div>
                    <div class="col-md-3">
                        <PopularTags tags/>
                    </div>
                </div>
            </div>
        </div>
    }
}

/// "Your Feed" (signed in), "Global Feed" and the tag being browsed.
#[component]
fn FeedTabs(list: Memo<ListQuery>) -> impl IntoView {
    let visitor = Visitor::get();
    let tab = move |label: &'static str, href: String, active: bool| {
        view! {
            <li class="nav-item">
                <a class="nav-link" class:active=active href=href>{label}</a>
            </li>
        }
    };
    view! {
        <div class="feed-toggle">
            <ul class="nav nav-pills outline-active">
                <Transition fallback=|| ()>
                    {move || visitor.current().map(|_| {
                        tab("Your Feed", urls::YOUR_FEED.into(), list.get().following)
                    })}
                </Transition>
                {move || {
                    let list = list.get();
                    tab("Global Feed", urls::HOME.into(), !list.following && list.filter.tag.is_none())
                }}
                {move || list.get().filter.tag.map(|tag| view! {
                    <li class="nav-item">
                        <a class="nav-link active" href=urls::tag(&tag)>
                            <i class="ion-pound"></i>{format!(" {tag}")}
                        </a>
                    </li>
                })}
            </ul>
        </div>
    }
}

/// The sidebar of tags in use.
#[component]
fn PopularTags(tags: Resource<Result<Vec<String>, AppError>>) -> impl IntoView {
    view! {
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
                                <a href=urls::tag(&tag) class="tag-pill tag-default">{tag.clone()}</a>
                            }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </div>
    }
}
