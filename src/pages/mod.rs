//! The pages behind emailed links, for people without a frontend: accepting an
//! invitation, resetting a password (and asking for a reset link), confirming or
//! reverting an email change. Plain HTML forms on the console's layout, stylesheet and
//! catalog, no JavaScript; they lead into the console (an accepted invitation lands
//! signed in). Links in emails point here unless a tenant's `public_url` points at its
//! own frontend. State
//! changes only on POST, so link scanners in mailboxes cannot trigger them; every form
//! carries a CSRF field. A link that no longer works says what happened (used,
//! replaced, revoked, expired) and offers the way on.

mod account;
pub(crate) mod csrf;
mod invitation;
mod strings;

use std::collections::HashMap;

use minijinja::{context, Value};
use poem::http::StatusCode;
use poem::{IntoResponse, Request, Response};
use serde::Serialize;

use self::csrf::Csrf;
use self::strings::Key;
use crate::app::App;
use crate::auth::Visitor;
use crate::error::Error;

pub use self::account::{
    email_change_get, email_change_post, reset_get, reset_post, reset_request_get, reset_request_post, revert_get,
    revert_post,
};
pub use self::invitation::{accept_get, accept_post, request_new_post};

/// Only what Roster serves itself; no inline script or style, no framing.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// One input of a form (every one is required).
#[derive(Serialize)]
struct Field {
    name: &'static str,
    label: String,
    kind: &'static str,
    value: String,
    autocomplete: &'static str,
}

/// A form of a page: where it posts, whether it sends the link's token back, its fields.
#[derive(Serialize)]
struct FormView {
    action: String,
    with_token: bool,
    fields: Vec<Field>,
    submit: String,
}

/// A link to the next step.
#[derive(Serialize)]
struct LinkView {
    href: String,
    label: String,
}

/// What a page shows.
#[derive(Default)]
struct Page {
    title: String,
    error: Option<String>,
    /// What happened to a link that no longer works.
    notice: Option<String>,
    success: Option<String>,
    paragraphs: Vec<String>,
    forms: Vec<FormView>,
    links: Vec<LinkView>,
    token: String,
}

/// One visit to a page: the app, the visitor, and their CSRF cookie.
struct Visit<'a> {
    app: &'a App,
    visitor: Visitor,
    csrf: Csrf,
}

impl<'a> Visit<'a> {
    /// None for an unknown tenant.
    async fn open(app: &'a App, req: &Request, slug: &str) -> Option<Visit<'a>> {
        let tenant = app.tenants.get(slug)?;
        let visitor = crate::http::build_visitor(app, tenant, req, None).await;
        Some(Visit {
            app,
            visitor,
            csrf: Csrf::of(req),
        })
    }

    fn slug(&self) -> &str {
        &self.visitor.tenant.slug
    }

    /// The reader's language among the console's catalogs.
    fn lang(&self) -> &'static str {
        crate::console::language_of(self.visitor.locale())
    }

    fn text(&self, key: Key) -> String {
        crate::console::sentence(self.lang(), key.id(), &[])
    }

    /// A sentence naming someone: `key` with the argument `name` = `value`.
    fn text_naming(&self, key: Key, name: &str, value: &str) -> String {
        crate::console::sentence(self.lang(), key.id(), &[(name, value)])
    }

    /// An empty page with this title.
    fn page(&self, title: Key) -> Page {
        Page {
            title: self.text(title),
            ..Page::default()
        }
    }

    /// Where a member signs in: the console's sign-in page.
    fn sign_in(&self) -> LinkView {
        LinkView {
            href: format!("/t/{}/admin/sign-in", self.slug()),
            label: self.text(Key::SignIn),
        }
    }

    /// The page that asks for a password reset link.
    fn forgot_password(&self) -> LinkView {
        LinkView {
            href: format!("/t/{}/password-reset/request", self.slug()),
            label: self.text(Key::ForgotPassword),
        }
    }

    /// Sign in, or ask for a reset link: the way on from any page that is not a form.
    fn way_on(&self) -> Vec<LinkView> {
        vec![self.sign_in(), self.forgot_password()]
    }

