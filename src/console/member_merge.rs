//! Merging two members who are one person: finding the other, both side by side, the
//! choice of which one stays.

use std::collections::HashMap;

use minijinja::{context, Value};
use poem::web::{Data, Path, Query};
use poem::{handler, Body, Request, Response};
use serde_json::json;

use super::member::member_not_found;
use super::{not_found, operations, posted, see_other, value_of, Visit};
use crate::app::App;
use crate::graphql::Schemas;

/// The facts compared side by side before a merge: API field, catalog label.
const MERGE_FACTS: [(&str, &str); 8] = [
    ("login", "members-login"),
    ("email", "members-email"),
    ("secondaryEmail", "member-secondary-email"),
    ("phone", "member-phone"),
    ("firstName", "member-first-name"),
    ("lastName", "member-last-name"),
    ("status", "members-status"),
    ("lastLoginAt", "members-last-sign-in"),
];

/// GET: merging another member into this one. `?search=` lists the candidates; with
/// `?other=` both members side by side, and the choice of which one stays.
#[handler]
pub async fn merge_get(
    req: &Request,
    Path((slug, id)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    merge_page(&visit, &id, &params, None).await
}

/// The merge page of member `id`, with `problem` when a merge was refused.
async fn merge_page(visit: &Visit, id: &str, params: &HashMap<String, String>, problem: Option<String>) -> Response {
    if let Err(elsewhere) = visit.signed_in("members") {
        return see_other(&elsewhere);
    }
    let title = visit.text("merge-title");
    let member = match visit.run(operations::MEMBER, json!({ "id": id })).await {
        Ok(data) if !data["member"].is_null() => data["member"].clone(),
        Ok(_) => return member_not_found(visit),
        Err(refusal) => return visit.refused_page("members", &title, refusal),
    };
    let search = params.get("search").map(|s| s.trim().to_owned()).unwrap_or_default();
    let candidates = if search.is_empty() {
        Vec::new()
    } else {
        match visit
            .run(operations::MEMBERS, json!({ "filter": { "search": search } }))
            .await
        {
            Ok(data) => data["members"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["id"].as_str() != Some(id))
                .cloned()
                .collect(),
            Err(refusal) => return visit.refused_page("members", &title, refusal),
        }
    };
    let other = match params.get("other").filter(|o| o.as_str() != id) {
        Some(other) => match visit.run(operations::MEMBER, json!({ "id": other })).await {
            Ok(data) if !data["member"].is_null() => Some(data["member"].clone()),
            Ok(_) => return member_not_found(visit),
            Err(refusal) => return visit.refused_page("members", &title, refusal),
        },
        None => None,
    };
    let rows: Vec<_> = other
        .as_ref()
        .map(|other| {
            MERGE_FACTS
                .iter()
                .map(|(field, label)| {
                    json!({ "label": label, "field": field, "this": member[field], "other": other[field] })
                })
                .collect()
        })
        .unwrap_or_default();
    let refused = problem.is_some();
    let extra = context! {
        member => Value::from_serialize(&member),
        other => Value::from_serialize(&other),
        rows => Value::from_serialize(&rows),
        candidates => Value::from_serialize(&candidates),
        search,
        problem,
    };
    visit.render_form(refused, "merge.html", "members", &title, extra)
}

/// POST: `mergeMembers` — the member chosen to stay keeps the other's roles, groups,
/// invitations and history; the other is deleted. Then the one that stays.
#[handler]
pub async fn merge_post(
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
    let other = value_of(&form, "other").unwrap_or_default().to_owned();
    let (keep, remove) = if value_of(&form, "keep") == Some(other.as_str()) {
        (other.clone(), id.clone())
    } else {
        (id.clone(), other.clone())
    };
    match visit
        .run(operations::MERGE_MEMBERS, json!({ "keepId": keep, "removeId": remove }))
        .await
    {
        Ok(_) => see_other(&visit.path(&format!("/members/{keep}?done=merged"))),
        Err(refusal) if refusal.code == "FORBIDDEN" => visit.refused("members", &visit.text("merge-title"), refusal),
        Err(refusal) => {
            let params = HashMap::from([("other".to_owned(), other)]);
            merge_page(&visit, &id, &params, Some(refusal.message)).await
        }
    }
}
