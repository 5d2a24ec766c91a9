use serde::{Deserialize, Serialize};

/// The signed-in user, as `GET /api/user` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub email: String,
    pub token: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

/// A user as others see them; `following` is relative to the viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

impl Profile {
    /// A profile as anyone sees it: `following` is each viewer's own, filled in later.
    pub fn public(username: String, bio: Option<String>, image: Option<String>) -> Self {
        Self {
            username,
            bio,
            image,
            following: false,
        }
    }
}
