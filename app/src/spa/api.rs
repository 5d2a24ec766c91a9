//! Requests to the REST API: `fetch` through gloo-net, JSON in and out,
//! `Authorization: Token …` while signed in, and every failure turned into
//! an [`AppError`] whose lines are what SPA.md says a user sees.

use std::time::Duration;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{AppError, FieldErrors};

/// The API's base URL, an absolute URL ending in `/api`: set when the SPA
/// is built (`API_BASE=https://api.example.com/api make spa`).
pub const API_BASE: &str = match option_env!("API_BASE") {
    Some(base) => base,
    None => "http://127.0.0.1:3000/api",
};

/// What a request sends besides its method and path.
#[derive(Default)]
pub struct Call {
    pub body: Option<Value>,
    pub token: Option<String>,
    /// Abort after this long (the start-up check waits 10 s at most).
    pub timeout: Option<Duration>,
}

/// A successful answer: its body (maybe empty) and the headers that matter.
pub struct Answer {
    pub body: String,
    pub next_link: Option<String>,
}

impl Answer {
    /// The body as `T`; a body that is not `T` is a page failure, not a crash.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        serde_json::from_str(&self.body).map_err(|_| AppError::BadAnswer)
    }
}

/// Sends `method path` to the API. Any 2xx is success, whatever its body.
pub async fn send(method: &str, path: &str, call: Call) -> Result<Answer, AppError> {
    let url = format!("{API_BASE}{path}");
    let mut builder = match method {
        "POST" => Request::post(&url),
        "PUT" => Request::put(&url),
        "DELETE" => Request::delete(&url),
        _ => Request::get(&url),
    };
    if let Some(token) = &call.token {
        builder = builder.header("Authorization", &format!("Token {token}"));
    }
    let abort = call.timeout.and_then(abort_after);
    if let Some(abort) = &abort {
        builder = builder.abort_signal(Some(&abort.signal()));
    }
    let response = with_body(builder, call.body)?
        .send()
        .await
        .map_err(|_| AppError::Offline)?;
    answer(response).await
}

fn with_body(builder: RequestBuilder, body: Option<Value>) -> Result<Request, AppError> {
    match body {
        Some(body) => builder.json(&body),
        None => builder.build(),
    }
    .map_err(|_| AppError::Offline)
}

async fn answer(response: Response) -> Result<Answer, AppError> {
    let status = response.status();
    let next_link = response
        .headers()
        .get("link")
        .and_then(|link| next_of(&link));
    let body = response.text().await.map_err(|_| AppError::Offline)?;
    if (200..300).contains(&status) {
        return Ok(Answer { body, next_link });
    }
    // `{"errors": {key: [messages]}}` from any status is shown as it came;
    // any other body as a line giving the status.
    let errors = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|value| serde_json::from_value::<FieldErrors>(value.get("errors")?.clone()).ok())
        .filter(|errors| !errors.is_empty())
        .unwrap_or_else(|| FieldErrors::from([("status".to_owned(), vec![status.to_string()])]));
    Err(AppError::Reported { status, errors })
}

/// The URL in a `Link: <url>; rel="next"` header.
fn next_of(link: &str) -> Option<String> {
    link.split(',')
        .find(|part| part.contains("rel=\"next\""))
        .and_then(|part| part.split_once('<'))
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(url, _)| url.to_owned())
}

/// An abort controller that fires after `timeout` (none in a browser
/// without one: the request then waits as long as the browser does).
fn abort_after(timeout: Duration) -> Option<web_sys::AbortController> {
    let controller = web_sys::AbortController::new().ok()?;
    let fire = controller.clone();
    leptos::prelude::set_timeout(move || fire.abort(), timeout);
    Some(controller)
}

/// A path segment or query value, percent-encoded.
pub fn encode(value: &str) -> String {
    crate::urls::encode_segment(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_read_from_the_header() {
        let link = r#"</api/articles/a/comments?after=9&limit=100>; rel="next""#;
        assert_eq!(
            next_of(link).as_deref(),
            Some("/api/articles/a/comments?after=9&limit=100")
        );
        assert_eq!(next_of(r#"</x>; rel="prev""#), None);
    }
}
