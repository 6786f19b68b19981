//! Small server-rendered pages for people without a frontend: accepting an invitation,
//! resetting a password, confirming or reverting an email change. Plain HTML forms,
//! no JavaScript; links in emails point here unless a tenant's `public_url` points at
//! its own frontend. State changes only on POST, so link scanners in mailboxes cannot
//! trigger them.

mod strings;

use std::collections::HashMap;

use minijinja::{context, Environment, Value};
use poem::http::StatusCode;
use poem::web::{Data, Form, Html, Path, Query};
use poem::{handler, IntoResponse, Request, Response};
use serde_json::json;

use self::strings::{text, Key};
use crate::app::App;
use crate::auth::Visitor;
use crate::error::Error;
use crate::{account, invitations};

const LAYOUT: &str = include_str!("layout.html");

/// What a page shows.
#[derive(Default)]
struct Page {
    title: String,
    intro: Option<String>,
    error: Option<String>,
    success: Option<String>,
    form: Option<serde_json::Value>,
    token: String,
}

fn render(visitor: &Visitor, page: Page, status: StatusCode) -> Response {
    let env = Environment::new();
    let lang = visitor.locale().to_owned();
    let html = env
        .template_from_named_str("layout.html", LAYOUT)
        .and_then(|t| {
            t.render(context! {
                lang => lang,
                tenant_name => visitor.tenant.name.clone(),
                title => page.title,
                intro => page.intro,
                error => page.error,
                success => page.success,
                form => Value::from_serialize(&page.form),
                token => page.token,
                min_length => visitor.tenant.accounts.password_min_length,
            })
        })
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "page template");
            "Something went wrong.".to_owned()
        });
    Html(html)
        .with_status(status)
        .with_header("Cache-Control", "no-store")
        .into_response()
}

