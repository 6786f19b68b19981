//! The admin console, `/t/{tenant}/admin`: plain HTML pages for coordinators and
//! members, served by Roster. Every page runs operations of Roster's own GraphQL schema
//! in process (the documents in `operations/`) with the signed-in member's session and
//! renders the answer with minijinja (`templates/`); every form posts, runs a mutation
//! and redirects. No page reaches the domain layer or the database by itself, so the
//! console can do nothing the API cannot. Sessions are the API's, carried in an
//! HttpOnly, SameSite=Lax cookie bound to the tenant; forms carry a CSRF token and
//! their Origin is checked. Sentences come from one Fluent catalog per language.

mod account;
mod audit;
mod bulk;
mod catalog;
mod groups;
mod imports;
mod invitations;
mod member;
mod member_filter;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use fluent_bundle::FluentValue;
use minijinja::value::Kwargs;
use minijinja::{context, Environment, Value};
use poem::http::{header, StatusCode};
use poem::web::{Data, Form, Path, Query};
use poem::{handler, Body, Request, Response};
use serde::Serialize;
use serde_json::json;

use crate::app::App;
use crate::auth::{SessionState, Visitor};
use crate::config::Tenant;
use crate::graphql::Schemas;
use crate::pages::csrf::{self, Csrf};

use self::member_filter::MemberListFilter;

pub use self::account::{
    change_email as account_change_email, page as account_page, save as account_save,
    sign_out_everywhere as account_sign_out_everywhere,
};
pub use self::audit::page as audit_page;
pub use self::bulk::act as members_bulk;
pub use self::catalog::gaps as catalog_gaps;
pub use self::groups::{create as group_create, delete as group_delete, list as groups_list, rename as group_rename};
pub use self::imports::{
    act as import_act, error_report as import_error_report, list as imports_list, page as import_page,
    start as import_start, template as import_template,
};
pub use self::invitations::{act as invitations_act, invite_get, invite_post, list as invitations_list};
pub use self::member::send_activation as members_send_activation;
pub use self::member::{
    merge_get as member_merge_get, merge_post as member_merge_post, new_get as member_new_get,
    new_post as member_new_post, page as member_page, send_reset as member_send_reset, set_roles as member_set_roles,
    set_status as member_set_status, update as member_update,
};

/// The cookie that carries the console's session (the API's session token).
const SESSION_COOKIE: &str = "roster_console";

/// Only what Roster serves itself: no script at all yet, no framing, forms to itself.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLESHEET: &str = include_str!("console.css");

/// Templates, by name.
const TEMPLATES: [(&str, &str); 21] = [
    ("layout.html", include_str!("templates/layout.html")),
    ("sign_in.html", include_str!("templates/sign_in.html")),
    ("home.html", include_str!("templates/home.html")),
    ("members.html", include_str!("templates/members.html")),
    ("password.html", include_str!("templates/password.html")),
    ("message.html", include_str!("templates/message.html")),
    ("member.html", include_str!("templates/member.html")),
    ("member_new.html", include_str!("templates/member_new.html")),
    ("invitations.html", include_str!("templates/invitations.html")),
    ("invite.html", include_str!("templates/invite.html")),
    ("invite_result.html", include_str!("templates/invite_result.html")),
    ("invitation_link.html", include_str!("templates/invitation_link.html")),
    ("audit.html", include_str!("templates/audit.html")),
    ("groups.html", include_str!("templates/groups.html")),
    ("account.html", include_str!("templates/account.html")),
    ("bulk_confirm.html", include_str!("templates/bulk_confirm.html")),
    ("imports.html", include_str!("templates/imports.html")),
    ("import.html", include_str!("templates/import.html")),
    ("merge.html", include_str!("templates/merge.html")),
    ("link_page.html", include_str!("templates/link_page.html")),
    ("member_filters.html", include_str!("templates/member_filters.html")),
];

