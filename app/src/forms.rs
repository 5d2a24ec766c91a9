//! The forms of the server-rendered pages: each posts to its page's own URL
//! and names the server function it calls in [`ACTION_FIELD`]; the server
//! calls it, and when it fails renders the page again for that request
//! with a [`Resubmitted`] (the SPA's forms never leave their page).

use crate::error::AppError;

/// The hidden field naming the server function a form calls (its `PATH`).
pub const ACTION_FIELD: &str = "_action";

/// Fields whose values never come back to a page: a password is typed again.
pub const PASSWORD_FIELDS: &[&str] = &["password"];

/// A form post that failed, for the page rendered again in answer to it:
/// which server function it called, what was typed (but passwords), and why
/// it failed. Only the server makes one, for the request it answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resubmitted {
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub error: AppError,
}

impl Resubmitted {
    /// The value typed into field `name`.
    pub fn typed(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
    }
}
