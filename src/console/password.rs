//! Changing one's own password, forced after a default or admin-set one.

use std::collections::HashMap;

use minijinja::context;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path};
use poem::{handler, Request, Response};
use serde_json::json;

use super::responses::{not_found, see_other};
use super::visit::Visit;
use super::{operations, page_problem, problem_for, problems_of};
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
        Ok(data) => visit.to_with_session(
            "?password=changed",
            data["changePassword"]["token"].as_str().unwrap_or_default(),
        ),
        Err(refusal) => {
            // Each problem next to the field it concerns, in the reader's words.
            let problems = problems_of(refusal);
            let current_problem = problem_for(&problems, "currentPassword");
            let new_problem = problem_for(&problems, "newPassword");
            let problem = page_problem(&problems, &["currentPassword", "newPassword"]);
            let extra = context! { restricted, problem, current_problem, new_problem };
            visit.render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "password.html",
                "password",
                &title,
                extra,
            )
        }
    }
}
