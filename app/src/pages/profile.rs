use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use super::NotFound;
use crate::components::{avatar, ArticleListing, FollowButton};
use crate::data::{get_profile, list_articles};
use crate::error::AppError;
use crate::models::{ListFilter, ListQuery, Profile};
use crate::providers::{Visitor, Writes};
use crate::urls;

/// `/profile/:username` (their articles) and `/profile/:username/favorites`.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let path = use_location().pathname;
    let visitor = Visitor::get();
    let writes = Writes::get();
    let username = move || urls::decode_segment(&params.get().get("username").unwrap_or_default());
    let list = Memo::new(move |_| {
        let name = Some(username());
        let filter = if path.get().ends_with("/favorites") {
            ListFilter {
                favorited: name,
                ..ListFilter::default()
            }
        } else {
            ListFilter {
                author: name,
                ..ListFilter::default()
            }
        };
        ListQuery {
            following: false,
            filter,
            page_number: urls::page_number(query.get().get(urls::PAGE).as_deref()),
        }
    });
    let profile = Resource::new(
        move || (username(), writes.version()),
        |(name, _)| get_profile(name),
    );
    let articles = Resource::new(
        move || (list.get(), writes.version()),
        |(list, _)| list_articles(list),
    );

    view! {
        <Transition fallback=|| view! { <div class="profile-page"></div> }>
            {move || profile.get().map(|result| match result {
                Ok(profile) => {
                    let is_me = visitor.username().as_deref() == Some(profile.username.as_str());
                    view! {
                    <Title text=profile.username.clone()/>
                    <Meta name="description" content=format!("Articles by {} on Conduit", profile.username)/>
                    <div class="profile-page">
                        <UserInfo profile=profile.clone() is_me/>
                        <div class="container">
                            <div class="row">
                                <div class="col-xs-12 col-md-10 offset-md-1">
                                    <ProfileTabs username=profile.username.clone() list/>
                                    <ArticleListing query=list articles empty=|| "No articles are here... yet."/>
                                </div>
                            </div>
                        </div>
                    </div>
                    }.into_any()
                }
                Err(error) => view! { <ProfileFailure error/> }.into_any(),
            })}
        </Transition>
    }
}

/// A profile that could not be shown: the page frame and why, without the
/// user's details (SPA.md, "Page failures").
#[component]
fn ProfileFailure(error: AppError) -> impl IntoView {
    view! {
        <div class="profile-page">
            {if error.is_not_found() {
                view! { <NotFound/> }.into_any()
            } else {
                view! { <p class="container error">{error.to_string()}</p> }.into_any()
            }}
        </div>
    }
}

/// Avatar, name and bio; a follow button for others, a settings link for oneself.
#[component]
fn UserInfo(profile: Profile, is_me: bool) -> impl IntoView {
    let action = if is_me {
        view! {
            <a class="btn btn-sm btn-outline-secondary action-btn" href=urls::SETTINGS>
                <i class="ion-gear-a"></i>" Edit Profile Settings"
            </a>
        }
        .into_any()
    } else {
        view! { <FollowButton username=profile.username.clone() following=profile.following/> }
            .into_any()
    };
    view! {
        <div class="user-info">
            <div class="container">
                <div class="row">
                    <div class="col-xs-12 col-md-10 offset-md-1">
                        <img src=avatar(profile.image.as_deref()) class="user-img" alt=""/>
                        <h4>{profile.username}</h4>
                        <p>{profile.bio.unwrap_or_default()}</p>
                        {action}
                    </div>
                </div>
            </div>
        </div>
    }
}

/// "My Articles" and "Favorited Articles".
#[component]
fn ProfileTabs(username: String, list: Memo<ListQuery>) -> impl IntoView {
    let mine = urls::profile(&username);
    let favorites = urls::profile_favorites(&username);
    move || {
        let on_favorites = list.get().filter.favorited.is_some();
        view! {
            <div class="articles-toggle">
                <ul class="nav nav-pills outline-active">
                    <li class="nav-item">
                        <a class="nav-link" class:active=!on_favorites href=mine.clone()>"My Articles"</a>
                    </li>
                    <li class="nav-item">
                        <a class="nav-link" class:active=on_favorites href=favorites.clone()>"Favorited Articles"</a>
                    </li>
                </ul>
            </div>
        }
    }
}