    /// The form asking for a reset link by email address or login.
    fn reset_request_form(&self) -> FormView {
        FormView {
            action: format!("/t/{}/password-reset/request", self.slug()),
            with_token: false,
            fields: vec![Field {
                name: "identifier",
                label: self.text(Key::Identifier),
                kind: "text",
                value: String::new(),
                autocomplete: "username",
            }],
            submit: self.text(Key::SendResetLink),
        }
    }

    /// The page with this status, setting the CSRF cookie when the browser had none.
    fn render(&self, page: Page, status: StatusCode) -> Response {
        let tenant = &self.visitor.tenant;
        let extra = context! {
            problem => page.error,
            notice => page.notice,
            success => page.success,
            paragraphs => page.paragraphs,
            forms => Value::from_serialize(&page.forms),
            links => Value::from_serialize(&page.links),
            token => page.token,
            min_length => tenant.accounts.password_min_length,
        };
        let public_page = crate::console::PublicPage {
            lang: self.lang(),
            csrf_field: self.csrf.field(&self.app.secret_key, &tenant.slug),
            template: "link_page.html",
            title: &page.title,
        };
        let html = crate::console::render_public(self.app, tenant, public_page, extra).unwrap_or_else(|e| {
            tracing::error!(error = %e, "page template");
            "Something went wrong.".to_owned()
        });
        let secure = self.app.settings.public_url.scheme() == "https";
        let mut response = poem::web::Html(html)
            .with_status(status)
            .with_header("Cache-Control", "no-store")
            .with_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            // The address holds the link's token: never send it to another site.
            .with_header("Referrer-Policy", "no-referrer")
            .with_header("X-Content-Type-Options", "nosniff")
            .with_header("X-Frame-Options", "DENY")
            .into_response();
        if let Some(cookie) = self.csrf.set_cookie(&tenant.slug, secure) {
            if let Ok(value) = cookie.parse() {
                response.headers_mut().append("Set-Cookie", value);
            }
        }
        response
    }

    /// A refusal page when a posted form's CSRF field does not match the browser's cookie.
    fn forged(&self, req: &Request, form: &HashMap<String, String>, title: Key) -> Option<Response> {
        let field = form.get("csrf").map(String::as_str);
        if csrf::verify(req, &self.app.secret_key, self.slug(), field) {
            return None;
        }
        let mut page = self.page(title);
        page.error = Some(self.text(Key::FormRefused));
        page.links = self.way_on();
        Some(self.render(page, StatusCode::FORBIDDEN))
    }

    /// A person-readable message for a domain error on a page.
    fn explain(&self, err: &Error) -> String {
        match err {
            Error::Validation(fields) => fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join(" · "),
            Error::TokenInvalid => self.text(Key::LinkInvalid),
            Error::InvitationExpired => self.text(Key::InvitationExpired),
            Error::ServiceUnavailable(_) | Error::Internal(_) => self.text(Key::TryLater),
            other => other.to_string(),
        }
    }

    /// The page after an action: its success message, or the error explained; both
    /// with the way on.
    fn outcome(&self, title: Key, result: Result<String, Error>) -> Response {
        let mut page = self.page(title);
        let status = match result {
            Ok(success) => {
                page.success = Some(success);
                page.links = vec![self.sign_in()];
                StatusCode::OK
            }
            Err(err) => {
                page.error = Some(self.explain(&err));
                page.links = self.way_on();
                status_of(&err)
            }
        };
        self.render(page, status)
    }
}

/// The page a browser gets for a download link that is unknown or expired (404), in the
/// reader's language; None for an unknown tenant.
pub async fn download_gone(app: &App, req: &Request, slug: &str) -> Option<Response> {
    let visit = Visit::open(app, req, slug).await?;
    let mut page = visit.page(Key::DownloadTitle);
    page.error = Some(visit.text(Key::DownloadGone));
    page.links = vec![LinkView {
        href: format!("/t/{}/admin", visit.slug()),
        label: visit.text(Key::ToConsole),
    }];
    Some(visit.render(page, StatusCode::NOT_FOUND))
}

fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Unknown organization.").into_response()
}

fn token_of(params: &HashMap<String, String>) -> String {
    params.get("token").cloned().unwrap_or_default()
}

fn password_field(visit: &Visit<'_>) -> Field {
    Field {
        name: "password",
        label: visit.text(Key::NewPassword),
        kind: "password",
        value: String::new(),
        autocomplete: "new-password",
    }
}
