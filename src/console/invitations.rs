//! Inviting a pasted list of addresses, and the invitations list: status filters,
//! resend and revoke several at once, a link to hand on by hand.

use std::collections::HashMap;

use fluent_bundle::FluentValue;
use minijinja::{context, Value};
use poem::web::{Data, Path, Query};
use poem::{handler, Body, Request, Response};
use serde_json::json;

use super::{catalog, not_found, operations, posted, see_other, value_of, Visit};
use crate::app::App;
use crate::graphql::Schemas;

/// The status filters, as the API names them, with their catalog keys; "" is all.
const STATUSES: [(&str, &str); 5] = [
    ("PENDING", "invitations-pending"),
    ("ACCEPTED", "invitations-accepted"),
    ("EXPIRED", "invitations-expired"),
    ("REVOKED", "invitations-revoked"),
    ("", "invitations-all"),
];

/// GET: the invitations list, pending first by default.
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
    let notice = params
        .get("resent")
        .and_then(|n| n.parse::<i64>().ok())
        .map(|n| catalog::text(visit.lang, "invitations-resent", &[("count", FluentValue::from(n))]));
    let notice = notice.or_else(|| {
        params.get("revoked").and_then(|n| n.parse::<i64>().ok()).map(|n| {
            catalog::text(
                visit.lang,
                "invitations-revoked-notice",
                &[("count", FluentValue::from(n))],
            )
        })
    });
    render_list(&visit, &params, notice, None).await
}

async fn render_list(
    visit: &Visit,
    params: &HashMap<String, String>,
    notice: Option<String>,
    problem: Option<String>,
) -> Response {
    let me = match visit.signed_in("invitations") {
        Ok(me) => me.clone(),
        Err(elsewhere) => return see_other(&elsewhere),
    };
    let status = params
        .get("status")
        .map(String::as_str)
        .filter(|s| STATUSES.iter().any(|(value, _)| value == s))
        .unwrap_or("PENDING")
        .to_owned();
    let filter = if status.is_empty() {
        json!({})
    } else {
        json!({ "status": status })
    };
    let after = params.get("after").filter(|a| !a.is_empty());
    let title = visit.text("invitations-title");
    let data = match visit
        .run(operations::INVITATIONS, json!({ "filter": filter, "after": after }))
        .await
    {
        Ok(data) => data,
        Err(refusal) => return visit.refused_page("invitations", &title, refusal),
    };
    let connection = &data["invitations"];
    let next_page = connection["pageInfo"]["hasNextPage"]
        .as_bool()
        .unwrap_or(false)
        .then(|| {
            let cursor = connection["pageInfo"]["endCursor"].as_str().unwrap_or_default();
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("status", &status)
                .append_pair("after", cursor)
                .finish();
            visit.path(&format!("/invitations?{query}"))
        });
    let statuses: Vec<_> = STATUSES
        .iter()
        .map(|(value, label)| json!({ "value": value, "label": label }))
        .collect();
    let extra = context! {
        rows => Value::from_serialize(&connection["nodes"]),
        total => connection["totalCount"].as_i64().unwrap_or(0),
        status,
        statuses => Value::from_serialize(&statuses),
        can_invite => me.can("invitations.send"),
        next_page,
        notice,
        problem,
    };
    visit.render("invitations.html", "invitations", &title, extra)
}

/// POST: resend or revoke the checked invitations, or make a link for one.
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
    let status = value_of(&form, "status").unwrap_or("PENDING").to_owned();
    let params = HashMap::from([("status".to_owned(), status.clone())]);
    if let Some(id) = value_of(&form, "link") {
        return match visit.run(operations::INVITATION_LINK, json!({ "id": id })).await {
            Ok(data) => {
                let link = data["invitationLink"].as_str().unwrap_or_default().to_owned();
                let title = visit.text("invitations-link");
                // A page whose content is a live token: no Referer leaves it.
                let mut page = visit.render("invitation_link.html", "invitations", &title, context! { link });
                page.headers_mut().insert(
                    poem::http::header::REFERRER_POLICY,
                    poem::http::HeaderValue::from_static("no-referrer"),
                );
                page
            }
            Err(refusal) => render_list(&visit, &params, None, Some(refusal.message)).await,
        };
    }
    let ids: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.as_str())
        .collect();
    if ids.is_empty() {
        let problem = visit.text("invitations-none-selected");
        return render_list(&visit, &params, None, Some(problem)).await;
    }
    let status_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("status", &status)
        .finish();
    match value_of(&form, "action") {
        Some("revoke") => match visit.run(operations::REVOKE_INVITATIONS, json!({ "ids": ids })).await {
            Ok(data) => {
                let count = data["revokeInvitations"].as_i64().unwrap_or(0);
                see_other(&visit.path(&format!("/invitations?{status_query}&revoked={count}")))
            }
            Err(refusal) => render_list(&visit, &params, None, Some(refusal.message)).await,
        },
        _ => match visit.run(operations::RESEND_INVITATIONS, json!({ "ids": ids })).await {
            Ok(data) => {
                let count = data["resendInvitations"].as_array().map_or(0, Vec::len);
                see_other(&visit.path(&format!("/invitations?{status_query}&resent={count}")))
            }
            Err(refusal) => render_list(&visit, &params, None, Some(refusal.message)).await,
        },
    }
}

