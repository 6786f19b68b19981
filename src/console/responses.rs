//! Responses every console page is built on: the security headers, redirects, plain
//! errors, and the stylesheet.

use poem::http::{header, StatusCode};
use poem::{handler, Response};

/// Only what Roster serves itself: no script at all yet, no framing, forms to itself.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The stylesheet every page links to.
const STYLESHEET: &str = include_str!("console.css");

/// Headers every console page carries.
pub(super) fn secure(builder: poem::ResponseBuilder) -> poem::ResponseBuilder {
    builder
        .header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
        .header(header::X_FRAME_OPTIONS, "DENY")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "same-origin")
        .header(header::CACHE_CONTROL, "no-store")
}

/// A redirect to `location`, after a form or to where the visitor belongs.
pub(super) fn see_other(location: &str) -> Response {
    secure(Response::builder().status(StatusCode::SEE_OTHER))
        .header(header::LOCATION, location)
        .finish()
}

/// A one-sentence answer with no page around it.
pub(super) fn plain_error(status: StatusCode, message: &str) -> Response {
    secure(Response::builder().status(status))
        .content_type("text/plain; charset=utf-8")
        .body(message.to_owned())
}

/// The answer for an unknown tenant or an action the page does not know.
pub(super) fn not_found() -> Response {
    plain_error(StatusCode::NOT_FOUND, "Not found")
}

/// The console's stylesheet.
#[handler]
pub fn stylesheet() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=86400")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(STYLESHEET)
}