/// The GraphQL documents the pages run.
mod operations {
    pub const SIGN_IN: &str = include_str!("operations/sign_in.graphql");
    pub const SIGN_OUT: &str = include_str!("operations/sign_out.graphql");
    pub const ME: &str = include_str!("operations/me.graphql");
    pub const HOME_MEMBERS: &str = include_str!("operations/home_members.graphql");
    pub const HOME_INVITATIONS: &str = include_str!("operations/home_invitations.graphql");
    pub const HOME_IMPORTS: &str = include_str!("operations/home_imports.graphql");
    pub const MEMBERS: &str = include_str!("operations/members.graphql");
    pub const CHANGE_PASSWORD: &str = include_str!("operations/change_password.graphql");
    pub const MEMBER: &str = concat!(
        include_str!("operations/member.graphql"),
        include_str!("operations/member_fields.graphql")
    );
    /// A member's page in one request: the member, and as the reader's rights allow
    /// (`$history`, `$choices`), their history and the roles and groups to hand out.
    pub const MEMBER_PAGE: &str = concat!(
        include_str!("operations/member_page.graphql"),
        include_str!("operations/member_fields.graphql")
    );
    pub const UPDATE_MEMBER: &str = include_str!("operations/update_member.graphql");
    pub const CREATE_MEMBER: &str = include_str!("operations/create_member.graphql");
    pub const DEACTIVATE: &str = include_str!("operations/deactivate.graphql");
    pub const ACTIVATE: &str = include_str!("operations/activate.graphql");
    pub const SEND_PASSWORD_RESET: &str = include_str!("operations/send_password_reset.graphql");
    pub const TENANT_ROLES: &str = include_str!("operations/tenant_roles.graphql");
    pub const INVITATIONS: &str = include_str!("operations/invitations.graphql");
    pub const INVITE: &str = include_str!("operations/invite.graphql");
    pub const RESEND_INVITATIONS: &str = include_str!("operations/resend_invitations.graphql");
    pub const REVOKE_INVITATIONS: &str = include_str!("operations/revoke_invitations.graphql");
    pub const INVITATION_LINK: &str = include_str!("operations/invitation_link.graphql");
    pub const AUDIT_LOG: &str = include_str!("operations/audit_log.graphql");
    pub const SEND_ACTIVATION: &str = include_str!("operations/send_activation.graphql");
    pub const GROUPS: &str = include_str!("operations/groups.graphql");
    pub const CREATE_GROUP: &str = include_str!("operations/create_group.graphql");
    pub const UPDATE_GROUP: &str = include_str!("operations/update_group.graphql");
    pub const DELETE_GROUP: &str = include_str!("operations/delete_group.graphql");
    pub const MY_PROFILE: &str = include_str!("operations/my_profile.graphql");
    pub const UPDATE_MY_PROFILE: &str = include_str!("operations/update_my_profile.graphql");
    pub const REQUEST_EMAIL_CHANGE: &str = include_str!("operations/request_email_change.graphql");
    pub const SIGN_OUT_EVERYWHERE: &str = include_str!("operations/sign_out_everywhere.graphql");
    pub const BULK_DEACTIVATE: &str = include_str!("operations/bulk_deactivate.graphql");
    pub const BULK_ACTIVATE: &str = include_str!("operations/bulk_activate.graphql");
    pub const BULK_ADD_TO_GROUP: &str = include_str!("operations/bulk_add_to_group.graphql");
    pub const BULK_SEND_ACTIVATION: &str = include_str!("operations/bulk_send_activation.graphql");
    pub const BULK_REMOVE_FROM_GROUP: &str = include_str!("operations/bulk_remove_from_group.graphql");
    pub const EXPORT_MEMBERS: &str = include_str!("operations/export_members.graphql");
    pub const COUNT_MEMBERS: &str = include_str!("operations/count_members.graphql");
    pub const SET_MEMBER_ROLES: &str = include_str!("operations/set_member_roles.graphql");
    pub const MERGE_MEMBERS: &str = include_str!("operations/merge_members.graphql");
    pub const IMPORTS: &str = include_str!("operations/imports.graphql");
    pub const IMPORT_JOB: &str = include_str!("operations/import_job.graphql");
    pub const START_IMPORT: &str = include_str!("operations/start_import.graphql");
    pub const APPLY_IMPORT: &str = include_str!("operations/apply_import.graphql");
    pub const CANCEL_IMPORT: &str = include_str!("operations/cancel_import.graphql");
    pub const UNDO_IMPORT: &str = include_str!("operations/undo_import.graphql");
    pub const IMPORT_TEMPLATE: &str = include_str!("operations/import_template.graphql");
    pub const IMPORT_ERROR_REPORT: &str = include_str!("operations/import_error_report.graphql");
}

fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .expect("console templates parse (tested)");
        }
        env
    })
}

/// A GraphQL error as a page shows it: its code, its message, the fields it names.
#[derive(Debug, Clone)]
struct Refusal {
    code: String,
    message: String,
    fields: Vec<(String, String)>,
}

/// One request to the console: the tenant, who is asking, in which language.
struct Visit {
    app: App,
    schemas: Schemas,
    tenant: Arc<Tenant>,
    visitor: Visitor,
    /// The session token from the cookie, when it still opens a session.
    token: Option<String>,
    lang: &'static str,
    csrf: Csrf,
    /// Sign-in answer: the signed-in member's name and permissions (tenant-wide or not).
    me: Option<Me>,
}

#[derive(Debug, Clone)]
struct Me {
    name: String,
    login: String,
    must_change_password: bool,
    permissions: Vec<String>,
}

impl Me {
    fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == "*" || p == permission)
    }
}

impl Visit {
    async fn open(req: &Request, slug: &str, app: &App, schemas: &Schemas) -> Option<Visit> {
        let tenant = app.tenants.get(slug)?;
        let token = session_cookie(req);
        let visitor = crate::http::build_visitor(app, tenant.clone(), req, token.clone()).await;
        let live = matches!(visitor.session, SessionState::Active(_));
        let mut visit = Visit {
            app: app.clone(),
            schemas: schemas.clone(),
            lang: catalog::language_for(visitor.locale()).unwrap_or(catalog::FALLBACK),
            tenant,
            visitor,
            token: token.filter(|_| live),
            csrf: Csrf::of(req),
            me: None,
        };
        if visit.token.is_some() {
            if let Ok(data) = visit.run(operations::ME, json!({})).await {
                let me = &data["me"];
                if let Some(lang) = me["locale"].as_str().and_then(catalog::language_for) {
                    visit.lang = lang;
                }
                visit.me = me["displayName"].as_str().map(|name| Me {
                    name: name.to_owned(),
                    login: me["login"].as_str().unwrap_or_default().to_owned(),
                    must_change_password: me["mustChangePassword"].as_bool().unwrap_or(false),
                    permissions: me["roles"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|r| r["role"]["permissions"].as_array().cloned().unwrap_or_default())
                        .filter_map(|p| p.as_str().map(str::to_owned))
                        .collect(),
                });
            }
        }
        Some(visit)
    }

    /// A GraphQL request of `document` as this visitor, as the HTTP endpoint would make it.
    fn request(&self, document: &str, variables: serde_json::Value) -> async_graphql::Request {
        async_graphql::Request::new(document)
            .variables(async_graphql::Variables::from_json(variables))
            .data(self.app.clone())
            .data(self.visitor.clone())
            .data(crate::graphql::member_relations(&self.app, &self.tenant))
    }

    /// Runs a GraphQL document as this visitor.
    async fn run(&self, document: &str, variables: serde_json::Value) -> Result<serde_json::Value, Refusal> {
        answer(self.schemas.api.execute(self.request(document, variables)).await)
    }

    /// Runs `request` in a task of its own, which finishes even when the page stops
    /// waiting for it (long imports); its answer when it comes within `wait`, else None.
    async fn run_detached(
        &self,
        request: async_graphql::Request,
        wait: std::time::Duration,
    ) -> Option<Result<serde_json::Value, Refusal>> {
        let schema = self.schemas.api.clone();
        let task = tokio::spawn(async move { schema.execute(request).await });
        match tokio::time::timeout(wait, task).await {
            Ok(Ok(response)) => Some(answer(response)),
            Ok(Err(err)) => {
                tracing::error!(error = %err, "console operation task failed");
                Some(Err(Refusal {
                    code: "INTERNAL".to_owned(),
                    message: self.text("error-generic"),
                    fields: Vec::new(),
                }))
            }
            Err(_) => None,
        }
    }

    fn text(&self, key: &str) -> String {
        catalog::text(self.lang, key, &[])
    }

