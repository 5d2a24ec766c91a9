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
pub use error_messages::{form_error, ErrorMessages};
pub use footer::Footer;
pub use listing::ArticleListing;
pub use navbar::Navbar;
pub use pagination::Pagination;

/// The avatar to show for a profile image: the default one when none is set.
pub fn avatar(image: Option<&str>) -> String {
    match image.map(str::trim) {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => url.to_owned(),
        _ => crate::urls::DEFAULT_AVATAR.to_owned(),
    }
}

/// A date as articles show it: "January 2, 2026".
pub fn display_date(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%B %-d, %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_or_unsafe_images_fall_back_to_the_default_avatar() {
        assert_eq!(avatar(None), "/default-avatar.svg");
        assert_eq!(avatar(Some("")), "/default-avatar.svg");
        assert_eq!(avatar(Some("javascript:alert(1)")), "/default-avatar.svg");
        assert_eq!(avatar(Some("https://x.test/a.png")), "https://x.test/a.png");
    }
}
