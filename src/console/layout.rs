//! Pages on the console's layout: its templates, the frame every page shares (language,
//! translations, who is signed in and what they may open, the CSRF field), and the pages
//! a visit renders.

use std::sync::OnceLock;

use fluent_bundle::FluentValue;
use minijinja::value::Kwargs;
use minijinja::{context, Environment, Value};
use poem::http::{header, StatusCode};
use poem::Response;

use super::catalog::{self, group_digits};
use super::responses::{plain_error, secure};
use super::visit::{Me, Refusal, Visit};
use crate::app::App;
use crate::config::Tenant;

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

/// The templates, parsed once.
fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
        // Every search box holds as much as a member filter takes.
        env.add_global("search_max", crate::members::filter::MAX_SEARCH_CHARS);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .expect("console templates parse (tested)");
        }
        env
    })
}

impl Visit {
    /// A page of the console, with its security headers.
    pub(super) fn render(&self, template: &str, page: &str, title: &str, extra: Value) -> Response {
        self.render_status(StatusCode::OK, template, page, title, extra)
    }

    /// A page holding a form: 422 when `refused` (the API's problems are on it), else 200.
    pub(super) fn render_form(&self, refused: bool, template: &str, page: &str, title: &str, extra: Value) -> Response {
        let status = if refused {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        self.render_status(status, template, page, title, extra)
    }

    /// A page of the console with the given status.
    pub(super) fn render_status(
        &self,
        status: StatusCode,
        template: &str,
        page: &str,
        title: &str,
        extra: Value,
    ) -> Response {
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

    /// The page for an action (a posted form) the API refused: "not allowed" for
    /// FORBIDDEN, else its problems in the reader's words.
    pub(super) fn refused(&self, page: &str, title: &str, refusal: Refusal) -> Response {
        if refusal.code == "FORBIDDEN" {
            return self.forbidden(page);
        }
        let problems: Vec<&str> = refusal.fields.iter().map(|(_, message)| message.as_str()).collect();
        let message = if problems.is_empty() {
            refusal.message
        } else {
            problems.join(" · ")
        };
        self.render_status(
            StatusCode::BAD_REQUEST,
            "message.html",
            page,
            title,
            context! { message },
        )
    }

    /// The page "not allowed" (403).
    fn forbidden(&self, page: &str) -> Response {
        let (title, message) = (self.text("forbidden-title"), self.text("forbidden"));
        self.render_status(
            StatusCode::FORBIDDEN,
            "message.html",
            page,
            &title,
            context! { message },
        )
    }

    /// The page for a page load (GET) the API refused: "not allowed" for FORBIDDEN; "no
    /// such page" (404) for an unknown or malformed id in the address; the address's
    /// values named (400) for other VALIDATION; else the API's words.
    pub(super) fn refused_page(&self, page: &str, title: &str, refusal: Refusal) -> Response {
        if refusal.code == "FORBIDDEN" {
            return self.forbidden(page);
        }
        // A page is loaded from its address: an unknown or malformed id there is a page
        // that does not exist, and another value the page cannot read is a bad address.
        let (status, message) = match refusal.code.as_str() {
            "NOT_FOUND" => (StatusCode::NOT_FOUND, self.text("page-not-found")),
            "VALIDATION" if refusal.fields.iter().any(|(field, _)| is_id_field(field)) => {
                (StatusCode::NOT_FOUND, self.text("page-not-found"))
            }
            // Typed in the search box, not read from an old link (a browser older than
            // `maxlength`, or a search pasted into the address).
            "VALIDATION" if refusal.fields.iter().any(|(field, _)| field.ends_with(".search")) => {
                let max = FluentValue::from(crate::members::filter::MAX_SEARCH_CHARS);
                let message = catalog::text(self.lang, "search-too-long", &[("max", max)]);
                (StatusCode::BAD_REQUEST, message)
            }
            "VALIDATION" => return self.bad_address(page, title),
            _ => (StatusCode::BAD_REQUEST, refusal.message),
        };
        let title = if status == StatusCode::NOT_FOUND {
            self.text("not-found-title")
        } else {
            title.to_owned()
        };
        let next = self.way_back();
        self.render_status(status, "message.html", page, &title, context! { message, next })
    }

    /// The page (400) for an address holding a value the page cannot read.
    pub(super) fn bad_address(&self, page: &str, title: &str) -> Response {
        let (message, next) = (self.text("page-bad-address"), self.way_back());
        self.render_status(
            StatusCode::BAD_REQUEST,
            "message.html",
            page,
            title,
            context! { message, next },
        )
    }

    /// The page for a form whose CSRF token or Origin is not this site's (403, nothing
    /// done): an old tab, or another site posting in the visitor's name.
    pub(super) fn form_refused(&self) -> Response {
        self.dead_end(StatusCode::FORBIDDEN, "forbidden-title", "form-expired")
    }

    /// The page for an address of the console that leads nowhere.
    pub(super) fn page_not_found(&self) -> Response {
        self.dead_end(StatusCode::NOT_FOUND, "not-found-title", "page-not-found")
    }

    /// A page with the catalog's `title` and `message` and the way back, outside the menu.
    fn dead_end(&self, status: StatusCode, title: &str, message: &str) -> Response {
        let (title, message) = (self.text(title), self.text(message));
        let next = self.way_back();
        self.render_status(status, "message.html", "", &title, context! { message, next })
    }

    /// The link out of a page that led nowhere: home, or signing in for a visitor who
    /// is not signed in (their page has no menu).
    fn way_back(&self) -> Value {
        let (href, label) = match self.me {
            Some(_) => (self.path(""), self.text("nav-home")),
            None => (self.path("/sign-in"), self.text("sign-in-submit")),
        };
        context! { href, label }
    }
}

/// An audit entry's details in `lang`: one "label : value" line per key of the JSON
/// object, labelled by the catalog (`audit-detail-{key}`, else the key itself); a list
/// of field changes as "field : before → after"; yes/no for booleans. Text that is not
/// a JSON object is one line as it is.
fn audit_details(lang: &'static str, text: &str) -> Vec<String> {
    let colon = crate::imports::template::colon(lang);
    let Ok(serde_json::Value::Object(object)) = serde_json::from_str::<serde_json::Value>(text) else {
        return vec![text.to_owned()];
    };
    let worded = |key: &str, value: String| -> String {
        let label = catalog::optional(lang, &format!("audit-detail-{key}"), &[]).unwrap_or_else(|| key.to_owned());
        format!("{label}{colon}{value}")
    };
    let scalar = |value: &serde_json::Value| -> String {
        match value {
            serde_json::Value::Null => "—".to_owned(),
            serde_json::Value::Bool(yes) => catalog::text(lang, if *yes { "audit-yes" } else { "audit-no" }, &[]),
            serde_json::Value::String(text) if text.is_empty() => "—".to_owned(),
            serde_json::Value::String(text) => text.clone(),
            serde_json::Value::Number(n) => n.as_i64().map_or_else(|| n.to_string(), |n| group_digits(n, lang)),
            serde_json::Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                let items: Vec<String> = items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect();
                if items.is_empty() {
                    "—".to_owned()
                } else {
                    items.join(", ")
                }
            }
            other => other.to_string(),
        }
    };
    let mut lines = Vec::new();
    for (key, value) in &object {
        let changes = value
            .as_array()
            .filter(|items| key == "changes" && items.iter().all(|c| c.get("field").is_some()));
        match changes {
            Some(changes) => lines.extend(changes.iter().map(|change| {
                let field = change["field"].as_str().unwrap_or_default();
                let label =
                    catalog::optional(lang, &format!("change-field-{field}"), &[]).unwrap_or_else(|| field.to_owned());
                // A language reads by its name, as in the import preview.
                let shown = |value: &serde_json::Value| match value.as_str() {
                    Some(tag) if field == "locale" => language_name(lang, tag),
                    _ => scalar(value),
                };
                format!(
                    "{label}{colon}{} → {}",
                    shown(&change["before"]),
                    shown(&change["after"])
                )
            })),
            // An import's mode by the name the upload form gives it, not its code.
            None if key == "mode" && value.is_string() => {
                let code = value.as_str().unwrap_or_default();
                let named = catalog::optional(lang, &format!("import-mode-{}", code.to_lowercase()), &[]);
                lines.push(worded(key, named.unwrap_or_else(|| code.to_owned())));
            }
            None => lines.push(worded(key, scalar(value))),
        }
    }
    lines
}

/// A language tag by its name in that language (`nl-BE`: "Nederlands (BE)"), from the
/// catalog's `language-{subtag}`; a language the catalog does not name shows as its tag.
fn language_name(lang: &'static str, tag: &str) -> String {
    let (primary, region) = tag.split_once(['-', '_']).map_or((tag, None), |(p, r)| (p, Some(r)));
    let Some(name) = catalog::optional(lang, &format!("language-{}", primary.to_ascii_lowercase()), &[]) else {
        return tag.to_owned();
    };
    match region {
        Some(region) => format!("{name} ({})", region.to_ascii_uppercase()),
        None => name,
    }
}

/// An argument naming a record by its id (`id`, `keepId`, `input.groupId`).
fn is_id_field(field: &str) -> bool {
    let last = field.rsplit('.').next().unwrap_or(field);
    last == "id" || last.ends_with("Id") || last == "ids"
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
    // An audit action (`member.password_reset_sent`) in the reader's words; an action
    // the catalog does not name yet shows as it is stored.
    let action = Value::from_function(move |code: &str| -> String {
        let key = format!("audit-action-{}", code.replace(['.', '_'], "-"));
        catalog::optional(lang, &key, &[]).unwrap_or_else(|| code.to_owned())
    });
    // A language tag (`fr`, `nl-BE`) by its name, as its speakers write it.
    let language = Value::from_function(move |tag: &str| -> String { language_name(lang, tag) });
    // An audit entry's details (a JSON object) as lines a coordinator reads.
    let details = Value::from_function(move |text: &str| -> Vec<String> { audit_details(lang, text) });
    // A count as the reader writes it: 12,345 in English, 12 345 in French.
    let num = Value::from_function(move |n: i64| -> String { group_digits(n, lang) });
    context! {
        when => when,
        action => action,
        details => details,
        language => language,
        num => num,
        can_create_members => me.is_some_and(|m| m.can("members.create")),
        can_send_invitations => me.is_some_and(|m| m.can("invitations.send")),
        can_read_audit => me.is_some_and(|m| m.can("audit.read")),
        can_run_imports => me.is_some_and(|m| m.can("imports.run")),
        can_manage_invitations => me.is_some_and(|m| m.can("invitations.manage") || m.can("invitations.send")),
        lang => lang,
        colon => crate::imports::template::colon(lang),
        // The shortest password the tenant accepts, for the forms that set one.
        min_length => tenant.accounts.password_min_length,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_details_read_as_labelled_lines() {
        let undone = r#"{"deactivated":1500,"groupsDeleted":1,"reason":"import_undone","skippedInvalidRows":false,"newGroups":["Légumes","Pain"]}"#;
        assert_eq!(
            audit_details("fr", undone),
            [
                "Membres désactivés\u{a0}: 1\u{202f}500",
                "Groupes supprimés\u{a0}: 1",
                "Nouveaux groupes\u{a0}: Légumes, Pain",
                "Raison\u{a0}: import_undone",
                "Lignes en erreur laissées de côté\u{a0}: non",
            ]
        );
        let updated = r#"{"changes":[{"field":"locale","before":null,"after":"en"}],"unknownKey":{"a":1}}"#;
        assert_eq!(
            audit_details("en", updated),
            ["Language: — → English", "unknownKey: {\"a\":1}"]
        );
        assert_eq!(audit_details("en", "not json"), ["not json"]);
    }

    #[test]
    fn languages_are_named_as_their_speakers_write_them() {
        assert_eq!(language_name("fr", "en"), "English");
        assert_eq!(language_name("en", "nl-BE"), "Nederlands (BE)");
        assert_eq!(language_name("en", "x-klingon"), "x-klingon");
    }

    #[test]
    fn every_template_parses() {
        let env = environment();
        for (name, _) in TEMPLATES {
            assert!(env.get_template(name).is_ok(), "{name}");
        }
    }
}
