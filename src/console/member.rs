//! One member's page (facts, roles, groups, history; edit, deactivate or activate, send
//! a reset link) and the new-member form. Each form runs one mutation of the public
//! schema and redirects to the member's page with a notice.

use std::collections::HashMap;

use minijinja::{context, Value};
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{handler, Body, Request, Response};
use serde_json::json;

use super::member_filter::MemberListFilter;
use super::{form_fields, not_found, operations, posted, problems_of, root_field, see_other, value_of, Field, Visit};
use crate::app::App;
use crate::graphql::Schemas;

/// Notices a redirect may ask for (`?done=`), with their catalog keys.
const NOTICES: [(&str, &str); 7] = [
    ("merged", "merge-done"),
    ("roles", "member-roles-saved"),
    ("saved", "member-saved"),
    ("created", "member-created-notice"),
    ("deactivated", "member-deactivated"),
    ("activated", "member-activated"),
    ("reset", "member-reset-sent"),
];

/// The editable fields, filled from `values`, with the API's problems next to them.
fn fields(values: &serde_json::Value, problems: &[(String, String)], creating: bool) -> Vec<Field> {
    let spec: [(&str, &str, &str, bool); 6] = [
        ("firstName", "member-first-name", "text", true),
        ("lastName", "member-last-name", "text", true),
        ("email", "members-email", "email", true),
        ("secondaryEmail", "member-secondary-email", "email", false),
        ("phone", "member-phone", "tel", false),
        (
            "login",
            if creating {
                "member-login-optional"
            } else {
                "members-login"
            },
            "text",
            !creating,
        ),
    ];
    form_fields(&spec, values, problems)
}

/// The form's values as the API's input: empty optional fields left out.
fn input_of(form: &[(String, String)]) -> serde_json::Map<String, serde_json::Value> {
    let mut input = serde_json::Map::new();
    for name in ["firstName", "lastName", "email", "secondaryEmail", "phone", "login"] {
        if let Some((_, value)) = form.iter().find(|(k, _)| k == name) {
            input.insert(name.to_owned(), json!(value.trim()));
        }
    }
    input
}

