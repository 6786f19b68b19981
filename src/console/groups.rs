//! Groups: the list with member counts, each a link to its members; create (manual,
//! or smart with a rule made of the member list's filters), rename, delete.

use std::collections::HashMap;

use minijinja::{context, Value};
use poem::web::{Data, Path, Query};
use poem::{handler, Body, Request, Response};
use serde_json::json;

use super::{not_found, operations, posted, see_other, value_of, Visit};
use crate::app::App;
use crate::graphql::Schemas;

const NOTICES: [(&str, &str); 3] = [
    ("created", "groups-created"),
    ("renamed", "groups-renamed"),
    ("deleted", "groups-deleted"),
];

/// GET: the groups.
#[handler]
pub async fn list(
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

async fn show(visit: &Visit, notice: Option<String>, problem: Option<String>, draft: &[(String, String)]) -> Response {
    let me = match visit.signed_in("groups") {
        Ok(me) => me.clone(),
        Err(elsewhere) => return see_other(&elsewhere),
    };
    let title = visit.text("groups-title");
    let groups = match visit.run(operations::GROUPS, json!({})).await {
        Ok(data) => data["groups"].clone(),
        Err(refusal) => return visit.refused_page("groups", &title, refusal),
    };
    let draft = context! {
        name => value_of(draft, "name").unwrap_or_default(),
        description => value_of(draft, "description").unwrap_or_default(),
        rule_search => value_of(draft, "rule_search").unwrap_or_default(),
    };
    let extra = context! {
        groups => Value::from_serialize(&groups),
        can_manage => me.can("groups.manage"),
        draft,
        notice,
        problem,
    };
    visit.render_form(problem_status(&extra), "groups.html", "groups", &title, extra)
}

fn problem_status(extra: &Value) -> bool {
    extra
        .get_attr("problem")
        .is_ok_and(|p| !p.is_none() && !p.is_undefined())
}

/// POST: creates a group; with any rule field filled, a smart one.
#[handler]
pub async fn create(
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
    let mut rule = serde_json::Map::new();
    if let Some(search) = value_of(&form, "rule_search").map(str::trim).filter(|s| !s.is_empty()) {
        rule.insert("search".into(), json!(search));
    }
    if let Some(status) = value_of(&form, "rule_status").filter(|s| matches!(*s, "ACTIVE" | "DEACTIVATED")) {
        rule.insert("status".into(), json!(status));
    }
    if value_of(&form, "rule_never").is_some() {
        rule.insert("neverLoggedIn".into(), json!(true));
    }
    let mut input = json!({ "name": value_of(&form, "name").unwrap_or_default().trim() });
    if let Some(description) = value_of(&form, "description").map(str::trim).filter(|d| !d.is_empty()) {
        input["description"] = json!(description);
    }
    if !rule.is_empty() {
        input["rule"] = json!(rule);
    }
    match visit.run(operations::CREATE_GROUP, json!({ "input": input })).await {
        Ok(_) => see_other(&visit.path("/groups?done=created")),
        Err(refusal) => {
            let problem = refusal
                .fields
                .first()
                .map(|(_, m)| m.clone())
                .unwrap_or(refusal.message);
            show(&visit, None, Some(problem), &form).await
        }
    }
}

/// POST: renames a manual group.
#[handler]
pub async fn rename(
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
    // updateGroup replaces the description too: keep the one the group has.
    let current = visit.run(operations::GROUPS, json!({})).await.unwrap_or_default();
    let description = current["groups"]
        .as_array()
        .and_then(|groups| groups.iter().find(|g| g["id"] == id.as_str()))
        .map(|g| g["description"].clone())
        .unwrap_or_default();
    let input = json!({ "name": value_of(&form, "name").unwrap_or_default().trim(), "description": description });
    match visit
        .run(operations::UPDATE_GROUP, json!({ "id": id, "input": input }))
        .await
    {
        Ok(_) => see_other(&visit.path("/groups?done=renamed")),
        Err(refusal) => {
            let problem = refusal
                .fields
                .first()
                .map(|(_, m)| m.clone())
                .unwrap_or(refusal.message);
            show(&visit, None, Some(problem), &[]).await
        }
    }
}

/// POST: deletes a group (its members stay).
#[handler]
pub async fn delete(
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
    match visit.run(operations::DELETE_GROUP, json!({ "id": id })).await {
        Ok(_) => see_other(&visit.path("/groups?done=deleted")),
        Err(refusal) => show(&visit, None, Some(refusal.message), &[]).await,
    }
}
