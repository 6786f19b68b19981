//! Actions on a selection of the member list — the checked members, or every member the
//! list's filter matches: deactivate, activate, add to or remove from a group, send
//! activation invitations, export.
//! A change first asks for confirmation, saying how many members it will touch.

use fluent_bundle::FluentValue;
use minijinja::context;
use poem::web::{Data, Path};
use poem::{handler, Body, Request, Response};
use serde_json::json;

use super::member_filter::MemberListFilter;
use super::{catalog, not_found, operations, posted, root_field, see_other, value_of, Visit};
use crate::app::App;
use crate::graphql::Schemas;

/// The list the form came from, to go back to, with `extra` pairs.
fn list_of(visit: &Visit, filters: &MemberListFilter, extra: &[(&str, &str)]) -> String {
    visit.path(&format!("/members?{}", filters.query(extra)))
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
    let filters = MemberListFilter::from_form(&form);
    let filter = filters.api();
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
        let filter = if everyone { filter } else { json!({ "ids": ids }) };
        return export(&visit, &title, filter, format).await;
    }
    let group = value_of(&form, "group_id").filter(|g| !g.is_empty());
    let (operation, label) = match action {
        "deactivate" => (operations::BULK_DEACTIVATE, "member-deactivate"),
        "activate" => (operations::BULK_ACTIVATE, "member-activate"),
        "add-to-group" => (operations::BULK_ADD_TO_GROUP, "bulk-add-to-group"),
        "remove-from-group" => (operations::BULK_REMOVE_FROM_GROUP, "bulk-remove-from-group"),
        "send-activation" => (operations::BULK_SEND_ACTIVATION, "bulk-send-activation"),
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
        return confirm(&visit, &title, &form, &filters, count, label);
    }
    let variables = json!({ "selection": selection, "group": group });
    match visit.run(operation, variables).await {
        Ok(data) => {
            let result = root_field(&data);
            // Invitations sent, or members changed: the list says which.
            let (notice, count) = match result["invitations"].as_array() {
                Some(sent) => ("activations", sent.len() as i64),
                None => ("changed", result["changed"].as_i64().unwrap_or(0)),
            };
            see_other(&list_of(&visit, &filters, &[(notice, &count.to_string())]))
        }
        Err(refusal) => visit.refused("members", &title, refusal),
    }
}

/// Starts an export of the selected members (`format` from the form: `csv`, `xlsx`) and
/// sends the browser to its download.
async fn export(visit: &Visit, title: &str, filter: serde_json::Value, format: &str) -> Response {
    let format = if format == "xlsx" { "XLSX" } else { "CSV" };
    match visit
        .run(
            operations::EXPORT_MEMBERS,
            json!({ "filter": filter, "format": format }),
        )
        .await
    {
        Ok(data) => see_other(data["exportMembers"]["url"].as_str().unwrap_or_default()),
        Err(refusal) => visit.refused("members", title, refusal),
    }
}

/// The page asking to confirm `label` on `count` members, the form carried along.
fn confirm(
    visit: &Visit,
    title: &str,
    form: &[(String, String)],
    filters: &MemberListFilter,
    count: i64,
    label: &str,
) -> Response {
    let question = catalog::text(
        visit.lang,
        "bulk-question",
        &[
            ("count", FluentValue::from(count)),
            ("action", FluentValue::from(visit.text(label))),
        ],
    );
    let carried: Vec<(String, String)> = form.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    let back = list_of(visit, filters, &[]);
    visit.render(
        "bulk_confirm.html",
        "members",
        title,
        context! { question, carried, back },
    )
}