/// GET: the member's page.
#[handler]
pub async fn page(
    req: &Request,
    Path((slug, id)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let notice = visit.notice(&params, &NOTICES);
    show(&visit, &id, notice, None, &[]).await
}

/// The page, with the edit form holding `edited` values and `problems` when a save failed.
async fn show(
    visit: &Visit,
    id: &str,
    notice: Option<String>,
    edited: Option<&serde_json::Value>,
    problems: &[(String, String)],
) -> Response {
    let me = match visit.signed_in("members") {
        Ok(me) => me.clone(),
        Err(elsewhere) => return see_other(&elsewhere),
    };
    let (with_history, with_choices) = (me.can("audit.read"), me.can("roles.assign"));
    let variables = json!({ "id": id, "history": with_history, "choices": with_choices });
    let (member, history, choices) = match visit.run(operations::MEMBER_PAGE, variables).await {
        Ok(data) if !data["member"].is_null() => (
            data["member"].clone(),
            with_history.then(|| data["auditLog"]["nodes"].clone()),
            with_choices.then(|| json!({ "tenant": data["tenant"], "groups": data["groups"] })),
        ),
        Ok(_) => return member_not_found(visit),
        // A right held within a group only may not reach the history or the choices:
        // the member alone, then.
        Err(_) => match visit.run(operations::MEMBER, json!({ "id": id })).await {
            Ok(data) if !data["member"].is_null() => (data["member"].clone(), None, None),
            Ok(_) | Err(_) => return member_not_found(visit),
        },
    };
    let held = member["roles"].as_array().cloned().unwrap_or_default();
    let held_everywhere: Vec<String> = held
        .iter()
        .filter(|r| r["group"].is_null())
        .filter_map(|r| r["role"]["key"].as_str().map(str::to_owned))
        .collect();
    let scoped: Vec<serde_json::Value> = held.into_iter().filter(|r| !r["group"].is_null()).collect();
    let values = edited.unwrap_or(&member);
    let problem = (!problems.is_empty() && problems.iter().all(|(f, _)| f.is_empty()))
        .then(|| problems.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join(" "));
    let title = member["displayName"].as_str().unwrap_or_default().to_owned();
    let extra = context! {
        member => Value::from_serialize(&member),
        history => Value::from_serialize(&history),
        fields => Value::from_serialize(fields(values, problems, false)),
        can_update => me.can("members.update"),
        can_deactivate => me.can("members.deactivate"),
        can_assign => me.can("roles.assign"),
        can_merge => me.can("members.merge"),
        can_hand_out => me.can("invitations.manage"),
        choices => Value::from_serialize(choices.map(|c| json!({ "roles": c["tenant"]["roles"], "groups": c["groups"] }))),
        held_everywhere,
        scoped => Value::from_serialize(&scoped),
        notice,
        problem,
    };
    visit.render_form(!problems.is_empty(), "member.html", "members", &title, extra)
}

/// POST: saves the edit form (`updateMember`).
#[handler]
pub async fn update(
    req: &Request,
    Path((slug, id)): Path<(String, String)>,
    body: Body,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let (visit, form) = match posted(req, &slug, app, schemas, body).await {
        Ok(posted) => posted,
        Err(answer) => return *answer,
    };
    let input = input_of(&form);
    match visit
        .run(operations::UPDATE_MEMBER, json!({ "id": id, "input": input }))
        .await
    {
        Ok(_) => see_other(&visit.path(&format!("/members/{id}?done=saved"))),
        Err(refusal) => show(&visit, &id, None, Some(&json!(input)), &problems_of(refusal)).await,
    }
}

/// POST: deactivates or activates the member.
#[handler]
pub async fn set_status(
    req: &Request,
    Path((slug, id)): Path<(String, String)>,
    body: Body,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let (visit, form) = match posted(req, &slug, app, schemas, body).await {
        Ok(posted) => posted,
        Err(answer) => return *answer,
    };
    let (operation, done) = match value_of(&form, "status") {
        Some("DEACTIVATED") => (operations::DEACTIVATE, "deactivated"),
        _ => (operations::ACTIVATE, "activated"),
    };
    match visit.run(operation, json!({ "ids": [id] })).await {
        // Nothing changed: already so, or out of this member's reach (then the page is
        // a 404, as for any member they may not see).
        Ok(data) if root_field(&data)["changed"] == 0 => show(&visit, &id, None, None, &[]).await,
        Ok(_) => see_other(&visit.path(&format!("/members/{id}?done={done}"))),
        Err(refusal) => show(&visit, &id, None, None, &problems_of(refusal)).await,
    }
}

/// POST: sets the member's roles (`setMemberRoles`): the checked organization-wide
/// roles, the group roles kept checked, and one more within a group if chosen.
#[handler]
pub async fn set_roles(
    req: &Request,
    Path((slug, id)): Path<(String, String)>,
    body: Body,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let (visit, form) = match posted(req, &slug, app, schemas, body).await {
        Ok(posted) => posted,
        Err(answer) => return *answer,
    };
    let mut roles: Vec<serde_json::Value> = form
        .iter()
        .filter(|(k, _)| k == "role")
        .map(|(_, role)| json!({ "role": role }))
        .collect();
    for (_, pair) in form.iter().filter(|(k, _)| k == "scoped") {
        if let Some((role, group)) = pair.split_once('|') {
            roles.push(json!({ "role": role, "groupId": group }));
        }
    }
    if let (Some(role), Some(group)) = (
        value_of(&form, "add_role").filter(|r| !r.is_empty()),
        value_of(&form, "add_group").filter(|g| !g.is_empty()),
    ) {
        roles.push(json!({ "role": role, "groupId": group }));
    }
    match visit
        .run(operations::SET_MEMBER_ROLES, json!({ "id": id, "roles": roles }))
        .await
    {
        Ok(_) => see_other(&visit.path(&format!("/members/{id}?done=roles"))),
        Err(refusal) => show(&visit, &id, None, None, &problems_of(refusal)).await,
    }
}

/// POST: sends the member a password-reset link.
#[handler]
pub async fn send_reset(
    req: &Request,
    Path((slug, id)): Path<(String, String)>,
    body: Body,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let (visit, _) = match posted(req, &slug, app, schemas, body).await {
        Ok(posted) => posted,
        Err(answer) => return *answer,
    };
    match visit.run(operations::SEND_PASSWORD_RESET, json!({ "id": id })).await {
        Ok(_) => see_other(&visit.path(&format!("/members/{id}?done=reset"))),
        Err(refusal) => show(&visit, &id, None, None, &problems_of(refusal)).await,
    }
}

/// GET: the new-member form.
#[handler]
pub async fn new_get(
    req: &Request,
    Path(slug): Path<String>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    new_form(&visit, &[], &[]).await
}

async fn new_form(visit: &Visit, form: &[(String, String)], problems: &[(String, String)]) -> Response {
    if let Err(elsewhere) = visit.signed_in("members") {
        return see_other(&elsewhere);
    }
    let roles = visit
        .run(operations::TENANT_ROLES, json!({}))
        .await
        .map(|d| d["tenant"]["roles"].clone())
        .unwrap_or_default();
    let chosen: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "role")
        .map(|(_, v)| v.as_str())
        .collect();
    let values = json!(input_of(form));
    let problem = problems
        .iter()
        .filter(|(f, _)| {
            f.is_empty()
                || !["firstName", "lastName", "email", "secondaryEmail", "phone", "login"].contains(&f.as_str())
        })
        .map(|(_, m)| m.clone())
        .collect::<Vec<_>>();
    let title = visit.text("member-new");
    let extra = context! {
        fields => Value::from_serialize(fields(&values, problems, true)),
        roles => Value::from_serialize(&roles),
        chosen_roles => chosen,
        invite => value_of(form, "invite").is_some(),
        problem => (!problem.is_empty()).then(|| problem.join(" ")),
    };
    visit.render_form(!problems.is_empty(), "member_new.html", "members", &title, extra)
}

