//! Changing one's own password, forced after a default or admin-set one.

use std::collections::HashMap;

use minijinja::context;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{handler, Request, Response};
use serde_json::json;

use super::operations;
use super::responses::{not_found, see_other};
use super::visit::Visit;
use crate::app::App;
use crate::graphql::Schemas;

/// GET: change one's password (forced after a default or admin-set password).
#[handler]
pub async fn password_get(
    req: &Request,
    Path(slug): Path<String>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let restricted = match visit.signed_in("password") {
        Ok(me) => me.must_change_password,
        Err(elsewhere) => return see_other(&elsewhere),
    };
    let title = visit.text("password-title");
    visit.render("password.html", "password", &title, context! { restricted })
}

/// POST: `changePassword`; the new session replaces the old one in the cookie.
#[handler]
pub async fn password_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let restricted = match visit.signed_in("password") {
        Ok(me) => me.must_change_password,
        Err(elsewhere) => return see_other(&elsewhere),
    };
    let title = visit.text("password-title");
    if !visit.form_is_ours(req, form.get("csrf").map(String::as_str)) {
        let problem = visit.text("form-expired");
        let extra = context! { restricted, problem };
        return visit.render_status(StatusCode::FORBIDDEN, "password.html", "password", &title, extra);
    }
    let variables = json!({
        "current": form.get("current").cloned().unwrap_or_default(),
        "new": form.get("new").cloned().unwrap_or_default(),
    });
    match visit.run(operations::CHANGE_PASSWORD, variables).await {
        Ok(data) => visit.home_with_session(data["changePassword"]["token"].as_str().unwrap_or_default()),
        Err(refusal) => {
            // The API's words, next to the field they concern.
            let field_problem = refusal
                .fields
                .iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect::<Vec<_>>()
                .join(" ");
            let problem = refusal.fields.is_empty().then_some(refusal.message);
            let extra = context! { restricted, problem, field_problem };
            visit.render_status(StatusCode::OK, "password.html", "password", &title, extra)
        }
    }
}
