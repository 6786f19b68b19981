//! Reading the console's forms and showing the API's problems on them.

use poem::{Body, Request, Response};
use serde::Serialize;

use super::responses::not_found;
use super::visit::{Refusal, Visit};
use crate::app::App;
use crate::graphql::Schemas;

/// An input of a console form, named as the API names the field.
#[derive(Serialize)]
pub(super) struct Field {
    pub(super) name: &'static str,
    pub(super) label: &'static str,
    pub(super) kind: &'static str,
    pub(super) required: bool,
    pub(super) value: String,
    pub(super) problem: Option<String>,
}

/// The inputs of `spec` (name, catalog label, input type, required), filled from
/// `values`, each with the API's problem about it.
pub(super) fn form_fields(
    spec: &[(&'static str, &'static str, &'static str, bool)],
    values: &serde_json::Value,
    problems: &[(String, String)],
) -> Vec<Field> {
    spec.iter()
        .map(|&(name, label, kind, required)| Field {
            name,
            label,
            kind,
            required,
            value: values[name].as_str().unwrap_or_default().to_owned(),
            problem: problems.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone()),
        })
        .collect()
}

/// The problems of a refusal, by field (an empty field name for the page as a whole).
pub(super) fn problems_of(refusal: Refusal) -> Vec<(String, String)> {
    if refusal.fields.is_empty() {
        vec![(String::new(), refusal.message)]
    } else {
        refusal.fields
    }
}

/// The problem the API named for `field`, to show next to it.
pub(super) fn problem_for(problems: &[(String, String)], field: &str) -> Option<String> {
    problems.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone())
}

/// The problems not shown next to one of `beside` (fields with a place of their own on
/// the page), in one sentence for the top of the page; None when there are none.
pub(super) fn page_problem(problems: &[(String, String)], beside: &[&str]) -> Option<String> {
    let rest: Vec<&str> = problems
        .iter()
        .filter(|(field, _)| !beside.contains(&field.as_str()))
        .map(|(_, message)| message.as_str())
        .collect();
    (!rest.is_empty()).then(|| rest.join(" "))
}

/// The answer of a mutation document's one root field.
pub(super) fn root_field(data: &serde_json::Value) -> serde_json::Value {
    data.as_object()
        .and_then(|fields| fields.values().next())
        .cloned()
        .unwrap_or_default()
}

/// A form's fields in order, repeated names (checkboxes) kept.
async fn pairs(body: Body) -> Vec<(String, String)> {
    let bytes = body.into_bytes().await.unwrap_or_default();
    url::form_urlencoded::parse(&bytes).into_owned().collect()
}

/// The first value of the field `name`.
pub(super) fn value_of<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A form posted from this site: the visit and the form's fields. Otherwise the answer
/// to give instead: 404 for an unknown tenant, 403 (nothing done) for a form whose CSRF
/// token or Origin is not this site's.
pub(super) async fn posted(
    req: &Request,
    slug: &str,
    app: &App,
    schemas: &Schemas,
    body: Body,
) -> Result<(Visit, Vec<(String, String)>), Box<Response>> {
    let Some(visit) = Visit::open(req, slug, app, schemas).await else {
        return Err(Box::new(not_found()));
    };
    let form = pairs(body).await;
    if !visit.form_is_ours(req, value_of(&form, "csrf")) {
        return Err(Box::new(visit.form_refused()));
    }
    Ok((visit, form))
}
