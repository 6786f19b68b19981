//! Spreadsheet imports in the browser: the templates to download, the upload form, the
//! preview (counts per kind of change, the changes row by row with before and after, the
//! row errors with their report, the warnings, the groups to create), applying with the
//! confirmations the API asks for, progress while it validates or applies, undo, and
//! the history. Each step is one operation of the public schema.

use std::collections::HashMap;
use std::time::Duration;

use fluent_bundle::FluentValue;
use minijinja::{context, Value};
use poem::http::StatusCode;
use poem::web::{Data, Multipart, Path, Query};
use poem::{handler, Body, Request, Response};
use serde_json::json;

use super::catalog;
use super::upload::read_upload;
use super::{
    not_found, operations, page_problem, plain_error, posted, problem_for, problems_of, see_other, value_of, Visit,
};
use crate::app::App;
use crate::graphql::Schemas;

/// The import modes, as the API names them, with their catalog keys.
const MODES: [(&str, &str); 3] = [
    ("CREATE", "import-mode-create"),
    ("INVITE", "import-mode-invite"),
    ("SYNC", "import-mode-sync"),
];

/// The encodings the upload form offers to force on a CSV/text file, as WHATWG labels
/// with their catalog keys: those the spreadsheets admins use save text in. Any other
/// label still goes through the API.
const ENCODINGS: [(&str, &str); 5] = [
    ("utf-8", "import-encoding-utf-8"),
    ("windows-1252", "import-encoding-windows-1252"),
    ("macintosh", "import-encoding-macintosh"),
    ("iso-8859-15", "import-encoding-iso-8859-15"),
    ("utf-16le", "import-encoding-utf-16le"),
];

/// The kinds of change of a plan: API name, `ImportSummary` field, catalog key.
const KINDS: [(&str, &str, &str); 6] = [
    ("CREATE", "create", "import-kind-create"),
    ("UPDATE", "update", "import-kind-update"),
    ("DEACTIVATE", "deactivate", "import-kind-deactivate"),
    ("REACTIVATE", "reactivate", "import-kind-reactivate"),
    ("INVITE", "invite", "import-kind-invite"),
    ("ADD_TO_GROUPS", "addToGroups", "import-kind-add-to-groups"),
];

/// Notices a redirect may ask for (`?done=`), with their catalog keys.
const NOTICES: [(&str, &str); 4] = [
    ("applied", "import-applied"),
    ("undone", "import-undone"),
    ("cancelled", "import-cancelled"),
    ("started", "import-started"),
];

/// How long a page waits for a preview, an apply or an undo before showing the job's
/// progress instead (the work goes on).
const WAIT: Duration = Duration::from_secs(2);

/// GET: the imports — templates, the upload form, and the history, newest first.
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
    let after = params.get("after").filter(|a| !a.is_empty()).cloned();
    render_list(&visit, after, notice, &[], &HashMap::new()).await
}

