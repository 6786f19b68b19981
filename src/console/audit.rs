//! The audit log, filtered by action, actor, target and dates (filters in the URL).

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use fluent_bundle::FluentValue;
use minijinja::{context, Value};
use poem::web::{Data, Path, Query};
use poem::{handler, Request, Response};
use serde_json::json;

use super::{catalog, not_found, operations, see_other, Visit};
use crate::app::App;
use crate::graphql::Schemas;

/// The URL's filters, as the page keeps them and the next page's link carries them.
const FILTERS: [&str; 5] = ["action", "actor", "target", "since", "until"];

/// The actions the filter offers, by their stored codes (the catalogs name each as
/// `audit-action-…`); an entry of another action is still listed and linked.
const ACTIONS: [&str; 32] = [
    "group.created",
    "group.deleted",
    "group.members_added",
    "group.members_removed",
    "group.updated",
    "import.applied",
    "import.undone",
    "import.cancelled",
    "invitation.accepted",
    "invitation.expired",
    "invitation.link_issued",
    "invitation.new_requested",
    "invitation.refreshed",
    "invitation.reminded",
    "invitation.revoked",
    "invitation.roles_dropped",
    "invitation.sent",
    "invitation.settled",
    "member.activated",
    "member.created",
    "member.deactivated",
    "member.email_change_requested",
    "member.email_change_reverted",
    "member.merged",
    "member.password_changed",
    "member.password_reset",
    "member.password_reset_sent",
    "member.registered",
    "member.roles_changed",
    "member.updated",
    "members.erased",
    "privacy.retention_run",
];

/// GET: a page of the audit log, newest first.
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
    if let Err(elsewhere) = visit.signed_in("audit") {
        return see_other(&elsewhere);
    }
    let zone = visit.tenant.time_zone(visit.app.settings.time_zone);
    let filter = api_filter(&params, zone);
    let after = param(&params, "after");
    let title = visit.text("audit-title");
    let data = match visit
        .run(operations::AUDIT_LOG, json!({ "filter": filter, "after": after }))
        .await
    {
        Ok(data) => data,
        Err(refusal) => return visit.refused_page("audit", &title, refusal),
    };
    let connection = &data["auditLog"];
    let get = |name: &str| param(&params, name);
    let filters = context! {
        action => get("action"), since => get("since"), until => get("until"),
        actor => get("actor"), target => get("target"),
    };
    let rows: Vec<serde_json::Value> = connection["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| with_target(&visit, entry))
        .collect();
    // The narrowing the form does not show, said with whom it is about when a row tells.
    let named = |key: &str, name: &serde_json::Value| {
        let name = FluentValue::from(name.as_str().unwrap_or_default().to_owned());
        catalog::text(visit.lang, key, &[("name", name)])
    };
    let narrowed = match (get("actor"), get("target"), rows.first()) {
        (Some(_), _, Some(first)) if first["actor"]["displayName"].is_string() => {
            Some(named("audit-narrowed-actor", &first["actor"]["displayName"]))
        }
        (None, Some(_), Some(first)) => Some(named("audit-narrowed-target", &first["targetName"])),
        (None, None, _) => None,
        _ => Some(visit.text("audit-narrowed")),
    };
    // The list without the filter on one actor or target, which the form does not show.
    let unnarrowed = (get("actor").is_some() || get("target").is_some()).then(|| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for name in ["action", "since", "until"] {
            if let Some(value) = get(name) {
                query.append_pair(name, &value);
            }
        }
        visit.path(&format!("/audit?{}", query.finish()))
    });
    let extra = context! {
        actions => ACTIONS,
        unnarrowed,
        narrowed,
        rows => Value::from_serialize(&rows),
        total => connection["totalCount"].as_i64().unwrap_or(0),
        filters,
        next_page => next_page(&visit, &params, connection),
    };
    visit.render("audit.html", "audit", &title, extra)
}

/// An entry with what its target reads as (`targetName`: the member's name, else the
/// file or group its details name, else the end of its id, the random part of a
/// time-ordered id) and where it leads (`targetHref`: an import's page, else the
/// entries about the same target).
fn with_target(visit: &Visit, entry: &serde_json::Value) -> serde_json::Value {
    let mut entry = entry.clone();
    let Some(id) = entry["targetId"].as_str().map(str::to_owned) else {
        return entry;
    };
    let details: serde_json::Value = entry["details"]
        .as_str()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let named = [
        &entry["targetMember"]["displayName"],
        &details["file"],
        &details["name"],
    ]
    .into_iter()
    .find_map(|name| name.as_str().filter(|n| !n.is_empty()).map(str::to_owned));
    let name = named.unwrap_or_else(|| format!("…{}", &id[id.len().saturating_sub(8)..]));
    let href = if entry["action"].as_str().is_some_and(|a| a.starts_with("import.")) {
        visit.path(&format!("/imports/{id}"))
    } else {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("target", &id)
            .finish();
        visit.path(&format!("/audit?{query}"))
    };
    entry["targetName"] = json!(name);
    entry["targetHref"] = json!(href);
    entry
}

/// A parameter of the URL, trimmed; None when absent or blank.
fn param(params: &HashMap<String, String>, name: &str) -> Option<String> {
    params.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The API's audit filter for the URL's filters, its days in the tenant's `zone`.
fn api_filter(params: &HashMap<String, String>, zone: Tz) -> serde_json::Map<String, serde_json::Value> {
    let mut filter = serde_json::Map::new();
    for (field, name) in [("action", "action"), ("actorId", "actor"), ("targetId", "target")] {
        if let Some(value) = param(params, name) {
            filter.insert(field.into(), json!(value));
        }
    }
    if let Some(since) = day_start(params, "since", false, zone) {
        filter.insert("since".into(), json!(since));
    }
    if let Some(until) = day_start(params, "until", true, zone) {
        filter.insert("until".into(), json!(until));
    }
    filter
}

/// The first moment (RFC 3339) of the day `name` of the URL, a day of the reader's
/// calendar in the tenant's `zone`; with `next`, of the day after, so that `until`
/// includes its whole day.
fn day_start(params: &HashMap<String, String>, name: &str, next: bool, zone: Tz) -> Option<String> {
    let date = NaiveDate::parse_from_str(&param(params, name)?, "%Y-%m-%d").ok()?;
    let date = if next { date.succ_opt()? } else { date };
    let start = zone.from_local_datetime(&date.and_hms_opt(0, 0, 0)?).earliest()?;
    Some(start.to_utc().to_rfc3339())
}

/// The link to the page after this one, the filters carried along; None on the last.
fn next_page(visit: &Visit, params: &HashMap<String, String>, connection: &serde_json::Value) -> Option<String> {
    let more = connection["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false);
    more.then(|| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for name in FILTERS {
            if let Some(value) = param(params, name) {
                query.append_pair(name, &value);
            }
        }
        query.append_pair(
            "after",
            connection["pageInfo"]["endCursor"].as_str().unwrap_or_default(),
        );
        visit.path(&format!("/audit?{}", query.finish()))
    })
}
