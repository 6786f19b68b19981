//! Home: the counts a coordinator looks at first, and the latest import.

use std::collections::HashMap;

use minijinja::{context, Value};
use poem::http::{Method, StatusCode};
use poem::web::{Data, Path, Query};
use poem::{handler, Endpoint, IntoResponse, Request, Response};
use serde_json::json;

use super::responses::{not_found, see_other};
use super::visit::Visit;
use super::{operations, sentence};
use crate::app::App;
use crate::graphql::Schemas;

/// Any address under the console that is no page of it: a 404 page in the reader's
/// language, with the menu (a mistyped or outdated bookmark).
#[handler]
pub async fn unknown_page(
    req: &Request,
    Path((slug, rest)): Path<(String, String)>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    match Visit::open(req, &slug, app, schemas).await {
        // `/admin/`, as a bookmark or a hand may write it.
        Some(visit) if rest.is_empty() => see_other(&visit.path("")),
        Some(visit) => visit.page_not_found(),
        None => not_found(),
    }
}

/// Around every route: a GET to a console address that only takes forms (a form's
/// address bookmarked or typed, `/admin/sign-out`) gets the "no such page" page in the
/// console's frame, in the reader's language, instead of the router's bare 405.
pub async fn method_not_allowed_page<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let console_get = req.method() == Method::GET;
    let slug = console_get
        .then(|| req.uri().path().strip_prefix("/t/"))
        .flatten()
        .and_then(|rest| rest.split_once('/'))
        .filter(|(_, rest)| rest.starts_with("admin/"))
        .map(|(slug, _)| slug.to_owned());
    let page = slug.and_then(|slug| {
        let app = req.data::<App>()?.clone();
        let schemas = req.data::<Schemas>()?.clone();
        let mut probe = Request::builder().method(Method::GET).uri(req.uri().clone()).finish();
        *probe.headers_mut() = req.headers().clone();
        Some((slug, app, schemas, probe))
    });
    match next.call(req).await {
        Err(err) if err.status() == StatusCode::METHOD_NOT_ALLOWED => match page {
            Some((slug, app, schemas, probe)) => Ok(match Visit::open(&probe, &slug, &app, &schemas).await {
                Some(visit) => visit.page_not_found(),
                None => not_found(),
            }),
            None => Err(err),
        },
        other => other.map(IntoResponse::into_response),
    }
}

/// GET: home — the counts a coordinator looks at first, each a link into the list.
/// `?welcome=1` greets someone who just accepted their invitation with their login;
/// `?password=changed` says their new password is set.
#[handler]
pub async fn home(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let me = match visit.signed_in("home") {
        Ok(me) => me.clone(),
        Err(elsewhere) => return see_other(&elsewhere),
    };
    let mut counts = None;
    if let Ok(data) = visit.run(operations::HOME_MEMBERS, json!({})).await {
        let pending = if me.can("invitations.manage") {
            visit
                .run(operations::HOME_INVITATIONS, json!({}))
                .await
                .ok()
                .map(|d| d["invitations"]["totalCount"].clone())
        } else {
            None
        };
        counts = Some(json!({
            "active": data["active"]["totalCount"],
            "deactivated": data["deactivated"]["totalCount"],
            "never": data["never"]["totalCount"],
            "pending": pending,
        }));
    }
    let imports = if me.can("imports.run") {
        visit
            .run(operations::HOME_IMPORTS, json!({}))
            .await
            .ok()
            // The last import that was not cancelled: a preview given up is not news.
            .map(|d| {
                let jobs = d["importJobs"]["nodes"].as_array().cloned().unwrap_or_default();
                let kept = jobs.iter().find(|job| job["status"] != "CANCELLED");
                kept.or(jobs.first()).cloned().unwrap_or_default()
            })
    } else {
        None
    };
    let title = visit.text("home-title");
    let notice = if params.contains_key("welcome") {
        Some(sentence(visit.lang, "home-joined", &[("login", &me.login)]))
    } else {
        (params.get("password").map(String::as_str) == Some("changed")).then(|| visit.text("password-changed"))
    };
    let extra =
        context! { counts => Value::from_serialize(&counts), imports => Value::from_serialize(&imports), notice };
    visit.render("home.html", "home", &title, extra)
}