    /// Whether a posted form comes from this site: its CSRF token matches its cookie,
    /// and its Origin, when the browser sends one, is Roster's.
    fn form_is_ours(&self, req: &Request, csrf_field: Option<&str>) -> bool {
        let origin_ok = req.header(header::ORIGIN).is_none_or(|origin| {
            let public = self
                .tenant
                .public_url(&self.app.settings.public_url)
                .origin()
                .ascii_serialization();
            let host = req.header(header::HOST).unwrap_or_default();
            origin == public || origin.split_once("://").is_some_and(|(_, authority)| authority == host)
        });
        origin_ok && csrf::verify(req, &self.app.secret_key, &self.tenant.slug, csrf_field)
    }

    /// A page of the console, with its security headers.
    fn render(&self, template: &str, page: &str, title: &str, extra: Value) -> Response {
        self.render_status(StatusCode::OK, template, page, title, extra)
    }

    /// A page holding a form: 422 when `refused` (the API's problems are on it), else 200.
    fn render_form(&self, refused: bool, template: &str, page: &str, title: &str, extra: Value) -> Response {
        let status = if refused {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        self.render_status(status, template, page, title, extra)
    }

    fn render_status(&self, status: StatusCode, template: &str, page: &str, title: &str, extra: Value) -> Response {
        let frame = Frame {
            lang: self.lang,
            me: self.me.as_ref(),
            title,
            page,
            csrf_field: self.csrf.field(&self.app.secret_key, &self.tenant.slug),
        };
        let base = page_context(&self.app, &self.tenant, frame);
        let rendered = environment()
            .get_template(template)
            .and_then(|t| t.render(context! { ..extra, ..base }));
        let body = match rendered {
            Ok(body) => body,
            Err(err) => {
                tracing::error!(error = %err, template, "console template failed");
                return plain_error(StatusCode::INTERNAL_SERVER_ERROR, &self.text("error-generic"));
            }
        };
        let mut response = secure(Response::builder().status(status))
            .content_type("text/html; charset=utf-8")
            .body(body);
        if let Some(cookie) = self.csrf.set_cookie(&self.tenant.slug, self.is_https()) {
            response
                .headers_mut()
                .append(header::SET_COOKIE, cookie.parse().expect("cookie header"));
        }
        response
    }

    /// The page for a query the API refused: "not allowed" for FORBIDDEN, else its words.
    fn refused(&self, page: &str, title: &str, refusal: Refusal) -> Response {
        if refusal.code == "FORBIDDEN" {
            let (title, message) = (self.text("forbidden-title"), self.text("forbidden"));
            return self.render_status(
                StatusCode::FORBIDDEN,
                "message.html",
                page,
                &title,
                context! { message },
            );
        }
        let message = refusal.message;
        self.render_status(
            StatusCode::BAD_REQUEST,
            "message.html",
            page,
            title,
            context! { message },
        )
    }

    fn is_https(&self) -> bool {
        self.tenant.public_url(&self.app.settings.public_url).scheme() == "https"
    }

    fn path(&self, rest: &str) -> String {
        format!("/t/{}/admin{rest}", self.tenant.slug)
    }

    /// The notice a redirect asked for with `?done=`, among `notices` (name, catalog key).
    fn notice(&self, params: &HashMap<String, String>, notices: &[(&str, &str)]) -> Option<String> {
        let done = params.get("done")?;
        notices
            .iter()
            .find(|(name, _)| name == done)
            .map(|(_, key)| self.text(key))
    }

    /// The sign-in page, with the session cookie cleared (the session itself is ended
    /// by the caller).
    fn signed_out(&self) -> Response {
        let mut response = see_other(&self.path("/sign-in"));
        let cookie = self.session_cookie(None);
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookie.parse().expect("cookie header"));
        response
    }

    /// Home, with the session `token` (just opened by the API) in the cookie.
    fn home_with_session(&self, token: &str) -> Response {
        let mut response = see_other(&self.path(""));
        let cookie = self.session_cookie(Some(token));
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookie.parse().expect("cookie header"));
        response
    }

    /// The session cookie holding `token` (or clearing it, for None).
    fn session_cookie(&self, token: Option<&str>) -> String {
        let secure = if self.is_https() { "; Secure" } else { "" };
        let path = format!("/t/{}/", self.tenant.slug);
        match token {
            Some(token) => session_cookie_for(&self.app, &self.tenant, token),
            None => format!("{SESSION_COOKIE}=; Path={path}; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
        }
    }

    /// The signed-in member, or where to send the visitor instead: the sign-in page, or
    /// the forced password change.
    fn signed_in(&self, page: &str) -> Result<&Me, String> {
        match &self.me {
            None => Err(self.path("/sign-in")),
            Some(me) if me.must_change_password && page != "password" => Err(self.path("/password")),
            Some(me) => Ok(me),
        }
    }
}