/// A person-readable message for a domain error on a page.
fn explain(visitor: &Visitor, err: &Error) -> String {
    let lang = visitor.locale();
    match err {
        Error::Validation(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join(" · "),
        Error::TokenInvalid => text(lang, Key::LinkInvalid).to_owned(),
        Error::InvitationExpired => text(lang, Key::InvitationExpired).to_owned(),
        Error::ServiceUnavailable(_) | Error::Internal(_) => text(lang, Key::TryLater).to_owned(),
        other => other.to_string(),
    }
}

fn password_fields(lang: &str) -> Vec<serde_json::Value> {
    vec![
        json!({ "name": "password", "label": text(lang, Key::NewPassword), "kind": "password", "value": "", "required": true }),
    ]
}

async fn visitor_for(app: &App, req: &Request, slug: &str) -> Option<Visitor> {
    let tenant = app.tenants.get(slug)?;
    Some(crate::http::build_visitor(app, tenant, req, None).await)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Unknown organization.").into_response()
}

fn token_of(params: &HashMap<String, String>) -> String {
    params.get("token").cloned().unwrap_or_default()
}

fn accept_form(visitor: &Visitor, token: &str, join: bool, first: &str, last: &str) -> Page {
    let lang = visitor.locale();
    let mut fields = Vec::new();
    if join {
        fields.push(json!({ "name": "first_name", "label": text(lang, Key::FirstName), "kind": "text", "value": first, "required": true }));
        fields.push(json!({ "name": "last_name", "label": text(lang, Key::LastName), "kind": "text", "value": last, "required": true }));
    }
    fields.extend(password_fields(lang));
    Page {
        title: text(lang, Key::AcceptTitle).to_owned(),
        intro: Some(text(lang, Key::AcceptIntro).to_owned()),
        form: Some(json!({ "action": "", "fields": fields, "submit": text(lang, Key::AcceptSubmit) })),
        token: token.to_owned(),
        ..Page::default()
    }
}

fn expired_page(visitor: &Visitor, token: &str) -> Page {
    let lang = visitor.locale();
    Page {
        title: text(lang, Key::AcceptTitle).to_owned(),
        error: Some(text(lang, Key::InvitationExpired).to_owned()),
        form: Some(json!({ "action": "request-new", "fields": [], "submit": text(lang, Key::AskNew) })),
        token: token.to_owned(),
        ..Page::default()
    }
}

fn message_page(visitor: &Visitor, title: Key, error: Option<String>, success: Option<String>) -> Page {
    Page {
        title: text(visitor.locale(), title).to_owned(),
        error,
        success,
        ..Page::default()
    }
}

/// GET: the invitation, and the form to accept it.
#[handler]
pub async fn accept_get(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visitor) = visitor_for(app, req, &slug).await else {
        return not_found();
    };
    let token = token_of(&params);
    match invitations::preview(app, &visitor, &token).await {
        Ok(Some(p)) if p.status == invitations::EXPIRED => {
            render(&visitor, expired_page(&visitor, &token), StatusCode::GONE)
        }
        Ok(Some(p)) if p.status == invitations::PENDING => {
            let join = p.first_name.is_none() || p.last_name.is_none() || !is_activation(app, &visitor, &token).await;
            let page = accept_form(
                &visitor,
                &token,
                join,
                p.first_name.as_deref().unwrap_or(""),
                p.last_name.as_deref().unwrap_or(""),
            );
            render(&visitor, page, StatusCode::OK)
        }
        Ok(_) => render(
            &visitor,
            message_page(
                &visitor,
                Key::AcceptTitle,
                Some(explain(&visitor, &Error::TokenInvalid)),
                None,
            ),
            StatusCode::NOT_FOUND,
        ),
        Err(err) => render(
            &visitor,
            message_page(&visitor, Key::AcceptTitle, Some(explain(&visitor, &err)), None),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
    }
}

async fn is_activation(app: &App, visitor: &Visitor, token: &str) -> bool {
    matches!(invitations::tokens::lookup(&app.db, &visitor.tenant.slug, token).await, Ok(Some(inv)) if inv.kind == invitations::ACTIVATION)
}

/// POST: accepts the invitation.
#[handler]
pub async fn accept_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visitor) = visitor_for(app, req, &slug).await else {
        return not_found();
    };
    let token = token_of(&form);
    let field = |name: &str| form.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let acceptance = invitations::Acceptance {
        token: token.clone(),
        first_name: field("first_name"),
        last_name: field("last_name"),
        password: form.get("password").cloned().unwrap_or_default(),
        locale: Some(visitor.locale().to_owned()),
    };
    let lang = visitor.locale().to_owned();
    match invitations::accept_invitation(app, &visitor, acceptance).await {
        Ok((_, member)) => {
            let success = format!("{} {}", text(&lang, Key::Welcome), member.login);
            render(
                &visitor,
                message_page(&visitor, Key::AcceptTitle, None, Some(success)),
                StatusCode::OK,
            )
        }
        Err(Error::InvitationExpired) => render(&visitor, expired_page(&visitor, &token), StatusCode::GONE),
        Err(err @ Error::Validation(_)) => {
            let join = !is_activation(app, &visitor, &token).await;
            let first = field("first_name").unwrap_or_default();
            let last = field("last_name").unwrap_or_default();
            let mut page = accept_form(&visitor, &token, join, &first, &last);
            page.error = Some(explain(&visitor, &err));
            render(&visitor, page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(err) => outcome(&visitor, Key::AcceptTitle, Err(err)),
    }
}

/// POST: from an expired link, asks for a new invitation.
#[handler]
pub async fn request_new_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visitor) = visitor_for(app, req, &slug).await else {
        return not_found();
    };
    let _ = invitations::request_new_invitation(app, &visitor, &token_of(&form)).await;
    let success = text(visitor.locale(), Key::NewRequested).to_owned();
    render(
        &visitor,
        message_page(&visitor, Key::AcceptTitle, None, Some(success)),
        StatusCode::OK,
    )
}

fn reset_form(visitor: &Visitor, token: &str) -> Page {
    let lang = visitor.locale();
    Page {
        title: text(lang, Key::ResetTitle).to_owned(),
        form: Some(json!({ "action": "", "fields": password_fields(lang), "submit": text(lang, Key::ResetSubmit) })),
        token: token.to_owned(),
        ..Page::default()
    }
}

