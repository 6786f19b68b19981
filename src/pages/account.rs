//! The pages behind account links: choosing a new password, asking for a reset link,
//! confirming a new address, undoing an address change. A link that no longer works
//! says why and leads on (a reset link's page asks for a new one right there).

use std::collections::HashMap;

use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{handler, Request, Response};

use super::strings::Key;
use super::{not_found, password_field, token_of, FormView, Page, Visit};
use crate::account::tokens::{LinkState, Purpose};
use crate::account::{self, link_state, ConfirmedAddress};
use crate::app::App;
use crate::error::Error;

/// The title of the page behind a link of this purpose.
fn title_of(purpose: Purpose) -> Key {
    match purpose {
        Purpose::PasswordReset => Key::ResetTitle,
        Purpose::EmailChangeConfirm => Key::EmailTitle,
        Purpose::EmailChangeRevert => Key::RevertTitle,
    }
}

/// What to say about a link that no longer works.
fn notice_of(purpose: Purpose, state: &LinkState) -> Key {
    use Purpose::{EmailChangeConfirm, EmailChangeRevert, PasswordReset};
    match (purpose, state) {
        (_, LinkState::Unknown | LinkState::Live(_)) => Key::LinkInvalid,
        (_, LinkState::Replaced) => Key::LinkReplaced,
        (PasswordReset, LinkState::Used) => Key::ResetUsed,
        (PasswordReset, LinkState::Ended) => Key::ResetEnded,
        (PasswordReset, LinkState::Expired) => Key::ResetExpired,
        (EmailChangeConfirm, LinkState::Used) => Key::EmailUsed,
        (EmailChangeConfirm, LinkState::Ended) => Key::EmailEnded,
        (EmailChangeConfirm, LinkState::Expired) => Key::EmailExpired,
        (EmailChangeRevert, LinkState::Used) => Key::RevertUsed,
        (EmailChangeRevert, LinkState::Ended) => Key::RevertEnded,
        (EmailChangeRevert, LinkState::Expired) => Key::RevertExpired,
    }
}

/// The page of a link that does not work (any more): what happened, and the way on.
/// A reset link's page carries the form asking for a new one.
fn dead_link_page(visit: &Visit<'_>, purpose: Purpose, state: &LinkState) -> (Page, StatusCode) {
    let mut page = visit.page(title_of(purpose));
    page.notice = Some(visit.text(notice_of(purpose, state)).to_owned());
    if purpose == Purpose::PasswordReset {
        page.paragraphs = vec![visit.text(Key::ResetAskNew)];
        page.forms = vec![visit.reset_request_form()];
        page.links = vec![visit.sign_in()];
    } else {
        page.links = visit.way_on();
    }
    let status = match state {
        // Says nothing about any account: the same for every unknown token.
        LinkState::Unknown | LinkState::Live(_) => StatusCode::NOT_FOUND,
        // The link existed and is spent for good: Gone, with a page that leads on.
        _ => StatusCode::GONE,
    };
    (page, status)
}

/// What a link's GET shows: its form when it works, else what happened.
async fn link_page(visit: &Visit<'_>, purpose: Purpose, token: &str, form: impl FnOnce() -> Page) -> Response {
    match link_state(visit.app, &visit.visitor, purpose, token).await {
        Ok(LinkState::Live(_)) => visit.render(form(), StatusCode::OK),
        Ok(state) => {
            let (page, status) = dead_link_page(visit, purpose, &state);
            visit.render(page, status)
        }
        Err(err) => visit.outcome(title_of(purpose), Err(err)),
    }
}

/// After a POST: success, what became of the link when it no longer works, or the error.
async fn after_post(visit: &Visit<'_>, purpose: Purpose, token: &str, result: Result<String, Error>) -> Response {
    if !matches!(result, Err(Error::TokenInvalid)) {
        return visit.outcome(title_of(purpose), result);
    }
    match link_state(visit.app, &visit.visitor, purpose, token).await {
        Ok(LinkState::Live(_)) | Err(_) => visit.outcome(title_of(purpose), result),
        Ok(state) => {
            let (page, status) = dead_link_page(visit, purpose, &state);
            visit.render(page, status)
        }
    }
}

fn reset_form(visit: &Visit<'_>, token: &str) -> Page {
    let mut page = visit.page(Key::ResetTitle);
    page.token = token.to_owned();
    page.forms = vec![FormView {
        action: String::new(),
        with_token: true,
        fields: vec![password_field(visit)],
        submit: visit.text(Key::ResetSubmit),
    }];
    page
}