/// The data of a GraphQL response, or its first error as a page shows it.
fn answer(response: async_graphql::Response) -> Result<serde_json::Value, Refusal> {
    if let Some(error) = response.errors.first() {
        let extensions = error.extensions.as_ref();
        let code = extensions
            .and_then(|e| e.get("code"))
            .and_then(|c| serde_json::to_value(c).ok())
            .and_then(|c| c.as_str().map(str::to_owned))
            .unwrap_or_else(|| "INTERNAL".to_owned());
        let fields = extensions
            .and_then(|e| e.get("fields"))
            .and_then(|f| serde_json::to_value(f).ok())
            .and_then(|f| f.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|f| {
                (
                    f["field"].as_str().unwrap_or_default().to_owned(),
                    f["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        return Err(Refusal {
            code,
            message: error.message.clone(),
            fields,
        });
    }
    Ok(response.data.into_json().unwrap_or_default())
}

/// One page as the layout frames it.
struct Frame<'a> {
    /// The reader's language: a tag of the console's catalog.
    lang: &'static str,
    /// Who is signed in; None on the pages behind emailed links.
    me: Option<&'a Me>,
    title: &'a str,
    /// The navigation entry it belongs to (`members`, `link`, …).
    page: &'a str,
    /// The hidden input that carries the CSRF token in its forms.
    csrf_field: String,
}

/// What the layout needs on every page: the reader's language and its `t(key, ...)`
/// and `when(moment)` functions, the tenant, the page, who is signed in and what they
/// may open, the CSRF field.
fn page_context(app: &App, tenant: &Tenant, frame: Frame<'_>) -> Value {
    let Frame {
        lang,
        me,
        title,
        page,
        csrf_field,
    } = frame;
    let translate = Value::from_function(move |key: &str, kwargs: Kwargs| -> Result<String, minijinja::Error> {
        let mut args: Vec<(&str, FluentValue<'_>)> = Vec::new();
        let names: Vec<&str> = kwargs.args().collect();
        for name in names {
            let value: Value = kwargs.get(name)?;
            let fluent = match value.as_i64() {
                Some(n) => FluentValue::from(n),
                None => FluentValue::from(value.to_string()),
            };
            args.push((name, fluent));
        }
        Ok(catalog::text(lang, key, &args))
    });
    let zone = tenant.time_zone(app.settings.time_zone);
    // A moment of the API (RFC 3339) as the reader writes it, in the tenant's zone.
    let when = Value::from_function(move |at: &str| -> String {
        match chrono::DateTime::parse_from_rfc3339(at) {
            Ok(at) => crate::mail::templates::format_date(at.to_utc(), zone, lang),
            Err(_) => at.to_owned(),
        }
    });
    // A count as the reader writes it: 12,345 in English, 12 345 in French.
    let num = Value::from_function(move |n: i64| -> String { group_digits(n, lang) });
    context! {
        when => when,
        num => num,
        can_create_members => me.is_some_and(|m| m.can("members.create")),
        can_send_invitations => me.is_some_and(|m| m.can("invitations.send")),
        can_read_audit => me.is_some_and(|m| m.can("audit.read")),
        can_run_imports => me.is_some_and(|m| m.can("imports.run")),
        can_manage_invitations => me.is_some_and(|m| m.can("invitations.manage") || m.can("invitations.send")),
        lang => lang,
        t => translate,
        title => title,
        page => page,
        slug => tenant.slug.clone(),
        tenant_name => tenant.name.clone(),
        signed_in => me.is_some(),
        me_name => me.map(|m| m.name.clone()),
        can_read_members => me.is_some_and(|m| m.can("members.read")),
        csrf => csrf_field,
    }
}

/// `n` with its thousands grouped as `lang` writes them.
fn group_digits(n: i64, lang: &str) -> String {
    let separator = if lang == "fr" { '\u{202f}' } else { ',' };
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    if n < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

/// A page on the console's layout for someone not signed in (the pages behind emailed
/// links).
pub(crate) struct PublicPage<'a> {
    /// The reader's language: a tag of the console's catalog.
    pub lang: &'static str,
    /// The hidden input that carries the CSRF token in its forms.
    pub csrf_field: String,
    /// A template extending `layout.html`.
    pub template: &'a str,
    pub title: &'a str,
}

/// Renders a [`PublicPage`]; `extra` is what its template shows.
pub(crate) fn render_public(
    app: &App,
    tenant: &Tenant,
    page: PublicPage<'_>,
    extra: Value,
) -> Result<String, minijinja::Error> {
    let frame = Frame {
        lang: page.lang,
        me: None,
        title: page.title,
        page: "link",
        csrf_field: page.csrf_field,
    };
    let base = page_context(app, tenant, frame);
    environment()
        .get_template(page.template)
        .and_then(|t| t.render(context! { ..extra, ..base }))
}

/// The console's language for a reader of `locale`: its catalog, else English.
pub(crate) fn language_of(locale: &str) -> &'static str {
    catalog::language_for(locale).unwrap_or(catalog::FALLBACK)
}

/// A sentence of the console's catalog, in `lang`, with `args` (name, text).
pub(crate) fn sentence(lang: &str, key: &str, args: &[(&str, &str)]) -> String {
    let args: Vec<(&str, FluentValue<'_>)> = args
        .iter()
        .map(|(name, value)| (*name, FluentValue::from(*value)))
        .collect();
    catalog::text(lang, key, &args)
}

/// Whether the catalog of `lang` holds `key`.
#[cfg(test)]
pub(crate) fn catalog_has(lang: &str, key: &str) -> bool {
    catalog::has(lang, key)
}

/// The Set-Cookie value that carries a session opened outside the console (an accepted
/// invitation) into it.
pub(crate) fn session_cookie_for(app: &App, tenant: &Tenant, token: &str) -> String {
    let secure = if tenant.public_url(&app.settings.public_url).scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={token}; Path=/t/{}/; HttpOnly; SameSite=Lax{secure}",
        tenant.slug
    )
}

/// The page for a member id that names nobody this visitor may see.
fn member_not_found(visit: &Visit) -> Response {
    let (title, message) = (visit.text("not-found-title"), visit.text("not-found"));
    visit.render_status(
        StatusCode::NOT_FOUND,
        "message.html",
        "members",
        &title,
        context! { message },
    )
}

/// An input of a console form, named as the API names the field.
#[derive(Serialize)]
struct Field {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    required: bool,
    value: String,
    problem: Option<String>,
}

/// The inputs of `spec` (name, catalog label, input type, required), filled from
/// `values`, each with the API's problem about it.
fn form_fields(
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
fn problems_of(refusal: Refusal) -> Vec<(String, String)> {
    if refusal.fields.is_empty() {
        vec![(String::new(), refusal.message)]
    } else {
        refusal.fields
    }
}

/// The problem the API named for `field`, to show next to it.
fn problem_for(problems: &[(String, String)], field: &str) -> Option<String> {
    problems.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone())
}

/// The problems not shown next to one of `beside` (fields with a place of their own on
/// the page), in one sentence for the top of the page; None when there are none.
fn page_problem(problems: &[(String, String)], beside: &[&str]) -> Option<String> {
    let rest: Vec<&str> = problems
        .iter()
        .filter(|(field, _)| !beside.contains(&field.as_str()))
        .map(|(_, message)| message.as_str())
        .collect();
    (!rest.is_empty()).then(|| rest.join(" "))
}

/// The answer of a mutation document's one root field.
fn root_field(data: &serde_json::Value) -> serde_json::Value {
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
fn value_of<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A form posted from this site: the visit and the form's fields. Otherwise the answer
/// to give instead: 404 for an unknown tenant, 403 (nothing done) for a form whose CSRF
/// token or Origin is not this site's.
async fn posted(
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
        return Err(Box::new(plain_error(
            StatusCode::FORBIDDEN,
            &visit.text("form-expired"),
        )));
    }
    Ok((visit, form))
}

/// Headers every console page carries.
fn secure(builder: poem::ResponseBuilder) -> poem::ResponseBuilder {
    builder
        .header(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
        .header(header::X_FRAME_OPTIONS, "DENY")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "same-origin")
        .header(header::CACHE_CONTROL, "no-store")
}

fn see_other(location: &str) -> Response {
    secure(Response::builder().status(StatusCode::SEE_OTHER))
        .header(header::LOCATION, location)
        .finish()
}

fn plain_error(status: StatusCode, message: &str) -> Response {
    secure(Response::builder().status(status))
        .content_type("text/plain; charset=utf-8")
        .body(message.to_owned())
}

fn not_found() -> Response {
    plain_error(StatusCode::NOT_FOUND, "Not found")
}

fn session_cookie(req: &Request) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

/// GET: the sign-in form (or home, for someone signed in).
#[handler]
pub async fn sign_in_get(
    req: &Request,
    Path(slug): Path<String>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    if visit.me.is_some() {
        return see_other(&visit.path(""));
    }
    let title = visit.text("sign-in-title");
    visit.render("sign_in.html", "sign-in", &title, context! { identifier => "" })
}

/// POST: signs in through `login`, sets the session cookie and goes home.
#[handler]
pub async fn sign_in_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let title = visit.text("sign-in-title");
    let identifier = form.get("identifier").cloned().unwrap_or_default();
    if !visit.form_is_ours(req, form.get("csrf").map(String::as_str)) {
        let problem = visit.text("form-expired");
        let extra = context! { identifier => identifier, problem => problem };
        return visit.render_status(StatusCode::FORBIDDEN, "sign_in.html", "sign-in", &title, extra);
    }
    let variables = json!({ "identifier": identifier, "password": form.get("password").cloned().unwrap_or_default() });
    match visit.run(operations::SIGN_IN, variables).await {
        Ok(data) => visit.home_with_session(data["login"]["token"].as_str().unwrap_or_default()),
        Err(refusal) => {
            let problem = match refusal.code.as_str() {
                "INVALID_CREDENTIALS" | "VALIDATION" => visit.text("sign-in-failed"),
                "ACCOUNT_DEACTIVATED" => visit.text("sign-in-deactivated"),
                "RATE_LIMITED" => catalog::text(visit.lang, "sign-in-limited", &[("minutes", 15.into())]),
                _ => visit.text("error-generic"),
            };
            let extra = context! { identifier => identifier, problem => problem };
            visit.render_status(StatusCode::OK, "sign_in.html", "sign-in", &title, extra)
        }
    }
}

