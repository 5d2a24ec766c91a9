use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use super::{decode_segment, encode_segment, NotFound};
use crate::components::{avatar, ArticleList, FollowButton, Pagination};
use crate::error::AppError;
use crate::functions::articles::list_articles;
use crate::functions::profiles::get_profile;
use crate::models::{FeedQuery, ListFilter};
use crate::session::{Session, Writes};

/// `/profile/:username` (their articles) and `/profile/:username/favorites`.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let path = use_location().pathname;
    let session = Session::get();
    let writes = Writes::get();
    let username = move || decode_segment(&params.get().get("username").unwrap_or_default());
    let favorites = move || path.get().ends_with("/favorites");
    let feed = Memo::new(move |_| {
        let name = Some(username());
        FeedQuery {
            following: false,
            filter: if favorites() {
                ListFilter {
                    favorited: name,
                    ..ListFilter::default()
                }
            } else {
                ListFilter {
                    author: name,
                    ..ListFilter::default()
                }
            },
            page: query
                .get()
                .get("page")
                .and_then(|p| p.parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    });
    let profile = Resource::new(
        move || (username(), writes.version()),
        |(name, _)| get_profile(name),
    );
    let articles = Resource::new(
        move || (feed.get(), writes.version()),
        |(feed, _)| list_articles(feed),
    );

    view! {
        <Transition fallback=|| view! { <div class="profile-page"></div> }>
            {move || profile.get().map(|result| match result {
                Ok(profile) => {
                    let me = session.username();
                    let is_me = me.as_deref() == Some(profile.username.as_str());
                    let base = format!("/profile/{}", encode_segment(&profile.username));
                    let on_favorites = favorites();
                    view! {
                        <Title text=profile.username.clone()/>
                        <Meta name="description" content=format!("Articles by {} on Conduit", profile.username)/>
                        <div class="profile-page">
                            <div class="user-info">
                                <div class="container">
                                    <div class="row">
                                        <div class="col-xs-12 col-md-10 offset-md-1">
                                            <img src=avatar(profile.image.as_deref()) class="user-img" alt=""/>
                                            <h4>{profile.username.clone()}</h4>
                                            <p>{profile.bio.clone().unwrap_or_default()}</p>
                                            {if is_me {
                                                view! {
                                                    <a class="btn btn-sm btn-outline-secondary action-btn" href="/settings">
                                                        <i class="ion-gear-a"></i>" Edit Profile Settings"
                                                    </a>
                                                }.into_any()
                                            } else {
                                                view! { <FollowButton username=profile.username.clone() following=profile.following/> }.into_any()
                                            }}
                                        </div>
                                    </div>
                                </div>
                            </div>
                            <div class="container">
                                <div class="row">
                                    <div class="col-xs-12 col-md-10 offset-md-1">
                                        <div class="articles-toggle">
                                            <ul class="nav nav-pills outline-active">
                                                <li class="nav-item">
                                                    <a class="nav-link" class:active=!on_favorites href=base.clone()>"My Articles"</a>
                                                </li>
                                                <li class="nav-item">
                                                    <a class="nav-link" class:active=on_favorites href=format!("{base}/favorites")>"Favorited Articles"</a>
                                                </li>
                                            </ul>
                                        </div>
                                        <Transition fallback=|| view! { <div class="article-preview">"Loading articles..."</div> }>
                                            {
                                                let base = base.clone();
                                                move || articles.get().map(|result| match result {
                                                    Ok(list) => {
                                                        let base = if favorites() { format!("{base}/favorites") } else { base.clone() };
                                                        view! {
                                                            <ArticleList articles=list.articles empty=|| "No articles are here... yet."/>
                                                            <Pagination total=list.articles_count current=feed.get().page link=move |page| format!("{base}?page={page}")/>
                                                        }.into_any()
                                                    }
                                                    Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                                                })
                                            }
                                        </Transition>
                                    </div>
                                </div>
                            </div>
                        </div>
                    }.into_any()
                }
                Err(AppError::NotFound(_)) => view! { <NotFound/> }.into_any(),
                Err(error) => view! { <p class="container error">{error.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}