/// GET: the form to choose a new password.
#[handler]
pub async fn reset_get(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    let token = token_of(&params);
    link_page(&visit, Purpose::PasswordReset, &token, || reset_form(&visit, &token)).await
}

/// POST: sets the new password.
#[handler]
pub async fn reset_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    if let Some(refused) = visit.forged(req, &form, Key::ResetTitle) {
        return refused;
    }
    let token = token_of(&form);
    let password = form.get("password").cloned().unwrap_or_default();
    match account::reset_password(app, &visit.visitor, &token, &password).await {
        Err(err @ Error::Validation(_)) => {
            let mut page = reset_form(&visit, &token);
            page.error = Some(visit.explain(&err));
            visit.render(page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        result => {
            let result = result.map(|_| visit.text(Key::PasswordChanged));
            after_post(&visit, Purpose::PasswordReset, &token, result).await
        }
    }
}

/// GET: the form asking for a reset link ("forgot your password?").
#[handler]
pub async fn reset_request_get(req: &Request, Path(slug): Path<String>, Data(app): Data<&App>) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    let mut page = visit.page(Key::ResetRequestTitle);
    page.paragraphs = vec![visit.text(Key::ResetRequestIntro)];
    page.forms = vec![visit.reset_request_form()];
    page.links = vec![visit.sign_in()];
    visit.render(page, StatusCode::OK)
}

/// POST: asks for a reset link; the same answer whether or not an account matches
/// (the tenant's `password_reset_per_account` limit applies).
#[handler]
pub async fn reset_request_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    if let Some(refused) = visit.forged(req, &form, Key::ResetRequestTitle) {
        return refused;
    }
    let identifier = form.get("identifier").map(String::as_str).unwrap_or_default();
    let result = account::request_password_reset(app, &visit.visitor, identifier)
        .await
        .map(|_| visit.text(Key::ResetRequested));
    visit.outcome(Key::ResetRequestTitle, result)
}

/// A page with one button that posts the link's token back (a GET alone changes nothing).
fn confirm_button(visit: &Visit<'_>, token: &str, title: Key, submit: Key) -> Page {
    let mut page = visit.page(title);
    page.token = token.to_owned();
    page.forms = vec![FormView {
        action: String::new(),
        with_token: true,
        fields: Vec::new(),
        submit: visit.text(submit),
    }];
    page
}

/// GET: a button to confirm the new address.
#[handler]
pub async fn email_change_get(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    let token = token_of(&params);
    link_page(&visit, Purpose::EmailChangeConfirm, &token, || {
        confirm_button(&visit, &token, Key::EmailTitle, Key::EmailSubmit)
    })
    .await
}

/// POST: confirms the new address.
#[handler]
pub async fn email_change_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    if let Some(refused) = visit.forged(req, &form, Key::EmailTitle) {
        return refused;
    }
    let token = token_of(&form);
    let result = account::confirm_email_change(app, &visit.visitor, &token)
        .await
        .map(|(member, confirmed)| match confirmed {
            ConfirmedAddress::Main => {
                let done = visit.text(Key::EmailChanged);
                format!("{done} {}", member.email.unwrap_or_default())
            }
            ConfirmedAddress::Second => {
                let done = visit.text(Key::SecondEmailConfirmed);
                format!("{done} {}", member.secondary_email.unwrap_or_default())
            }
        });
    after_post(&visit, Purpose::EmailChangeConfirm, &token, result).await
}

/// GET: a button to undo an email change ("this wasn't me").
#[handler]
pub async fn revert_get(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    let token = token_of(&params);
    link_page(&visit, Purpose::EmailChangeRevert, &token, || {
        confirm_button(&visit, &token, Key::RevertTitle, Key::RevertSubmit)
    })
    .await
}

/// POST: puts the old address back.
#[handler]
pub async fn revert_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
) -> Response {
    let Some(visit) = Visit::open(app, req, &slug).await else {
        return not_found();
    };
    if let Some(refused) = visit.forged(req, &form, Key::RevertTitle) {
        return refused;
    }
    let token = token_of(&form);
    let result = account::revert_email_change(app, &visit.visitor, &token)
        .await
        .map(|_| visit.text(Key::Reverted));
    after_post(&visit, Purpose::EmailChangeRevert, &token, result).await
}