/// The imports page; `problems` (field, message) and `chosen` (the form as sent) when
/// an upload was refused.
async fn render_list(
    visit: &Visit,
    after: Option<String>,
    notice: Option<String>,
    problems: &[(String, String)],
    chosen: &HashMap<String, String>,
) -> Response {
    if let Err(elsewhere) = visit.signed_in("imports") {
        return see_other(&elsewhere);
    }
    let title = visit.text("imports-title");
    let data = match visit.run(operations::IMPORTS, json!({ "after": after })).await {
        Ok(data) => data,
        Err(refusal) => return visit.refused_page("imports", &title, refusal),
    };
    let connection = &data["importJobs"];
    let busy = connection["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|job| matches!(job["status"].as_str(), Some("VALIDATING" | "APPLYING")));
    let next_page = connection["pageInfo"]["hasNextPage"]
        .as_bool()
        .unwrap_or(false)
        .then(|| {
            let cursor = connection["pageInfo"]["endCursor"].as_str().unwrap_or_default();
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("after", cursor)
                .finish();
            visit.path(&format!("/imports?{query}"))
        });
    let choices = |options: &[(&str, &str)]| -> Vec<serde_json::Value> {
        options
            .iter()
            .map(|(value, label)| json!({ "value": value, "label": label }))
            .collect()
    };
    let (modes, encodings) = (choices(&MODES), choices(&ENCODINGS));
    let manual_groups: Vec<_> = data["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["smart"] == json!(false))
        .cloned()
        .collect();
    let extra = context! {
        jobs => Value::from_serialize(&connection["nodes"]),
        total => connection["totalCount"].as_i64().unwrap_or(0),
        modes => Value::from_serialize(&modes),
        encodings => Value::from_serialize(&encodings),
        groups => Value::from_serialize(&manual_groups),
        chosen => Value::from_serialize(chosen),
        file_problem => problem_for(problems, "input.file"),
        message_problem => problem_for(problems, "input.defaults.message"),
        encoding_problem => problem_for(problems, "input.encoding"),
        problem => page_problem(problems, &["input.file", "input.defaults.message", "input.encoding"]),
        refresh => busy.then_some(2),
        next_page,
        notice,
    };
    visit.render("imports.html", "imports", &title, extra)
}

/// GET: an empty template of a mode (`?mode=`, `?format=XLSX|CSV`) with headers in the
/// reader's language: a redirect to its signed download.
#[handler]
pub async fn template(
    req: &Request,
    Path(slug): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    if let Err(elsewhere) = visit.signed_in("imports") {
        return see_other(&elsewhere);
    }
    let mode = params
        .get("mode")
        .map(|m| m.to_uppercase())
        .unwrap_or_else(|| "CREATE".into());
    let format = params
        .get("format")
        .map(|f| f.to_uppercase())
        .unwrap_or_else(|| "XLSX".into());
    // Checked here so that a hand-edited address gets the page's words, not the
    // schema's enum error.
    let known = MODES.iter().any(|(name, _)| *name == mode) && ["XLSX", "CSV"].contains(&format.as_str());
    if !known {
        return visit.bad_address("imports", &visit.text("imports-title"));
    }
    let variables = json!({ "mode": mode, "format": format, "locale": visit.lang });
    match visit.run(operations::IMPORT_TEMPLATE, variables).await {
        Ok(data) => see_other(data["importTemplate"]["url"].as_str().unwrap_or_default()),
        Err(refusal) => visit.refused_page("imports", &visit.text("imports-title"), refusal),
    }
}

/// POST (multipart): `startImport` with the chosen file and mode; the preview when it is
/// ready within a moment, else the history, where the import shows its progress.
#[handler]
pub async fn start(
    req: &Request,
    Path(slug): Path<String>,
    multipart: Multipart,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let upload = match read_upload(multipart, app.settings.limits.upload_bytes).await {
        Ok(upload) => upload,
        Err(_) => return plain_error(StatusCode::BAD_REQUEST, &visit.text("import-upload-broken")),
    };
    if !visit.form_is_ours(req, value_of(&upload.fields, "csrf")) {
        return visit.form_refused();
    }
    if let Err(elsewhere) = visit.signed_in("imports") {
        return see_other(&elsewhere);
    }
    let chosen: HashMap<String, String> = upload.fields.iter().cloned().collect();
    let Some(file) = upload.file else {
        let key = if upload.too_large {
            "import-file-too-large"
        } else {
            "import-file-missing"
        };
        let problem = vec![("input.file".to_owned(), visit.text(key))];
        return render_list(&visit, None, None, &problem, &chosen).await;
    };
    let field = |name: &str| chosen.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mode = field("mode").unwrap_or("CREATE");
    let mut defaults = serde_json::Map::new();
    defaults.insert("sendInvitations".into(), json!(field("send_invitations").is_some()));
    if let Some(group) = field("group_id") {
        defaults.insert("groupIds".into(), json!([group]));
    }
    if let Some(message) = field("message") {
        defaults.insert("message".into(), json!(message));
    }
    let mut input = json!({ "mode": mode, "file": null, "defaults": defaults });
    if mode == "SYNC" {
        let absent = if field("absent") == Some("KEEP") {
            "KEEP"
        } else {
            "DEACTIVATE"
        };
        input["absentMembers"] = json!(absent);
    }
    // A workbook's sheet by its tab's name, a text file's encoding: the API checks both.
    for (name, key) in [("sheet", "sheet"), ("encoding", "encoding")] {
        if let Some(value) = field(name) {
            input[key] = json!(value);
        }
    }
    let mut request = visit.request(operations::START_IMPORT, json!({ "input": input }));
    request.set_upload("variables.input.file", file);
    match visit.run_detached(request, WAIT).await {
        Some(Ok(data)) => {
            let id = data["startImport"]["id"].as_str().unwrap_or_default();
            see_other(&visit.path(&format!("/imports/{id}")))
        }
        Some(Err(refusal)) => render_list(&visit, None, None, &problems_of(refusal), &chosen).await,
        None => see_other(&visit.path("/imports?done=started")),
    }
}

/// GET: one import — progress, preview, result — its changes filtered by `?kind=` and
/// paged by `?after=`, its row errors paged by `?errors_after=`.
#[handler]
pub async fn page(
    req: &Request,
    Path((slug, id)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let notice = visit.notice(&params, &NOTICES);
    show(&visit, &id, &params, notice, &[]).await
}

/// The import's page, with `problems` (field, message) when applying was refused.
async fn show(
    visit: &Visit,
    id: &str,
    params: &HashMap<String, String>,
    notice: Option<String>,
    problems: &[(String, String)],
) -> Response {
    if let Err(elsewhere) = visit.signed_in("imports") {
        return see_other(&elsewhere);
    }
    let title = visit.text("import-title");
    let kind = params
        .get("kind")
        .map(String::as_str)
        .filter(|k| KINDS.iter().any(|(name, _, _)| name == k));
    let after = params.get("after").filter(|a| !a.is_empty());
    let errors_after = params.get("errors_after").filter(|a| !a.is_empty());
    let variables = json!({ "id": id, "kind": kind, "after": after, "errorsAfter": errors_after });
    let data = match visit.run(operations::IMPORT_JOB, variables).await {
        Ok(data) => data,
        Err(refusal) => return visit.refused_page("imports", &title, refusal),
    };
    let job = &data["importJob"];
    if job.is_null() {
        return visit.render_status(
            StatusCode::NOT_FOUND,
            "message.html",
            "imports",
            &visit.text("not-found-title"),
            context! { message => visit.text("import-unknown") },
        );
    }
    let mut job = job.clone();
    name_roles(&mut job["changes"]["nodes"], &data["tenant"]["roles"]);
    let job = &job;
    let link = ImportLink { visit, id };
    let working = matches!(job["status"].as_str(), Some("VALIDATING" | "APPLYING"));
    let extra = context! {
        job => Value::from_serialize(job),
        new_groups => Value::from_serialize(new_groups(job, &data["groups"])),
        mode_label => mode_label(job),
        kinds => Value::from_serialize(kind_tabs(job, &link)),
        kind,
        all_changes => link.to(&[]),
        next_changes => next_cursor(&job["changes"])
            .map(|cursor| link.to(&[("kind", kind.unwrap_or_default()), ("after", cursor)])),
        next_errors => next_cursor(&job["rowErrors"]).map(|cursor| link.to(&[("errors_after", cursor)])),
        undoable => is_undoable(job),
        working,
        refresh => working.then_some(1),
        skip_problem => problem_for(problems, "skipInvalidRows"),
        mass_problem => problem_for(problems, "allowMassDeactivation"),
        undo_problem => problem_for(problems, "confirmUndo"),
        problem => page_problem(problems, &["skipInvalidRows", "allowMassDeactivation", "confirmUndo"]),
        notice,
    };
    visit.render_form(!problems.is_empty(), "import.html", "imports", &title, extra)
}

/// The groups the file names that did not exist, each with whether it exists now: after
/// an undo, those no one else used are deleted, the others kept (`{name, kept}`).
fn new_groups(job: &serde_json::Value, groups: &serde_json::Value) -> Vec<serde_json::Value> {
    let existing: std::collections::HashSet<String> = groups
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["name"].as_str().map(str::to_lowercase))
        .collect();
    job["newGroups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|name| name.as_str())
        .map(|name| json!({ "name": name, "kept": existing.contains(&name.to_lowercase()) }))
        .collect()
}

/// Writes the roles of the changes' role columns ("coordinator, member") by their names
/// in the tenant ("Coordinator, Member"), as the admin knows them; a key the tenant no
/// longer has stays as it is.
fn name_roles(changes: &mut serde_json::Value, roles: &serde_json::Value) {
    let label_of = |key: &str| {
        roles
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["key"] == key)
            .and_then(|r| r["label"].as_str())
            .unwrap_or(key)
            .to_owned()
    };
    let fields = changes
        .as_array_mut()
        .into_iter()
        .flatten()
        .flat_map(|change| change["changes"].as_array_mut().into_iter().flatten())
        .filter(|f| f["field"] == "roles");
    for field in fields {
        for side in ["before", "after"] {
            if let Some(keys) = field[side].as_str() {
                let names: Vec<String> = keys.split(", ").filter(|k| !k.is_empty()).map(label_of).collect();
                field[side] = json!(names.join(", "));
            }
        }
    }
}

/// Links to an import's page, with query pairs.
struct ImportLink<'a> {
    visit: &'a Visit,
    id: &'a str,
}

impl ImportLink<'_> {
    fn to(&self, pairs: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        self.visit.path(&format!("/imports/{}?{}", self.id, query.finish()))
    }
}

