//! The cookie that carries the API's session into the console: reading it, setting it
//! after a sign-in, clearing it after a sign-out.

use poem::http::header;
use poem::{Request, Response};

use super::responses::see_other;
use super::visit::Visit;
use crate::app::App;
use crate::config::Tenant;

/// The cookie that carries the console's session (the API's session token).
const SESSION_COOKIE: &str = "roster_console";

impl Visit {
    /// The sign-in page, with the session cookie cleared (the session itself is ended
    /// by the caller).
    pub(super) fn signed_out(&self) -> Response {
        let mut response = see_other(&self.path("/sign-in"));
        let cookie = self.session_cookie(None);
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookie.parse().expect("cookie header"));
        response
    }

    /// Home, with the session `token` (just opened by the API) in the cookie.
    pub(super) fn home_with_session(&self, token: &str) -> Response {
        self.to_with_session("", token)
    }

    /// A redirect to the console's `rest` (`?password=changed`) carrying the session
    /// cookie for `token`.
    pub(super) fn to_with_session(&self, rest: &str, token: &str) -> Response {
        let mut response = see_other(&self.path(rest));
        let cookie = self.session_cookie(Some(token));
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookie.parse().expect("cookie header"));
        response
    }

    /// The session cookie holding `token` (or clearing it, for None).
    fn session_cookie(&self, token: Option<&str>) -> String {
        let secure = if self.is_https() { "; Secure" } else { "" };
        let path = format!("/t/{}/", self.tenant.slug);
        match token {
            Some(token) => session_cookie_for(&self.app, &self.tenant, token),
            None => format!("{SESSION_COOKIE}=; Path={path}; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
        }
    }
}

/// The Set-Cookie value that carries a session opened outside the console (an accepted
/// invitation) into it.
pub(crate) fn session_cookie_for(app: &App, tenant: &Tenant, token: &str) -> String {
    let secure = if tenant.public_url(&app.settings.public_url).scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={token}; Path=/t/{}/; HttpOnly; SameSite=Lax{secure}",
        tenant.slug
    )
}

/// The session token a request carries in its cookie, if any.
pub(super) fn session_token(req: &Request) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}
