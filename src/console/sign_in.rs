//! Signing in and out: the sign-in form, `login` with the session it opens put in the
//! cookie, and `logout` with the cookie cleared.

use std::collections::HashMap;

use minijinja::context;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{handler, Request, Response};
use serde_json::json;

use super::responses::{not_found, see_other};
use super::visit::Visit;
use super::{catalog, operations};
use crate::app::App;
use crate::graphql::Schemas;

/// GET: the sign-in form (or home, for someone signed in).
#[handler]
pub async fn sign_in_get(
    req: &Request,
    Path(slug): Path<String>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    if visit.me.is_some() {
        return see_other(&visit.path(""));
    }
    let title = visit.text("sign-in-title");
    visit.render("sign_in.html", "sign-in", &title, context! { identifier => "" })
}

/// POST: signs in through `login`, sets the session cookie and goes home.
#[handler]
pub async fn sign_in_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let title = visit.text("sign-in-title");
    let identifier = form.get("identifier").cloned().unwrap_or_default();
    if !visit.form_is_ours(req, form.get("csrf").map(String::as_str)) {
        let problem = visit.text("form-expired");
        let extra = context! { identifier => identifier, problem => problem };
        return visit.render_status(StatusCode::FORBIDDEN, "sign_in.html", "sign-in", &title, extra);
    }
    let variables = json!({ "identifier": identifier, "password": form.get("password").cloned().unwrap_or_default() });
    match visit.run(operations::SIGN_IN, variables).await {
        Ok(data) => visit.home_with_session(data["login"]["token"].as_str().unwrap_or_default()),
        Err(refusal) => {
            let problem = match refusal.code.as_str() {
                "INVALID_CREDENTIALS" | "VALIDATION" => visit.text("sign-in-failed"),
                "ACCOUNT_DEACTIVATED" => visit.text("sign-in-deactivated"),
                "RATE_LIMITED" => catalog::text(visit.lang, "sign-in-limited", &[("minutes", 15.into())]),
                _ => visit.text("error-generic"),
            };
            let extra = context! { identifier => identifier, problem => problem };
            visit.render_status(StatusCode::OK, "sign_in.html", "sign-in", &title, extra)
        }
    }
}

/// POST: ends the session (`logout`) and clears the cookie.
#[handler]
pub async fn sign_out_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    if !visit.form_is_ours(req, form.get("csrf").map(String::as_str)) {
        return visit.form_refused();
    }
    if visit.token.is_some() {
        let _ = visit.run(operations::SIGN_OUT, json!({})).await;
    }
    visit.signed_out()
}
