//! The server-rendered pages' forms. Each posts to the URL of the page that
//! shows it, naming the server function it calls in a hidden field
//! ([`app::forms::ACTION_FIELD`]); this layer calls that function. Success
//! is a `303 See Other` to where the function says (or back to the page);
//! failure is the page itself, rendered again at its own URL with the
//! error and what was typed (but passwords), with the error's status. So
//! a visitor whose form fails keeps the URL, the fields and the page, with
//! or without JavaScript; and the page shows only an error the server
//! produced for this very request (nothing read from the URL).

use std::sync::Arc;

use app::backend::limits::RateLimits;
use app::error::AppError;
use app::forms::{Resubmitted, ACTION_FIELD, PASSWORD_FIELDS};
use app::rpc::FORM_ACTIONS;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;

use crate::client_ip::ClientIp;
use crate::metrics::{Refusal, Refusals};
use crate::rate_limit;

/// Larger than any error the app writes.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What answering a form post needs: the pages and server functions (the
/// router without this layer), and the rate limits of what the forms do.
#[derive(Clone)]
pub struct Forms {
    pages: Router,
    limits: Arc<RateLimits>,
    refusals: Refusals,
    /// The body limit of pages and server functions, in bytes.
    max_body: usize,
}

impl Forms {
    pub fn new(
        pages: Router,
        limits: Arc<RateLimits>,
        refusals: Refusals,
        max_body: usize,
    ) -> Self {
        Self {
            pages,
            limits,
            refusals,
            max_body,
        }
    }
}

/// Answers a `POST` to a page; anything else goes on.
pub async fn posted(State(forms): State<Forms>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || FORM_ACTIONS.iter().any(|a| request.uri().path() == *a) {
        return next.run(request).await;
    }
    match submit(&forms, request).await {
        Ok(response) | Err(response) => response,
    }
}

async fn submit(forms: &Forms, request: Request) -> Result<Response, Response> {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, forms.max_body)
        .await
        .map_err(|_| AppError::PayloadTooLarge.into_response())?;
    let mut fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let action = fields
        .iter()
        .position(|(name, _)| name == ACTION_FIELD)
        .map(|at| fields.remove(at).1)
        .and_then(|action| FORM_ACTIONS.iter().copied().find(|known| *known == action))
        .ok_or_else(|| AppError::invalid("form", "names no action").into_response())?;
    if let Some(ClientIp(address)) = parts.extensions.get::<ClientIp>() {
        let kind = rate_limit::kind(&Method::POST, action);
        if let Some(refused) = kind.and_then(|kind| forms.limits.from_address(kind, *address).err())
        {
            forms.refusals.count(Refusal::RateLimited);
            return Ok(page(forms, &parts, action, &fields, refused).await);
        }
    }

    // The server function, as its own client would call it: the answer is
    // its result (with its status), never a redirect.
    let mut call = Request::from_parts(parts.clone(), Body::from(encode(&fields)));
    *call.uri_mut() = action
        .parse()
        .map_err(|_| AppError::Internal.into_response())?;
    let headers = call.headers_mut();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.remove(CONTENT_LENGTH);
    let answer = forms
        .pages
        .clone()
        .oneshot(call)
        .await
        .map_err(|never| match never {})?;
    if answer.status().is_success() {
        return Ok(see_other(&parts, answer));
    }
    let status = answer.status();
    let bytes = to_bytes(answer.into_body(), MAX_ANSWER_BYTES)
        .await
        .unwrap_or_default();
    let error = serde_json::from_slice::<AppError>(&bytes).unwrap_or_else(|_| {
        tracing::warn!(%status, %action, "a form's server function failed without an app error");
        AppError::Internal
    });
    Ok(page(forms, &parts, action, &fields, error).await)
}

/// After a write: `303 See Other` to where the function sent the visitor,
/// or back to the page (a comment posted, an article favorited), with the
/// cookies it set.
fn see_other(page: &axum::http::request::Parts, answer: Response) -> Response {
    let location = answer
        .headers()
        .get(LOCATION)
        .cloned()
        .or_else(|| HeaderValue::try_from(page.uri.to_string()).ok());
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Some(location) = location {
        headers.insert(LOCATION, location);
    }
    for cookie in answer.headers().get_all(SET_COOKIE) {
        headers.append(SET_COOKIE, cookie.clone());
    }
    response
}

/// The page the form was on, rendered again for this request with the
/// error and the fields as typed (but passwords), answered with the
/// error's status.
async fn page(
    forms: &Forms,
    parts: &axum::http::request::Parts,
    action: &'static str,
    fields: &[(String, String)],
    error: AppError,
) -> Response {
    let status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::BAD_REQUEST);
    let retry_after = error
        .clone()
        .into_response()
        .headers()
        .get("retry-after")
        .cloned();
    let typed = fields
        .iter()
        .filter(|(name, _)| !PASSWORD_FIELDS.contains(&name.as_str()))
        .cloned()
        .collect();
    let mut render = Request::from_parts(parts.clone(), Body::empty());
    *render.method_mut() = Method::GET;
    render.headers_mut().remove(CONTENT_TYPE);
    render.headers_mut().remove(CONTENT_LENGTH);
    render.extensions_mut().insert(Resubmitted {
        action: action.to_owned(),
        fields: typed,
        error,
    });
    let mut response = match forms.pages.clone().oneshot(render).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    // The answer is the form's failure, unless the page could not be shown
    // at all (it sends the visitor elsewhere, or failed itself).
    if !response.status().is_redirection() && !response.status().is_server_error() {
        *response.status_mut() = status;
    }
    if let Some(retry_after) = retry_after {
        response.headers_mut().insert("retry-after", retry_after);
    }
    response
}

fn encode(fields: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}
