//! The member list: its filters in the URL, a page of members, and their count when it
//! is cheap or asked for.

use std::collections::HashMap;

use fluent_bundle::FluentValue;
use minijinja::{context, Value};
use poem::web::{Data, Path, Query};
use poem::{handler, Request, Response};
use serde_json::json;

use super::member_filter::{ListOrder, MemberListFilter};
use super::responses::{not_found, see_other};
use super::visit::{Refusal, Visit};
use super::{catalog, operations};
use crate::app::App;
use crate::graphql::Schemas;

/// Members a page.
const PAGE: i64 = 50;

/// GET: the member list, its filters and order in the URL (bookmarkable), 50 a page by
/// cursor: `after` the next page's, `before` the previous page's.
#[handler]
pub async fn members(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    if let Err(elsewhere) = visit.signed_in("members") {
        return see_other(&elsewhere);
    }
    let filters = MemberListFilter::from_query(&params);
    let title = visit.text("members-title");
    if filters.unreadable.is_some() {
        return visit.bad_address("members", &title);
    }
    let cursor = |name: &str| params.get(name).cloned().filter(|c| !c.is_empty());
    let (after, before) = (cursor("after"), cursor("before"));
    // Back from a page: the 50 before its first member; else forward.
    let variables = match &before {
        Some(before) => json!({ "filter": filters.api(), "order": filters.sort.api(), "last": PAGE, "before": before }),
        None => json!({ "filter": filters.api(), "order": filters.sort.api(), "first": PAGE, "after": after }),
    };
    let paged = after.is_some() || before.is_some();
    let data = match visit.run(operations::MEMBERS, variables).await {
        Ok(data) => data,
        Err(refusal) => return visit.refused_page("members", &title, refusal),
    };
    let connection = &data["members"];
    let total = match total(&visit, &filters, &params, connection, paged).await {
        Ok(total) => total,
        Err(refusal) => return visit.refused_page("members", &title, refusal),
    };
    let query = |extra: &[(&str, &str)]| format!("{}?{}", visit.path("/members"), filters.query(extra));
    let page_info = &connection["pageInfo"];
    let link = |has: &str, direction: &str, cursor: &str| {
        page_info[has]
            .as_bool()
            .unwrap_or(false)
            .then(|| query(&[(direction, page_info[cursor].as_str().unwrap_or_default())]))
    };
    let next_page = link("hasNextPage", "after", "endCursor");
    let previous_page = link("hasPreviousPage", "before", "startCursor");
    let orders: Vec<&str> = ListOrder::ALL.into_iter().map(ListOrder::name).collect();
    let extra = context! {
        notice => notice(visit.lang, &params),
        rows => Value::from_serialize(&connection["nodes"]),
        groups => Value::from_serialize(&data["groups"]),
        roles => Value::from_serialize(&data["tenant"]["roles"]),
        total,
        count_link => query(&[("count", "1")]),
        filters => Value::from_serialize(&filters),
        orders,
        page_after => after,
        page_before => before,
        first_page => query(&[]),
        previous_page,
        next_page,
    };
    visit.render("members.html", "members", &title, extra)
}

/// How many members the filter matches, when the page shows it. Counting a filter reads
/// every member it matches: done when the list fits on this page (the rows are the
/// count), when the page must say it (the never-signed-in list's invitations), or when
/// asked (`?count=1`); otherwise the list reads one page.
async fn total(
    visit: &Visit,
    filters: &MemberListFilter,
    params: &HashMap<String, String>,
    connection: &serde_json::Value,
    paged: bool,
) -> Result<Option<i64>, Refusal> {
    let rows = connection["nodes"].as_array().map_or(0, Vec::len) as i64;
    let more = connection["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false);
    if !more && !paged {
        return Ok(Some(rows));
    }
    if !(filters.never || params.get("count").is_some_and(|c| c == "1")) {
        return Ok(None);
    }
    let data = visit
        .run(operations::COUNT_MEMBERS, json!({ "filter": filters.api() }))
        .await?;
    Ok(data["members"]["totalCount"].as_i64())
}

/// The notice of a mass action just done (`?activations=`: invitations sent,
/// `?changed=`: members changed, by the action `?done=` names when it does).
fn notice(lang: &str, params: &HashMap<String, String>) -> Option<String> {
    params
        .get("activations")
        .and_then(|n| n.parse::<i64>().ok())
        .map(|n| catalog::text(lang, "activation-sent", &[("count", FluentValue::from(n))]))
        .or_else(|| {
            let n = params.get("changed")?.parse::<i64>().ok()?;
            let count = [("count", FluentValue::from(n))];
            let done = params.get("done").map(|action| format!("bulk-done-{action}"));
            done.and_then(|key| catalog::optional(lang, &key, &count))
                .or_else(|| Some(catalog::text(lang, "bulk-done", &count)))
        })
}