/// POST: ends the session (`logout`) and clears the cookie.
#[handler]
pub async fn sign_out_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    if !visit.form_is_ours(req, form.get("csrf").map(String::as_str)) {
        return plain_error(StatusCode::FORBIDDEN, &visit.text("form-expired"));
    }
    if visit.token.is_some() {
        let _ = visit.run(operations::SIGN_OUT, json!({})).await;
    }
    visit.signed_out()
}

/// GET: home — the counts a coordinator looks at first, each a link into the list.
/// `?welcome=1` greets someone who just accepted their invitation with their login.
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
            .map(|d| d["importJobs"]["nodes"][0].clone())
    } else {
        None
    };
    let title = visit.text("home-title");
    let notice = params
        .contains_key("welcome")
        .then(|| sentence(visit.lang, "home-joined", &[("login", &me.login)]));
    let extra =
        context! { counts => Value::from_serialize(&counts), imports => Value::from_serialize(&imports), notice };
    visit.render("home.html", "home", &title, extra)
}

/// GET: the member list, its filters in the URL (bookmarkable), 50 a page by cursor.
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
    let after = params.get("after").cloned().filter(|a| !a.is_empty());
    let title = visit.text("members-title");
    let data = match visit
        .run(operations::MEMBERS, json!({ "filter": filters.api(), "after": after }))
        .await
    {
        Ok(data) => data,
        Err(refusal) => return visit.refused("members", &title, refusal),
    };
    let connection = &data["members"];
    let query = |extra: &[(&str, &str)]| format!("{}?{}", visit.path("/members"), filters.query(extra));
    // Counting a filter reads every member it matches: done when the list fits on this
    // page (the rows are the count), when the page must say it (the never-signed-in
    // list's invitations), or when asked (`?count=1`); otherwise the list reads one page.
    let rows = connection["nodes"].as_array().map_or(0, Vec::len) as i64;
    let more = connection["pageInfo"]["hasNextPage"].as_bool().unwrap_or(false);
    let total = if !more && after.is_none() {
        Some(rows)
    } else if filters.never || params.get("count").is_some_and(|c| c == "1") {
        match visit
            .run(operations::COUNT_MEMBERS, json!({ "filter": filters.api() }))
            .await
        {
            Ok(data) => data["members"]["totalCount"].as_i64(),
            Err(refusal) => return visit.refused("members", &title, refusal),
        }
    } else {
        None
    };
    let next_page = connection["pageInfo"]["hasNextPage"]
        .as_bool()
        .unwrap_or(false)
        .then(|| {
            query(&[(
                "after",
                connection["pageInfo"]["endCursor"].as_str().unwrap_or_default(),
            )])
        });
    let notice = params
        .get("activations")
        .and_then(|n| n.parse::<i64>().ok())
        .map(|n| catalog::text(visit.lang, "activation-sent", &[("count", FluentValue::from(n))]))
        .or_else(|| {
            let n = params.get("changed")?.parse::<i64>().ok()?;
            Some(catalog::text(
                visit.lang,
                "bulk-done",
                &[("count", FluentValue::from(n))],
            ))
        });
    let extra = context! {
        notice,
        rows => Value::from_serialize(&connection["nodes"]),
        groups => Value::from_serialize(&data["groups"]),
        roles => Value::from_serialize(&data["tenant"]["roles"]),
        total,
        count_link => query(&[("count", "1")]),
        filters => Value::from_serialize(&filters),
        after => after.is_some(),
        first_page => query(&[]),
        next_page,
    };
    visit.render("members.html", "members", &title, extra)
}