/// POST: creates the member (`createMember`) and opens their page.
#[handler]
pub async fn new_post(
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
    let mut input = input_of(&form);
    // Optional fields left empty are absent; required ones go as typed, so that the
    // API names what is missing.
    input.retain(|k, v| {
        ["firstName", "lastName", "email"].contains(&k.as_str()) || v.as_str().is_some_and(|s| !s.is_empty())
    });
    let roles: Vec<serde_json::Value> = form
        .iter()
        .filter(|(k, _)| k == "role")
        .map(|(_, v)| json!({ "role": v }))
        .collect();
    if !roles.is_empty() {
        input.insert("roles".into(), json!(roles));
    }
    input.insert("sendInvitation".into(), json!(value_of(&form, "invite").is_some()));
    match visit.run(operations::CREATE_MEMBER, json!({ "input": input })).await {
        Ok(data) => {
            let id = data["createMember"]["id"].as_str().unwrap_or_default();
            see_other(&visit.path(&format!("/members/{id}?done=created")))
        }
        Err(refusal) => new_form(&visit, &form, &problems_of(refusal)).await,
    }
}

/// POST: activation invitations to every member of the "never signed in" list (with
/// the list's other filters), then back to that list with a notice.
#[handler]
pub async fn send_activation(
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
    // The list's filters, "never signed in" always among them.
    let filters = MemberListFilter {
        never: true,
        ..MemberListFilter::from_form(&form)
    };
    if filters.unreadable.is_some() {
        return visit.bad_address("members", &visit.text("activation-title"));
    }
    let message = value_of(&form, "message").map(str::trim).filter(|m| !m.is_empty());
    match visit
        .run(
            operations::SEND_ACTIVATION,
            json!({ "filter": filters.api(), "message": message }),
        )
        .await
    {
        Ok(data) => {
            let sent = data["sendActivationInvitations"]["invitations"]
                .as_array()
                .map_or(0, Vec::len);
            let query = filters.query(&[("activations", &sent.to_string())]);
            see_other(&visit.path(&format!("/members?{query}")))
        }
        Err(refusal) => {
            let title = visit.text("activation-title");
            let message = refusal.message;
            visit.render_status(
                StatusCode::FORBIDDEN,
                "message.html",
                "members",
                &title,
                context! { message },
            )
        }
    }
}

/// The page for a member id that names nobody this visitor may see.
pub(super) fn member_not_found(visit: &Visit) -> Response {
    let (title, message) = (visit.text("not-found-title"), visit.text("not-found"));
    visit.render_status(
        StatusCode::NOT_FOUND,
        "message.html",
        "members",
        &title,
        context! { message },
    )
}