/// The kinds of change the plan holds, each with its count and the link that shows only
/// its changes.
fn kind_tabs(job: &serde_json::Value, link: &ImportLink<'_>) -> Vec<serde_json::Value> {
    KINDS
        .iter()
        .map(|(name, field, label)| {
            json!({
                "name": name,
                "label": label,
                "count": job["summary"][field],
                "href": link.to(&[("kind", name)]),
            })
        })
        .filter(|k| k["count"].as_i64().unwrap_or(0) > 0)
        .collect()
}

/// The cursor of a connection's next page; None on its last.
fn next_cursor(connection: &serde_json::Value) -> Option<&str> {
    let more = connection["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false);
    more.then(|| connection["pageInfo"]["endCursor"].as_str().unwrap_or_default())
}

/// Whether the import may still be undone.
fn is_undoable(job: &serde_json::Value) -> bool {
    job["undoableUntil"]
        .as_str()
        .and_then(|until| chrono::DateTime::parse_from_rfc3339(until).ok())
        .is_some_and(|until| until > crate::stored::now())
}

/// The catalog key naming the import's mode.
fn mode_label(job: &serde_json::Value) -> &'static str {
    MODES
        .iter()
        .find(|(name, _)| Some(*name) == job["mode"].as_str())
        .map(|(_, label)| *label)
        .unwrap_or("import-mode-create")
}

