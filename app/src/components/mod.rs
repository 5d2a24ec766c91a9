//! View pieces shared by several pages.

mod article_meta;
mod article_previews;
mod buttons;
mod error_messages;
mod footer;
mod listing;
mod navbar;
mod pagination;

pub use article_meta::ArticleMeta;
pub use article_previews::ArticlePreviews;
pub use buttons::{FavoriteButton, FollowButton};
pub use error_messages::ErrorMessages;
pub use footer::Footer;
pub use listing::ArticleListing;
pub use navbar::Navbar;
pub use pagination::Pagination;

/// The avatar to show for a profile image: the image as given, or the
/// default one when none is set. Any string is safe here: it only ever goes
/// into an escaped `img src`, which browsers never run (API.md, "image").
pub fn avatar(image: Option<&str>) -> String {
    match image {
        Some(url) if !url.is_empty() => url.to_owned(),
        _ => crate::urls::DEFAULT_AVATAR.to_owned(),
    }
}

/// A date as articles show it: "January 2, 2026". Written out rather than
/// with `chrono`'s `format`, whose pattern machinery would weigh on the
/// WASM bundle for one fixed pattern.
pub fn display_date(at: &chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = MONTHS
        .get(at.month0() as usize)
        .copied()
        .unwrap_or_default();
    format!("{month} {}, {}", at.day(), at.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_like_prose() {
        use chrono::TimeZone;
        let at = chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(display_date(&at), "January 2, 2026");
    }

    #[test]
    fn missing_images_fall_back_to_the_default_avatar_and_others_stay_as_given() {
        assert_eq!(avatar(None), "/default-avatar.svg");
        assert_eq!(avatar(Some("")), "/default-avatar.svg");
        assert_eq!(avatar(Some("javascript:alert(1)")), "javascript:alert(1)");
        assert_eq!(avatar(Some("https://x.test/a.png")), "https://x.test/a.png");
    }
}

/// A render may outlive its request: when the client leaves while a page's
/// data is on its way, the page's context (provided by `App` for the
/// request) is gone by the time the data arrives and the rest renders.
/// What renders inside a page's `Transition`s reads none of it.
#[cfg(all(test, feature = "ssr"))]
mod without_context {
    use leptos::prelude::*;

    use super::{ArticleMeta, ArticlePreviews};
    use crate::models::{Article, Profile};

    fn article() -> Article {
        Article {
            slug: "how-to".into(),
            title: "How to".into(),
            description: "It is done so.".into(),
            body: None,
            tag_list: vec!["rust".into()],
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            favorited: false,
            favorites_count: 3,
            author: Profile::public("jake".into(), None, None),
        }
    }

    #[test]
    fn a_list_and_an_articles_actions_render_with_no_context_at_all() {
        let html = Owner::new().with(|| {
            view! {
                <ArticlePreviews articles=vec![article()] empty=|| ()/>
                <ArticleMeta article=article() is_author=false/>
                <ArticleMeta article=article() is_author=true/>
            }
            .to_html()
        });
        assert!(html.contains("Favorite Article (3)"), "{html}");
        assert!(html.contains("Follow jake"), "{html}");
        assert!(html.contains("Delete Article"), "{html}");
    }
}
