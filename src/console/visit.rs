//! One request to the console: the tenant, who is asking and in which language, and the
//! API operations run on their behalf.

use std::collections::HashMap;
use std::sync::Arc;

use fluent_bundle::FluentValue;
use poem::http::header;
use poem::Request;
use serde_json::json;

use super::session::session_token;
use super::{catalog, operations};
use crate::app::App;
use crate::auth::{SessionState, Visitor};
use crate::config::Tenant;
use crate::graphql::Schemas;
use crate::pages::csrf::{self, Csrf};

/// A GraphQL error as a page shows it: its code, its message, the fields it names.
#[derive(Debug, Clone)]
pub(super) struct Refusal {
    pub(super) code: String,
    pub(super) message: String,
    pub(super) fields: Vec<(String, String)>,
}

/// One request to the console: the tenant, who is asking, in which language.
pub(super) struct Visit {
    pub(super) app: App,
    pub(super) schemas: Schemas,
    pub(super) tenant: Arc<Tenant>,
    pub(super) visitor: Visitor,
    /// The session token from the cookie, when it still opens a session.
    pub(super) token: Option<String>,
    pub(super) lang: &'static str,
    pub(super) csrf: Csrf,
    /// Sign-in answer: the signed-in member's name and permissions (tenant-wide or not).
    pub(super) me: Option<Me>,
}

/// The signed-in member, as the pages need them: names, and what they may do.
#[derive(Debug, Clone)]
pub(super) struct Me {
    pub(super) name: String,
    pub(super) login: String,
    pub(super) must_change_password: bool,
    pub(super) permissions: Vec<String>,
}

impl Me {
    /// Whether they hold `permission` (or every permission, `*`).
    pub(super) fn can(&self, permission: &str) -> bool {
        self.permissions.iter().any(|p| p == "*" || p == permission)
    }
}

impl Visit {
    /// The visit of `req` to tenant `slug`, with who is signed in; None for an unknown
    /// tenant.
    pub(super) async fn open(req: &Request, slug: &str, app: &App, schemas: &Schemas) -> Option<Visit> {
        let tenant = app.tenants.get(slug)?;
        let token = session_token(req);
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
                // The member's own choice, else the browser's (as before sign-in).
                if let Some(lang) = me["chosenLocale"].as_str().and_then(catalog::language_for) {
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
    pub(super) fn request(&self, document: &str, variables: serde_json::Value) -> async_graphql::Request {
        async_graphql::Request::new(document)
            .variables(async_graphql::Variables::from_json(variables))
            .data(self.app.clone())
            .data(self.speaking_the_page())
            .data(crate::graphql::member_relations(&self.app, &self.tenant))
    }

    /// The visitor as the API sees them, asking for the page's language first: what the
    /// API words by the request's language (role names, …) then matches the page.
    fn speaking_the_page(&self) -> Visitor {
        let mut visitor = self.visitor.clone();
        visitor.languages.insert(0, self.lang.to_owned());
        visitor
    }

    /// Runs a GraphQL document as this visitor.
    pub(super) async fn run(&self, document: &str, variables: serde_json::Value) -> Result<serde_json::Value, Refusal> {
        answer(
            self.schemas.api.execute(self.request(document, variables)).await,
            self.lang,
        )
    }

    /// Runs `request` in a task of its own, which finishes even when the page stops
    /// waiting for it (long imports); its answer when it comes within `wait`, else None.
    pub(super) async fn run_detached(
        &self,
        request: async_graphql::Request,
        wait: std::time::Duration,
    ) -> Option<Result<serde_json::Value, Refusal>> {
        let schema = self.schemas.api.clone();
        let task = tokio::spawn(async move { schema.execute(request).await });
        match tokio::time::timeout(wait, task).await {
            Ok(Ok(response)) => Some(answer(response, self.lang)),
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

    /// A sentence of the catalog in the reader's language.
    pub(super) fn text(&self, key: &str) -> String {
        catalog::text(self.lang, key, &[])
    }

    /// Whether a posted form comes from this site: its CSRF token matches its cookie,
    /// and its Origin, when the browser sends one, is Roster's.
    pub(super) fn form_is_ours(&self, req: &Request, csrf_field: Option<&str>) -> bool {
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

    /// Whether the tenant is served over HTTPS (its cookies are then Secure).
    pub(super) fn is_https(&self) -> bool {
        self.tenant.public_url(&self.app.settings.public_url).scheme() == "https"
    }

    /// The console's path `rest` of this tenant.
    pub(super) fn path(&self, rest: &str) -> String {
        format!("/t/{}/admin{rest}", self.tenant.slug)
    }

    /// The notice a redirect asked for with `?done=`, among `notices` (name, catalog key).
    pub(super) fn notice(&self, params: &HashMap<String, String>, notices: &[(&str, &str)]) -> Option<String> {
        let done = params.get("done")?;
        notices
            .iter()
            .find(|(name, _)| name == done)
            .map(|(_, key)| self.text(key))
    }

    /// The signed-in member, or where to send the visitor instead: the sign-in page, or
    /// the forced password change.
    pub(super) fn signed_in(&self, page: &str) -> Result<&Me, String> {
        match &self.me {
            None => Err(self.path("/sign-in")),
            Some(me) if me.must_change_password && page != "password" => Err(self.path("/password")),
            Some(me) => Ok(me),
        }
    }
}

/// The data of a GraphQL response, or its first error as a page shows it: field
/// problems the catalogs word (`problem-{key}`) in the reader's language `lang`, the
/// others in the API's words.
pub(super) fn answer(response: async_graphql::Response, lang: &str) -> Result<serde_json::Value, Refusal> {
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
            .map(|f| (f["field"].as_str().unwrap_or_default().to_owned(), worded(f, lang)))
            .collect();
        // A refusal that names its sentence (`key`, `args`) is worded like a field problem.
        let message = match extensions.and_then(|e| e.get("key")) {
            Some(key) => worded(
                &serde_json::json!({
                    "message": error.message,
                    "key": serde_json::to_value(key).unwrap_or_default(),
                    "args": extensions
                        .and_then(|e| e.get("args"))
                        .and_then(|a| serde_json::to_value(a).ok())
                        .unwrap_or_default(),
                }),
                lang,
            ),
            None => error.message.clone(),
        };
        return Err(Refusal { code, message, fields });
    }
    Ok(response.data.into_json().unwrap_or_default())
}

/// One field problem of `extensions.fields` in `lang`: its catalog sentence when it names
/// one (`key`, filled with `args`; the value it is about in front, when given), else the
/// API's message.
fn worded(problem: &serde_json::Value, lang: &str) -> String {
    let message = problem["message"].as_str().unwrap_or_default();
    let Some(key) = problem["key"].as_str() else {
        return message.to_owned();
    };
    let args: Vec<(&str, FluentValue<'_>)> = problem["args"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, value)| {
            let text = value.as_str().unwrap_or_default();
            // Counts stay numbers, for the catalogs' plurals.
            let value = match text.parse::<i64>() {
                Ok(count) => FluentValue::from(count),
                Err(_) => FluentValue::from(text),
            };
            (name.as_str(), value)
        })
        .collect();
    let Some(sentence) = catalog::optional(lang, &format!("problem-{key}"), &args) else {
        return message.to_owned();
    };
    match problem["args"]["value"].as_str() {
        Some(value) => catalog::text(
            lang,
            "problem-about",
            &[("value", value.into()), ("problem", sentence.into())],
        ),
        None => sentence,
    }
}
