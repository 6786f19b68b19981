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
use super::visit::Refusal;
use super::{catalog, not_found, operations, posted, root_field, see_other, value_of, Visit};
use crate::app::App;
use crate::graphql::Schemas;

/// The page of the list the form came from, to go back to, with `extra` pairs: its
/// filters, order and page (the cursor it was reached by, which the form carries).
fn list_of(visit: &Visit, form: &[(String, String)], extra: &[(&str, &str)]) -> String {
    let filters = MemberListFilter::from_form(form);
    let page = ["after", "before"]
        .into_iter()
        .find_map(|name| value_of(form, name).filter(|c| !c.is_empty()).map(|c| (name, c)));
    let pairs: Vec<(&str, &str)> = page.into_iter().chain(extra.iter().copied()).collect();
    visit.path(&format!("/members?{}", filters.query(&pairs)))
}

/// What a bulk form acts on: the checked members, or everyone the list's filter matches.
struct Selection<'a> {
    ids: Vec<&'a str>,
    everyone: bool,
    /// The list's filters, to count everyone.
    filters: MemberListFilter,
}

impl<'a> Selection<'a> {
    fn of(form: &'a [(String, String)]) -> Self {
        Selection {
            ids: form
                .iter()
                .filter(|(k, _)| k == "id")
                .map(|(_, v)| v.as_str())
                .collect(),
            everyone: value_of(form, "everyone") == Some("1"),
            filters: MemberListFilter::from_form(form),
        }
    }

    fn is_empty(&self) -> bool {
        !self.everyone && self.ids.is_empty()
    }

    /// The API's member selection: by filter or by ids.
    fn api(&self) -> serde_json::Value {
        if self.everyone {
            json!({ "filter": self.filters.api() })
        } else {
            json!({ "ids": self.ids })
        }
    }

    /// The filter of an export: an export of the checked members is an export filtered by
    /// their ids.
    fn export_filter(&self) -> serde_json::Value {
        if self.everyone {
            self.filters.api()
        } else {
            json!({ "ids": self.ids })
        }
    }

    /// How many members the action would touch, to say so before it does.
    async fn count(&self, visit: &Visit) -> Result<i64, Refusal> {
        if !self.everyone {
            return Ok(self.ids.len() as i64);
        }
        let data = visit
            .run(operations::COUNT_MEMBERS, json!({ "filter": self.filters.api() }))
            .await?;
        Ok(data["members"]["totalCount"].as_i64().unwrap_or(0))
    }
}

/// The mutation of a form's `action` and the catalog key naming it; None for an unknown one.
fn operation_of(action: &str) -> Option<(&'static str, &'static str)> {
    Some(match action {
        "deactivate" => (operations::BULK_DEACTIVATE, "member-deactivate"),
        "activate" => (operations::BULK_ACTIVATE, "member-activate"),
        "add-to-group" => (operations::BULK_ADD_TO_GROUP, "bulk-add-to-group"),
        "remove-from-group" => (operations::BULK_REMOVE_FROM_GROUP, "bulk-remove-from-group"),
        "send-activation" => (operations::BULK_SEND_ACTIVATION, "bulk-send-activation"),
        _ => return None,
    })
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
    let selection = Selection::of(&form);
    let title = visit.text("bulk-title");
    if selection.everyone && selection.filters.unreadable.is_some() {
        return visit.bad_address("members", &title);
    }
    if selection.is_empty() {
        let message = visit.text("bulk-nothing");
        return visit.render("message.html", "members", &title, context! { message });
    }
    let action = value_of(&form, "action").unwrap_or_default();
    if let Some(format) = action.strip_prefix("export-") {
        return export(&visit, &title, selection.export_filter(), format).await;
    }
    let group = value_of(&form, "group_id").filter(|g| !g.is_empty());
    let Some((operation, label)) = operation_of(action) else {
        return not_found();
    };
    if action.ends_with("group") && group.is_none() {
        let message = visit.text("bulk-no-group");
        return visit.render("message.html", "members", &title, context! { message });
    }
    if value_of(&form, "confirmed") != Some("1") {
        let asked = match group {
            Some(group) => named_action(&visit, label, group).await,
            None => Ok(visit.text(label)),
        };
        return match (selection.count(&visit).await, asked) {
            (Ok(count), Ok(action)) => confirm(&visit, &title, &form, count, &action),
            (Err(refusal), _) | (_, Err(refusal)) => visit.refused("members", &title, refusal),
        };
    }
    let variables = json!({ "selection": selection.api(), "group": group });
    match visit.run(operation, variables).await {
        Ok(data) => {
            let (notice, count) = outcome(&data);
            let count = count.to_string();
            // Members changed: by which action, for the notice's words.
            let mut said = vec![(notice, count.as_str())];
            said.extend((notice == "changed").then_some(("done", action)));
            see_other(&list_of(&visit, &form, &said))
        }
        Err(refusal) => visit.refused("members", &title, refusal),
    }
}

/// What a mass action did, as the list's notice parameter names it: invitations sent
/// (`activations`), or members changed (`changed`), and how many.
fn outcome(data: &serde_json::Value) -> (&'static str, i64) {
    let result = root_field(data);
    match result["invitations"].as_array() {
        Some(sent) => ("activations", sent.len() as i64),
        None => ("changed", result["changed"].as_i64().unwrap_or(0)),
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

/// The action of `label` into or out of the group `group_id`, by its name ("Ajouter au
/// groupe « Bénévoles »"): the admin confirms knowing which group. A group that is not
/// the tenant's is named by nothing more than the action (the API refuses it next).
async fn named_action(visit: &Visit, label: &str, group_id: &str) -> Result<String, Refusal> {
    let data = visit.run(operations::GROUPS, json!({})).await?;
    let name = data["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|g| g["id"].as_str() == Some(group_id))
        .and_then(|g| g["name"].as_str());
    Ok(match name {
        Some(name) => catalog::text(
            visit.lang,
            "bulk-group-named",
            &[
                ("action", FluentValue::from(visit.text(label))),
                ("group", FluentValue::from(name)),
            ],
        ),
        None => visit.text(label),
    })
}

/// The page asking to confirm `action` (worded) on `count` members, the form carried along.
fn confirm(visit: &Visit, title: &str, form: &[(String, String)], count: i64, action: &str) -> Response {
    let question = catalog::text(
        visit.lang,
        "bulk-question",
        &[
            ("count", FluentValue::from(count)),
            ("action", FluentValue::from(action)),
        ],
    );
    let carried: Vec<(String, String)> = form.iter().filter(|(k, _)| k != "csrf").cloned().collect();
    let back = list_of(visit, form, &[]);
    visit.render(
        "bulk_confirm.html",
        "members",
        title,
        context! { question, carried, back },
    )
}
