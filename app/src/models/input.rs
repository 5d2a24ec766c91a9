//! Request payloads as clients send them. Every field is optional here so that
//! a missing field becomes the contract's `can't be blank` (422) rather than a
//! decoding error; the services parse them into domain types.

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{AppError, FieldErrors};

/// Distinguishes an absent key (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegisterUser {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoginUser {
    pub email: Option<String>,
    pub password: Option<String>,
}

/// `PUT /api/user`: absent keeps, `null` or `""` clears `bio`/`image` and is
/// rejected for the other fields (API.md, tri-state fields).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub username: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub password: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub image: Option<Option<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewArticle {
    pub title: Option<String>,
    pub description: Option<String>,
    pub body: Option<String>,
    pub tag_list: Option<Vec<String>>,
}

/// `PUT /api/articles/:slug`: absent keeps; `tagList: []` clears, `tagList: null` is 422.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateArticle {
    #[serde(default, deserialize_with = "present")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub body: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub tag_list: Option<Option<Vec<String>>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewComment {
    pub body: Option<String>,
}

/// Collects per-field failures so that one response reports all of them.
#[derive(Debug, Default)]
pub struct Checks {
    errors: FieldErrors,
}

impl Checks {
    /// The parsed value, or `None` after recording why `field` was rejected.
    pub fn field<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(message) => {
                self.errors
                    .entry(field.to_owned())
                    .or_default()
                    .push(message);
                None
            }
        }
    }

    /// Like [`Checks::field`] for a key that may be absent: absent passes as `None`.
    pub fn present<T>(
        &mut self,
        field: &str,
        value: Option<Result<T, String>>,
    ) -> Option<Option<T>> {
        match value {
            None => Some(None),
            Some(parsed) => self.field(field, parsed).map(Some),
        }
    }

    /// The 422 with every message recorded: for when a field came back `None`.
    pub fn rejection(self) -> AppError {
        AppError::Unprocessable(self.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_user_tells_absent_from_null() {
        let update: UpdateUser = serde_json::from_str(r#"{"bio": null}"#).unwrap();
        assert_eq!(update.bio, Some(None));
        assert_eq!(update.image, None);
    }

    #[test]
    fn update_article_keeps_tags_when_absent_and_sees_null() {
        let keep: UpdateArticle = serde_json::from_str(r#"{"title": "x"}"#).unwrap();
        assert_eq!(keep.tag_list, None);
        let null: UpdateArticle = serde_json::from_str(r#"{"tagList": null}"#).unwrap();
        assert_eq!(null.tag_list, Some(None));
    }

    #[test]
    fn checks_report_every_field() {
        let mut checks = Checks::default();
        checks.field::<()>("email", Err("can't be blank".into()));
        checks.field::<()>("password", Err("can't be blank".into()));
        let error = checks.rejection();
        assert_eq!(error.field_errors().len(), 2);
    }
}
