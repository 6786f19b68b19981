//! My account, for every member: profile (names, second address, phone, language), a
//! new email address by confirmation link, and signing out everywhere.

use std::collections::HashMap;

use minijinja::{context, Value};
use poem::web::{Data, Path, Query};
use poem::{handler, Body, Request, Response};
use serde_json::json;

use super::{form_fields, not_found, operations, posted, problems_of, see_other, value_of, Visit};
use crate::app::App;
use crate::graphql::Schemas;

const NOTICES: [(&str, &str); 2] = [("saved", "account-saved"), ("email", "account-email-sent")];

/// GET: the account page.
#[handler]
pub async fn page(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let notice = visit.notice(&params, &NOTICES);
    show(&visit, notice, None, &[]).await
}

async fn show(
    visit: &Visit,
    notice: Option<String>,
    edited: Option<&serde_json::Value>,
    problems: &[(String, String)],
) -> Response {
    if let Err(elsewhere) = visit.signed_in("account") {
        return see_other(&elsewhere);
    }
    let title = visit.text("account-title");
    let data = match visit.run(operations::MY_PROFILE, json!({})).await {
        Ok(data) => data,
        Err(refusal) => return visit.refused_page("account", &title, refusal),
    };
    let profile = &data["me"];
    let values = edited.unwrap_or(profile);
    let spec: [(&str, &str, &str, bool); 4] = [
        ("firstName", "member-first-name", "text", true),
        ("lastName", "member-last-name", "text", true),
        ("secondaryEmail", "member-secondary-email", "email", false),
        ("phone", "member-phone", "tel", false),
    ];
    let fields = form_fields(&spec, values, problems);
    let problem = problems
        .iter()
        .filter(|(f, _)| !spec.iter().any(|(name, ..)| name == f))
        .map(|(_, m)| m.clone())
        .collect::<Vec<_>>();
    let extra = context! {
        profile => Value::from_serialize(profile),
        locales => Value::from_serialize(&data["tenant"]["locales"]),
        fields => Value::from_serialize(&fields),
        notice,
        problem => (!problem.is_empty()).then(|| problem.join(" ")),
    };
    visit.render_form(!problems.is_empty(), "account.html", "account", &title, extra)
}

/// POST: saves the profile (`updateMyProfile`).
#[handler]
pub async fn save(
    req: &Request,
    Path(slug): Path<String>,
    body: Body,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let (visit, form) = match posted(req, &slug, app, schemas, body).await {
        Ok(posted) => posted,
        Err(answer) => return *answer,
    };
    let mut input = serde_json::Map::new();
    for name in ["firstName", "lastName", "secondaryEmail", "phone", "locale"] {
        if let Some(value) = value_of(&form, name) {
            input.insert(name.to_owned(), json!(value.trim()));
        }
    }
    match visit
        .run(operations::UPDATE_MY_PROFILE, json!({ "input": input }))
        .await
    {
        Ok(_) => see_other(&visit.path("/account?done=saved")),
        Err(refusal) => show(&visit, None, Some(&json!(input)), &problems_of(refusal)).await,
    }
}

/// POST: asks for a new main address (`requestEmailChange`): a link goes to it.
#[handler]
pub async fn change_email(
    req: &Request,
    Path(slug): Path<String>,
    body: Body,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let (visit, form) = match posted(req, &slug, app, schemas, body).await {
        Ok(posted) => posted,
        Err(answer) => return *answer,
    };
    let variables = json!({
        "email": value_of(&form, "email").unwrap_or_default().trim(),
        "password": value_of(&form, "password").unwrap_or_default(),
    });
    match visit.run(operations::REQUEST_EMAIL_CHANGE, variables).await {
        Ok(_) => see_other(&visit.path("/account?done=email")),
        Err(refusal) => {
            let words = if refusal.fields.is_empty() {
                refusal.message
            } else {
                refusal
                    .fields
                    .iter()
                    .map(|(_, m)| m.clone())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            show(&visit, None, None, &[(String::new(), words)]).await
        }
    }
}

/// POST: ends every session of the member (`logoutEverywhere`), this one included.
#[handler]
pub async fn sign_out_everywhere(
    req: &Request,
    Path(slug): Path<String>,
    body: Body,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let (visit, _) = match posted(req, &slug, app, schemas, body).await {
        Ok(posted) => posted,
        Err(answer) => return *answer,
    };
    if let Err(refusal) = visit.run(operations::SIGN_OUT_EVERYWHERE, json!({})).await {
        let title = visit.text("account-title");
        return visit.refused("account", &title, refusal);
    }
    visit.signed_out()
}