/// GET: the form to choose a new password.
#[handler]
pub async fn reset_get(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visitor) = visitor_for(app, req, &slug).await else {
        return not_found();
    };
    let token = token_of(&params);
    match account::tokens::peek(
        &app.db,
        &visitor.tenant.slug,
        account::tokens::Purpose::PasswordReset,
        &token,
    )
    .await
    {
        Ok(_) => render(&visitor, reset_form(&visitor, &token), StatusCode::OK),
        Err(err) => render(
            &visitor,
            message_page(&visitor, Key::ResetTitle, Some(explain(&visitor, &err)), None),
            StatusCode::NOT_FOUND,
        ),
    }
}

/// POST: sets the new password.
#[handler]
pub async fn reset_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visitor) = visitor_for(app, req, &slug).await else {
        return not_found();
    };
    let token = token_of(&form);
    let password = form.get("password").cloned().unwrap_or_default();
    match account::reset_password(app, &visitor, &token, &password).await {
        Ok(_) => {
            let success = text(visitor.locale(), Key::PasswordChanged).to_owned();
            render(
                &visitor,
                message_page(&visitor, Key::ResetTitle, None, Some(success)),
                StatusCode::OK,
            )
        }
        Err(err @ Error::Validation(_)) => {
            let mut page = reset_form(&visitor, &token);
            page.error = Some(explain(&visitor, &err));
            render(&visitor, page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(err) => outcome(&visitor, Key::ResetTitle, Err(err)),
    }
}

fn confirm_button(visitor: &Visitor, token: &str, title: Key, submit: Key) -> Page {
    let lang = visitor.locale();
    Page {
        title: text(lang, title).to_owned(),
        form: Some(json!({ "action": "", "fields": [], "submit": text(lang, submit) })),
        token: token.to_owned(),
        ..Page::default()
    }
}

/// The page after an action: its success message, or the error explained.
fn outcome(visitor: &Visitor, title: Key, result: Result<String, Error>) -> Response {
    match result {
        Ok(success) => render(
            visitor,
            message_page(visitor, title, None, Some(success)),
            StatusCode::OK,
        ),
        Err(err) => {
            let page = message_page(visitor, title, Some(explain(visitor, &err)), None);
            render(visitor, page, StatusCode::BAD_REQUEST)
        }
    }
}

/// A page with one button that posts the link's token back (a GET alone changes nothing).
async fn button_page(app: &App, req: &Request, slug: &str, token: &str, title: Key, submit: Key) -> Response {
    let Some(visitor) = visitor_for(app, req, slug).await else {
        return not_found();
    };
    render(&visitor, confirm_button(&visitor, token, title, submit), StatusCode::OK)
}

/// GET: a button to confirm the new address.
#[handler]
pub async fn email_change_get(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    button_page(app, req, &slug, &token_of(&params), Key::EmailTitle, Key::EmailSubmit).await
}

/// POST: confirms the new address.
#[handler]
pub async fn email_change_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visitor) = visitor_for(app, req, &slug).await else {
        return not_found();
    };
    let result = account::confirm_email_change(app, &visitor, &token_of(&form))
        .await
        .map(|member| {
            let done = text(visitor.locale(), Key::EmailChanged);
            format!("{done} {}", member.email.unwrap_or_default())
        });
    outcome(&visitor, Key::EmailTitle, result)
}

/// GET: a button to undo an email change ("this wasn't me").
#[handler]
pub async fn revert_get(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    button_page(app, req, &slug, &token_of(&params), Key::RevertTitle, Key::RevertSubmit).await
}

/// POST: puts the old address back.
#[handler]
pub async fn revert_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visitor) = visitor_for(app, req, &slug).await else {
        return not_found();
    };
    let result = account::revert_email_change(app, &visitor, &token_of(&form))
        .await
        .map(|_| text(visitor.locale(), Key::Reverted).to_owned());
    outcome(&visitor, Key::RevertTitle, result)
}
