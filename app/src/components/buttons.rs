use leptos::prelude::*;

use crate::data::Form;
use crate::providers::Writes;

/// Favorite / unfavorite an article: a one-button form, so it works before
/// hydration too. `label` shows "Favorite Article (N)"; without it, just the count.
#[component]
pub fn FavoriteButton(
    slug: String,
    favorited: bool,
    count: i64,
    #[prop(optional)] label: bool,
) -> impl IntoView {
    let action = Writes::get().set_favorite;
    let class = if favorited {
        "btn btn-sm btn-primary"
    } else {
        "btn btn-sm btn-outline-primary"
    };
    let text = match (label, favorited) {
        (false, _) => format!(" {count}"),
        (true, false) => format!(" Favorite Article ({count})"),
        (true, true) => format!(" Unfavorite Article ({count})"),
    };
    view! {
        <Form action=action>
            <input type="hidden" name="slug" value=slug/>
            <input type="hidden" name="favorite" value=(!favorited).to_string()/>
            <button type="submit" class=class class:pull-xs-right=!label>
                <i class="ion-heart"></i>
                {text}
            </button>
        </Form>
    }
}

/// Follow / unfollow a user: "Follow jake" / "Unfollow jake".
#[component]
pub fn FollowButton(username: String, following: bool) -> impl IntoView {
    let action = Writes::get().set_following;
    let (class, verb, icon) = if following {
        (
            "btn btn-sm btn-secondary action-btn",
            "Unfollow",
            "ion-minus-round",
        )
    } else {
        (
            "btn btn-sm btn-outline-secondary action-btn",
            "Follow",
            "ion-plus-round",
        )
    };
    view! {
        <Form action=action>
            <input type="hidden" name="username" value=username.clone()/>
            <input type="hidden" name="follow" value=(!following).to_string()/>
            <button type="submit" class=class>
                <i class=icon></i>
                {format!(" {verb} {username}")}
            </button>
        </Form>
    }
}