/// GET: change one's password (forced after a default or admin-set password).
#[handler]
pub async fn password_get(
    req: &Request,
    Path(slug): Path<String>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let restricted = match visit.signed_in("password") {
        Ok(me) => me.must_change_password,
        Err(elsewhere) => return see_other(&elsewhere),
    };
    let title = visit.text("password-title");
    visit.render("password.html", "password", &title, context! { restricted })
}

/// POST: `changePassword`; the new session replaces the old one in the cookie.
#[handler]
pub async fn password_post(
    req: &Request,
    Path(slug): Path<String>,
    Form(form): Form<HashMap<String, String>>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    let restricted = match visit.signed_in("password") {
        Ok(me) => me.must_change_password,
        Err(elsewhere) => return see_other(&elsewhere),
    };
    let title = visit.text("password-title");
    if !visit.form_is_ours(req, form.get("csrf").map(String::as_str)) {
        let problem = visit.text("form-expired");
        let extra = context! { restricted, problem };
        return visit.render_status(StatusCode::FORBIDDEN, "password.html", "password", &title, extra);
    }
    let variables = json!({
        "current": form.get("current").cloned().unwrap_or_default(),
        "new": form.get("new").cloned().unwrap_or_default(),
    });
    match visit.run(operations::CHANGE_PASSWORD, variables).await {
        Ok(data) => visit.home_with_session(data["changePassword"]["token"].as_str().unwrap_or_default()),
        Err(refusal) => {
            // The API's words, next to the field they concern.
            let field_problem = refusal
                .fields
                .iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect::<Vec<_>>()
                .join(" ");
            let problem = refusal.fields.is_empty().then_some(refusal.message);
            let extra = context! { restricted, problem, field_problem };
            visit.render_status(StatusCode::OK, "password.html", "password", &title, extra)
        }
    }
}

/// The console's stylesheet.
#[handler]
pub fn stylesheet() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=86400")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(STYLESHEET)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_as_each_language_writes_them() {
        assert_eq!(group_digits(100_000, "en"), "100,000");
        assert_eq!(group_digits(1_234_567, "fr"), "1\u{202f}234\u{202f}567");
        assert_eq!(group_digits(999, "en"), "999");
        assert_eq!(group_digits(-4_500, "en"), "-4,500");
        assert_eq!(group_digits(0, "fr"), "0");
    }

    #[test]
    fn every_template_parses() {
        let env = environment();
        for (name, _) in TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
    }
}
