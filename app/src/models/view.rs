//! Shapes the web UI's server functions return.

use serde::{Deserialize, Serialize};

use super::{Article, ListFilter, User};

/// The signed-in user as the browser sees them: no token, which stays in
/// the HttpOnly cookie where scripts cannot read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub username: String,
    pub email: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

impl From<User> for SessionUser {
    fn from(user: User) -> Self {
        Self {
            username: user.username,
            email: user.email,
            bio: user.bio,
            image: user.image,
        }
    }
}

/// An article page: the article and its body rendered to sanitised HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleView {
    pub article: Article,
    pub body_html: String,
}

/// Which list of articles a page of the UI shows, and which page of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListQuery {
    /// The signed-in user's feed of followed authors.
    #[serde(default)]
    pub following: bool,
    #[serde(default)]
    pub filter: ListFilter,
    /// Which window of [`PAGE_SIZE`] the page shows, from 1 (`?page=N`).
    #[serde(default = "first_page")]
    pub page_number: u32,
}

fn first_page() -> u32 {
    1
}

/// Articles per page in the UI (FRONTEND.md).
pub const PAGE_SIZE: u32 = 10;

impl ListQuery {
    /// The window of the list this UI page shows; 422 past the deepest one.
    pub fn window(&self) -> Result<super::Window, crate::error::AppError> {
        super::Window::new(
            i64::from(PAGE_SIZE),
            i64::from(self.page_number.max(1) - 1) * i64::from(PAGE_SIZE),
        )
    }

    /// The last page number the UI links to.
    pub fn last_page() -> u32 {
        let pages = super::Window::MAX_OFFSET / i64::from(PAGE_SIZE) + 1;
        u32::try_from(pages).unwrap_or(u32::MAX)
    }
}

/// Splits the editor's tag fields into tags: the pills (joined by commas)
/// and whatever is still typed in the tag input, also comma-separated.
pub fn split_tags(pills: &str, typed: &str) -> Vec<String> {
    pills
        .split(',')
        .chain(typed.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_pages_map_to_windows() {
        let query = ListQuery {
            page_number: 3,
            ..ListQuery::default()
        };
        assert_eq!(query.window().unwrap().offset, 20);
        assert_eq!(query.window().unwrap().limit, 10);
    }

    #[test]
    fn tags_come_from_pills_and_the_input() {
        assert_eq!(
            split_tags("rust,axum", " leptos ,"),
            ["rust", "axum", "leptos"]
        );
        assert!(split_tags("", "").is_empty());
    }
}

/// What is known of who is signed in (SPA.md, "Start-up check"; the
/// server-rendered build knows at once, but for an unreachable database).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthState {
    /// Still asking.
    Loading,
    Authenticated,
    Unauthenticated,
    /// The question could not be answered; asked again shortly.
    Unavailable,
}

impl AuthState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loading => "loading",
            Self::Authenticated => "authenticated",
            Self::Unauthenticated => "unauthenticated",
            Self::Unavailable => "unavailable",
        }
    }
}
