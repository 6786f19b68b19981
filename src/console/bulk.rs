//! Actions on a selection of the member list — the checked members, or every member the
//! list's filter matches: deactivate, activate, add to or remove from a group, export.
//! A change first asks for confirmation, saying how many members it will touch.

use fluent_bundle::FluentValue;
use minijinja::context;
use poem::web::{Data, Path};
use poem::{handler, Body, Request, Response};
use serde_json::json;

use super::{catalog, not_found, operations, posted, see_other, value_of, Visit};
use crate::app::App;
use crate::graphql::Schemas;

/// The list's filter, as the form carries it back, in the API's terms.
fn filter_of(form: &[(String, String)]) -> serde_json::Map<String, serde_json::Value> {
    let mut filter = serde_json::Map::new();
    if let Some(search) = value_of(form, "search").filter(|s| !s.is_empty()) {
        filter.insert("search".into(), json!(search));
    }
    if let Some(status) = value_of(form, "status").filter(|s| matches!(*s, "ACTIVE" | "DEACTIVATED")) {
        filter.insert("status".into(), json!(status));
    }
    if value_of(form, "never") == Some("1") {
        filter.insert("neverLoggedIn".into(), json!(true));
    }
    if let Some(group) = value_of(form, "group").filter(|g| uuid::Uuid::parse_str(g).is_ok()) {
        filter.insert("groupIds".into(), json!([group]));
    }
    filter
}

/// The list the form came from, to go back to.
fn list_of(visit: &Visit, form: &[(String, String)], extra: Option<(&str, String)>) -> String {
    let mut pairs: Vec<(&str, String)> = ["search", "status", "never", "group"]
        .into_iter()
        .filter_map(|name| {
            value_of(form, name)
                .filter(|v| !v.is_empty())
                .map(|v| (name, v.to_owned()))
        })
        .collect();
    pairs.extend(extra);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    visit.path(&format!("/members?{query}"))
}

/// POST: asks for confirmation, then acts (or, for an export, hands over the file).
#[handler]
pub async fn act(
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
    if visit.me.is_none() {
        return not_found();
    }
    let ids: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.as_str())
        .collect();
    let everyone = value_of(&form, "everyone") == Some("1");
    let filter = filter_of(&form);
    let selection = if everyone {
        json!({ "filter": filter })
    } else {
        json!({ "ids": ids })
    };
    let title = visit.text("bulk-title");
    if !everyone && ids.is_empty() {
        let message = visit.text("bulk-nothing");
        return visit.render("message.html", "members", &title, context! { message });
    }
    let action = value_of(&form, "action").unwrap_or_default();
    if let Some(format) = action.strip_prefix("export-") {
        // An export of the checked members is an export filtered by their ids.
        let filter = if everyone { json!(filter) } else { json!({ "ids": ids }) };
        let format = if format == "xlsx" { "XLSX" } else { "CSV" };
        return match visit
            .run(
                operations::EXPORT_MEMBERS,
                json!({ "filter": filter, "format": format }),
            )
            .await
        {
            Ok(data) => see_other(data["exportMembers"]["url"].as_str().unwrap_or_default()),
            Err(refusal) => visit.refused("members", &title, refusal),
        };
    }
    let group = value_of(&form, "group_id").filter(|g| !g.is_empty());
    let (operation, label) = match action {
        "deactivate" => (operations::BULK_DEACTIVATE, "member-deactivate"),
        "activate" => (operations::BULK_ACTIVATE, "member-activate"),
        "add-to-group" => (operations::BULK_ADD_TO_GROUP, "bulk-add-to-group"),
        "remove-from-group" => (operations::BULK_REMOVE_FROM_GROUP, "bulk-remove-from-group"),
        _ => return not_found(),
    };
    if action.ends_with("group") && group.is_none() {
        let message = visit.text("bulk-no-group");
        return visit.render("message.html", "members", &title, context! { message });
    }
    if value_of(&form, "confirmed") != Some("1") {
        let count = if everyone {
            match visit.run(operations::COUNT_MEMBERS, json!({ "filter": filter })).await {
                Ok(data) => data["members"]["totalCount"].as_i64().unwrap_or(0),
                Err(refusal) => return visit.refused("members", &title, refusal),
            }
        } else {
            ids.len() as i64
        };
        let question = catalog::text(
            visit.lang,
            "bulk-question",
            &[
                ("count", FluentValue::from(count)),
                ("action", FluentValue::from(visit.text(label))),
            ],
        );
        let carried: Vec<(String, String)> = form.iter().filter(|(k, _)| k != "csrf").cloned().collect();
        let back = list_of(&visit, &form, None);
        return visit.render(
            "bulk_confirm.html",
            "members",
            &title,
            context! { question, carried, back },
        );
    }
    let variables = json!({ "selection": selection, "group": group });
    match visit.run(operation, variables).await {
        Ok(data) => {
            let changed = data
                .as_object()
                .and_then(|d| d.values().next())
                .and_then(|r| r["changed"].as_i64())
                .unwrap_or(0);
            see_other(&list_of(&visit, &form, Some(("changed", changed.to_string()))))
        }
        Err(refusal) => visit.refused("members", &title, refusal),
    }
}