/// GET: the invite form.
#[handler]
pub async fn invite_get(
    req: &Request,
    Path(slug): Path<String>,
    Data(app): Data<&App>,
    Data(schemas): Data<&Schemas>,
) -> Response {
    let Some(visit) = Visit::open(req, &slug, app, schemas).await else {
        return not_found();
    };
    invite_form(&visit, &[], None).await
}

async fn invite_form(visit: &Visit, form: &[(String, String)], problem: Option<String>) -> Response {
    if let Err(elsewhere) = visit.signed_in("invitations") {
        return see_other(&elsewhere);
    }
    let roles = visit
        .run(operations::TENANT_ROLES, json!({}))
        .await
        .map(|d| d["tenant"]["roles"].clone())
        .unwrap_or_default();
    let chosen: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "role")
        .map(|(_, v)| v.as_str())
        .collect();
    let title = visit.text("invite-title");
    let extra = context! {
        // Names this rendering of the form: a second post of it sends nothing again.
        submission => uuid::Uuid::new_v4().simple().to_string(),
        roles => Value::from_serialize(&roles),
        chosen_roles => chosen,
        locales => visit.tenant.locales.clone(),
        emails => value_of(form, "emails").unwrap_or_default(),
        locale => value_of(form, "locale").unwrap_or_default(),
        message => value_of(form, "message").unwrap_or_default(),
        problem,
    };
    visit.render_form(!form.is_empty(), "invite.html", "invitations", &title, extra)
}

/// POST: invites the pasted addresses (`inviteMembers`) and says what became of each.
#[handler]
pub async fn invite_post(
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
    let submission = SubmittedOnce::of(&visit, &form).await;
    if submission.as_ref().is_some_and(|s| s.seen_before) {
        return already_sent(&visit);
    }
    let roles: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "role")
        .map(|(_, v)| v.as_str())
        .collect();
    let mut input = json!({
        "emails": [value_of(&form, "emails").unwrap_or_default()],
        "roles": roles,
    });
    for (field, name) in [("locale", "locale"), ("message", "message")] {
        if let Some(value) = value_of(&form, name).map(str::trim).filter(|v| !v.is_empty()) {
            input[field] = json!(value);
        }
    }
    match visit.run(operations::INVITE, json!({ "input": input })).await {
        Ok(data) => {
            let result = &data["inviteMembers"];
            let title = visit.text("invite-title");
            let extra = context! {
                invited => Value::from_serialize(&result["invitations"]),
                added => Value::from_serialize(&result["addedToGroups"]),
                skipped => Value::from_serialize(&result["skipped"]),
            };
            visit.render("invite_result.html", "invitations", &title, extra)
        }
        Err(refusal) => {
            // Nothing was sent: the same form may be posted again once corrected.
            if let Some(submission) = submission {
                submission.forget(&visit).await;
            }
            let details: Vec<String> = refusal.fields.iter().map(|(_, m)| m.clone()).collect();
            let problem = if details.is_empty() {
                refusal.message
            } else {
                details.join(" · ")
            };
            invite_form(&visit, &form, Some(problem)).await
        }
    }
}

/// A posted invite form, by the `submission` name its rendering carried: a browser's
/// reload of the result posts the same form again, which would send every invitation
/// once more. The name is counted in the rate-limit store (shared by the instances)
/// for an hour.
struct SubmittedOnce {
    key: String,
    /// This form was posted before (and not refused).
    seen_before: bool,
}

impl SubmittedOnce {
    /// How long a form's name is remembered.
    const REMEMBERED: std::time::Duration = std::time::Duration::from_secs(3_600);

    /// The form's submission, counted; None for a form without a well-formed name (or
    /// when the store cannot count: the API call then answers for itself).
    async fn of(visit: &Visit, form: &[(String, String)]) -> Option<SubmittedOnce> {
        let name =
            value_of(form, "submission").filter(|n| n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()))?;
        let key = format!("console-invite:{}:{name}", visit.tenant.slug);
        let window = visit.app.limiter.hit(&key, Self::REMEMBERED).await.ok()?;
        Some(SubmittedOnce {
            key,
            seen_before: window.count > 1,
        })
    }

    /// Forgets the form, for a post the API refused.
    async fn forget(self, visit: &Visit) {
        if let Err(err) = visit.app.limiter.clear(&self.key).await {
            tracing::warn!(error = %err, "could not forget an invite form");
        }
    }
}

/// The answer to an invite form posted a second time: nothing is sent again.
fn already_sent(visit: &Visit) -> Response {
    let title = visit.text("invite-title");
    let message = visit.text("invite-already-sent");
    let next = context! { href => visit.path("/invitations"), label => visit.text("nav-invitations") };
    visit.render_status(
        poem::http::StatusCode::CONFLICT,
        "message.html",
        "invitations",
        &title,
        context! { message, next },
    )
}
