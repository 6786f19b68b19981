//! The audit log, filtered by action, actor, target and dates (filters in the URL).

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone};
use minijinja::{context, Value};
use poem::web::{Data, Path, Query};
use poem::{handler, Request, Response};
use serde_json::json;

use super::{not_found, operations, see_other, Visit};
use crate::app::App;
use crate::graphql::Schemas;

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
    let get = |name: &str| params.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let zone = visit.tenant.time_zone(visit.app.settings.time_zone);
    // A day of the reader's calendar, in the tenant's time zone: from its first moment,
    // until its last.
    let day = |name: &str, next: bool| {
        let date = NaiveDate::parse_from_str(&get(name)?, "%Y-%m-%d").ok()?;
        let date = if next { date.succ_opt()? } else { date };
        let start = zone.from_local_datetime(&date.and_hms_opt(0, 0, 0)?).earliest()?;
        Some(start.to_utc().to_rfc3339())
    };
    let mut filter = serde_json::Map::new();
    for (field, param) in [("action", "action"), ("actorId", "actor"), ("targetId", "target")] {
        if let Some(value) = get(param) {
            filter.insert(field.into(), json!(value));
        }
    }
    if let Some(since) = day("since", false) {
        filter.insert("since".into(), json!(since));
    }
    if let Some(until) = day("until", true) {
        filter.insert("until".into(), json!(until));
    }
    let after = get("after");
    let title = visit.text("audit-title");
    let data = match visit
        .run(operations::AUDIT_LOG, json!({ "filter": filter, "after": after }))
        .await
    {
        Ok(data) => data,
        Err(refusal) => return visit.refused("audit", &title, refusal),
    };
    let connection = &data["auditLog"];
    let next_page = connection["pageInfo"]["hasNextPage"]
        .as_bool()
        .unwrap_or(false)
        .then(|| {
            let mut query = url::form_urlencoded::Serializer::new(String::new());
            for name in ["action", "actor", "target", "since", "until"] {
                if let Some(value) = get(name) {
                    query.append_pair(name, &value);
                }
            }
            query.append_pair(
                "after",
                connection["pageInfo"]["endCursor"].as_str().unwrap_or_default(),
            );
            visit.path(&format!("/audit?{}", query.finish()))
        });
    let filters = context! {
        action => get("action"), since => get("since"), until => get("until"),
        actor => get("actor"), target => get("target"),
    };
    let extra = context! {
        rows => Value::from_serialize(&connection["nodes"]),
        total => connection["totalCount"].as_i64().unwrap_or(0),
        filters,
        next_page,
    };
    visit.render("audit.html", "audit", &title, extra)
}
