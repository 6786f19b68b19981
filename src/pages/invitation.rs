//! The invitation link's page: the form to accept a pending invitation, or what became
//! of it (accepted, revoked, expired, replaced by a newer link) and what to do next.

use std::collections::HashMap;

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{handler, Request, Response};

use super::strings::Key;
use super::{not_found, password_field, token_of, Field, FormView, Page, Visit};
use crate::app::App;
use crate::config::Tenant;
use crate::error::Error;
use crate::invitations::{self, LinkState, Preview};

/// Whom to ask about a link that no longer works.
fn ask_someone(visit: &Visit<'_>, preview: &Preview, named: Key, anonymous: Key) -> String {
    match &preview.inviter_name {
        Some(name) => visit.text_naming(named, "inviter", name),
        None => visit.text(anonymous),
    }
}

fn accept_form(visit: &Visit<'_>, preview: &Preview, first: &str, last: &str) -> FormView {
    let join =
        preview.kind != invitations::Kind::Activation || preview.first_name.is_none() || preview.last_name.is_none();
    let mut fields = Vec::new();
    if join {
        let text_field = |name, label, value: &str| Field {
            name,
            label: visit.text(label),
            kind: "text",
            value: value.to_owned(),
            autocomplete: if name == "first_name" {
                "given-name"
            } else {
                "family-name"
            },
        };
        fields.push(text_field("first_name", Key::FirstName, first));
        fields.push(text_field("last_name", Key::LastName, last));
    }
    fields.push(password_field(visit));
    FormView {
        action: String::new(),
        with_token: true,
        fields,
        submit: visit.text(Key::AcceptSubmit),
    }
}

/// The page for a link: the form when it is pending, else what happened and the way on.
fn invitation_page(visit: &Visit<'_>, token: &str, found: Option<&Preview>) -> (Page, StatusCode) {
    let mut page = visit.page(Key::AcceptTitle);
    page.token = token.to_owned();
    let Some(preview) = found else {
        // Says nothing about any account: the same for every unknown token.
        page.notice = Some(visit.text(Key::LinkInvalid));
        page.paragraphs = vec![visit.text(Key::AskAdmins)];
        page.links = visit.way_on();
        return (page, StatusCode::NOT_FOUND);
    };
    let notice = match preview.state {
        LinkState::Pending => {
            let first = preview.first_name.as_deref().unwrap_or("");
            let last = preview.last_name.as_deref().unwrap_or("");
            page.paragraphs = vec![visit.text(Key::AcceptIntro)];
            page.forms = vec![accept_form(visit, preview, first, last)];
            return (page, StatusCode::OK);
        }
        LinkState::Accepted => Key::AlreadyAccepted,
        LinkState::Revoked | LinkState::Replaced => {
            page.paragraphs = vec![ask_someone(visit, preview, Key::AskInviter, Key::AskAdmins)];
            if preview.state == LinkState::Revoked {
                Key::InvitationRevoked
            } else {
                Key::InvitationReplaced
            }
        }
        LinkState::Expired => {
            let ask = ask_someone(visit, preview, Key::ExpiredAskInviter, Key::ExpiredAskAdmins);
            page.paragraphs = vec![ask];
            page.forms = vec![FormView {
                action: "request-new".to_owned(),
                with_token: true,
                fields: Vec::new(),
                submit: visit.text(Key::AskNew),
            }];
            Key::InvitationExpired
        }
    };
    page.notice = Some(visit.text(notice).to_owned());
    page.links = visit.way_on();
    // The link existed and is spent for good: Gone, with a page that leads on.
    (page, StatusCode::GONE)
}

/// The page for this link as it stands now.
async fn page_for(visit: &Visit<'_>, token: &str) -> Result<(Page, StatusCode), Error> {
    let found = invitations::preview(visit.app, &visit.visitor, token).await?;
    Ok(invitation_page(visit, token, found.as_ref()))
}

/// GET: the invitation and the form to accept it, or what became of it.
#[handler]
pub async fn accept_get(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    match page_for(&visit, &token_of(&params)).await {
        Ok((page, status)) => visit.render(page, status),
        Err(err) => visit.outcome(Key::AcceptTitle, Err(err)),
    }
}

/// POST: accepts the invitation.
#[handler]
pub async fn accept_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    if let Some(refused) = visit.forged(req, &form, Key::AcceptTitle) {
        return refused;
    }
    let token = token_of(&form);
    let field = |name: &str| form.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let acceptance = invitations::Acceptance {
        token: token.clone(),
        first_name: field("first_name"),
        last_name: field("last_name"),
        password: form.get("password").cloned().unwrap_or_default(),
        locale: Some(visit.visitor.locale().to_owned()),
    };
    match invitations::accept_invitation(app, &visit.visitor, acceptance).await {
        // Into the console, signed in, with the welcome and the login to remember.
        Ok((session, _)) => welcome(app, &visit.visitor.tenant, &session.token),
        Err(err @ Error::Validation(_)) => match invitations::preview(app, &visit.visitor, &token).await {
            Ok(Some(preview)) if preview.state == LinkState::Pending => {
                let (first, last) = (field("first_name"), field("last_name"));
                let mut page = visit.page(Key::AcceptTitle);
                page.token = token.clone();
                page.error = Some(visit.explain(&err));
                page.forms = vec![accept_form(
                    &visit,
                    &preview,
                    first.as_deref().unwrap_or(""),
                    last.as_deref().unwrap_or(""),
                )];
                visit.render(page, StatusCode::UNPROCESSABLE_ENTITY)
            }
            _ => visit.outcome(Key::AcceptTitle, Err(err)),
        },
        // A link that no longer works (used meanwhile, say): what became of it.
        Err(Error::TokenInvalid | Error::InvitationExpired) => match page_for(&visit, &token).await {
            Ok((page, status)) => visit.render(page, status),
            Err(err) => visit.outcome(Key::AcceptTitle, Err(err)),
        },
        Err(err) => visit.outcome(Key::AcceptTitle, Err(err)),
    }
}

/// The console's home, signed in with the session `token` the acceptance opened, with
/// the welcome and the login to remember.
fn welcome(app: &App, tenant: &Tenant, token: &str) -> Response {
    let mut response = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header("Location", format!("/t/{}/admin?welcome=1", tenant.slug))
        .header("Cache-Control", "no-store")
        .header("Referrer-Policy", "no-referrer")
        .finish();
    let cookie = crate::console::session_cookie_for(app, tenant, token);
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append("Set-Cookie", value);
    }
    response
}

/// POST: from an expired link, asks for a new invitation.
#[handler]
pub async fn request_new_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    if let Some(refused) = visit.forged(req, &form, Key::AcceptTitle) {
        return refused;
    }
    let result = invitations::request_new_invitation(app, &visit.visitor, &token_of(&form))
        .await
        .map(|_| visit.text(Key::NewRequested));
    visit.outcome(Key::AcceptTitle, result)
}