/// POST: apply (with the confirmations ticked), cancel or undo the import.
#[handler]
pub async fn act(
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
    if let Err(elsewhere) = visit.signed_in("imports") {
        return see_other(&elsewhere);
    }
    let here = visit.path(&format!("/imports/{id}"));
    if let Some(problem) = unconfirmed_deactivation(&visit, &form).or_else(|| unconfirmed_undo(&visit, &form)) {
        return show(&visit, &id, &HashMap::new(), None, &[problem]).await;
    }
    let (document, variables, done) = match value_of(&form, "action") {
        Some("apply") => (
            operations::APPLY_IMPORT,
            json!({
                "id": id,
                "skipInvalidRows": value_of(&form, "skip_invalid_rows").is_some(),
                "allowMassDeactivation": value_of(&form, "allow_mass_deactivation").is_some(),
            }),
            "applied",
        ),
        Some("undo") => (operations::UNDO_IMPORT, json!({ "id": id }), "undone"),
        Some("cancel") => (operations::CANCEL_IMPORT, json!({ "id": id }), "cancelled"),
        _ => return not_found(),
    };
    match visit.run_detached(visit.request(document, variables), WAIT).await {
        Some(Ok(_)) => see_other(&format!("{here}?done={done}")),
        Some(Err(refusal)) if refusal.code == "FORBIDDEN" => {
            visit.refused("imports", &visit.text("import-title"), refusal)
        }
        Some(Err(refusal)) => show(&visit, &id, &HashMap::new(), None, &problems_of(refusal)).await,
        // Still applying or undoing: the page shows its progress.
        None => see_other(&here),
    }
}

/// The page's box says "yes, deactivate these N members": applying with it unticked is
/// refused here, whatever their number, rather than deactivating them behind the admin's
/// back (the API asks for the yes only above `max_deactivate_percent`).
fn unconfirmed_deactivation(visit: &Visit, form: &[(String, String)]) -> Option<(String, String)> {
    let deactivating: i64 = value_of(form, "deactivating").and_then(|n| n.parse().ok()).unwrap_or(0);
    let applying = value_of(form, "action") == Some("apply");
    let confirmed = value_of(form, "allow_mass_deactivation").is_some();
    (applying && deactivating > 0 && !confirmed).then(|| {
        let message = catalog::text(
            visit.lang,
            "import-confirm-deactivation",
            &[("count", FluentValue::from(deactivating))],
        );
        ("allowMassDeactivation".to_owned(), message)
    })
}

/// Undoing puts back every change of the import at once: it is done only with the
/// page's "yes, undo it" ticked, as applying a deactivation is.
fn unconfirmed_undo(visit: &Visit, form: &[(String, String)]) -> Option<(String, String)> {
    let undoing = value_of(form, "action") == Some("undo");
    let confirmed = value_of(form, "confirm_undo").is_some();
    (undoing && !confirmed).then(|| ("confirmUndo".to_owned(), visit.text("import-confirm-undo")))
}

/// GET: the file's failed rows with an error column (CSV): a redirect to its download.
#[handler]
pub async fn error_report(
    req: &Request,
    Path((slug, id)): Path<(String, String)>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    if let Err(elsewhere) = visit.signed_in("imports") {
        return see_other(&elsewhere);
    }
    match visit.run(operations::IMPORT_ERROR_REPORT, json!({ "id": id })).await {
        Ok(data) => match data["importJob"]["errorReport"]["url"].as_str() {
            Some(url) => see_other(url),
            None => see_other(&visit.path(&format!("/imports/{id}"))),
        },
        Err(refusal) => visit.refused_page("imports", &visit.text("import-title"), refusal),
    }
}
