//! Turning a queued message into an email at delivery time: load what it is about,
//! issue the link's token (only its hash is kept), render the tenant's template.

use chrono::{DateTime, Utc};
use minijinja::Value;
use serde_json::json;

use super::outbox::Mail;
use super::templates::render;
use super::OutgoingEmail;
use crate::account::tokens::{self as one_time, Purpose};
use crate::app::App;
use crate::config::Tenant;
use crate::error::Result;
use crate::invitations as invitations_domain;
use crate::members;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use entity::{invitations, outbox};

/// A date as people of `locale` write it.
pub fn format_date(at: DateTime<Utc>, locale: &str) -> String {
    if locale.starts_with("fr") {
        at.format("%d/%m/%Y à %H:%M UTC").to_string()
    } else {
        at.format("%B %-d, %Y, %H:%M UTC").to_string()
    }
}

/// The link a person opens: `{public_url}/t/{tenant}/{path}?token=…`.
pub fn link(app: &App, tenant: &Tenant, path: &str, token: &str) -> String {
    let base = tenant.public_url(&app.settings.public_url);
    format!(
        "{}/t/{}/{path}?token={token}",
        base.as_str().trim_end_matches('/'),
        tenant.slug
    )
}

/// Template values; the links and dates we build are marked safe so HTML escaping
/// leaves their slashes alone (everything else, like personal messages, is escaped).
fn template_values(context: serde_json::Value) -> Value {
    let serde_json::Value::Object(fields) = context else {
        return Value::from_serialize(&context);
    };
    let values: std::collections::BTreeMap<String, Value> = fields
        .into_iter()
        .map(|(key, value)| {
            let safe = matches!(key.as_str(), "link" | "expires_at");
            let value = match (safe, value.as_str()) {
                (true, Some(text)) => Value::from_safe_string(text.to_owned()),
                _ => Value::from_serialize(&value),
            };
            (key, value)
        })
        .collect();
    Value::from_serialize(&values)
}

/// What a batch of invitation emails needs, loaded in a few statements rather than a
/// few per email: the invitations, their inviters and members, and a fresh link each.
#[derive(Default)]
pub struct Batch {
    invitations: HashMap<Uuid, invitations::Model>,
    members: HashMap<Uuid, entity::members::Model>,
    tokens: HashMap<Uuid, String>,
}

/// Loads the batch data for these messages and issues the links of the pending invitations.
pub async fn prepare(app: &App, mails: &[Option<Mail>]) -> Result<Batch> {
    let ids: Vec<Uuid> = mails
        .iter()
        .filter_map(|m| match m {
            Some(Mail::Invitation { invitation_id, .. }) => Some(*invitation_id),
            _ => None,
        })
        .collect();
    let mut batch = Batch::default();
    if ids.is_empty() {
        return Ok(batch);
    }
    for chunk in ids.chunks(1_000) {
        let rows = invitations::Entity::find()
            .filter(invitations::Column::Id.is_in(chunk.to_vec()))
            .all(&app.db)
            .await?;
        batch.invitations.extend(rows.into_iter().map(|i| (i.id, i)));
    }
    let now = Utc::now();
    let live: Vec<&invitations::Model> = batch
        .invitations
        .values()
        .filter(|i| i.status == invitations_domain::PENDING && i.expires_at > now)
        .collect();
    let people: Vec<Uuid> = live
        .iter()
        .flat_map(|i| [i.invited_by, i.member_id])
        .flatten()
        .collect();
    for chunk in people.chunks(1_000) {
        let rows = entity::members::Entity::find()
            .filter(entity::members::Column::Id.is_in(chunk.to_vec()))
            .all(&app.db)
            .await?;
        batch.members.extend(rows.into_iter().map(|m| (m.id, m)));
    }
    batch.tokens = invitations_domain::tokens::issue_many(&app.db, &live).await?;
    Ok(batch)
}

/// The email for a queued message, or None when it is no longer wanted.
pub async fn compose(app: &App, row: &outbox::Model, mail: &Mail, batch: &Batch) -> Result<Option<OutgoingEmail>> {
    let Some(tenant) = app.tenants.get(&row.tenant) else {
        return Ok(None);
    };
    let locale = if row.locale.is_empty() {
        tenant.default_locale.clone()
    } else {
        row.locale.clone()
    };
    let (template, context) = match mail {
        Mail::Invitation {
            invitation_id,
            reminder,
        } => {
            let Some(invitation) = batch.invitations.get(invitation_id) else {
                return Ok(None);
            };
            // No token means the invitation is no longer pending: nothing to send.
            let Some(token) = batch.tokens.get(invitation_id) else {
                return Ok(None);
            };
            let inviter = invitation
                .invited_by
                .and_then(|id| batch.members.get(&id))
                .map(members::display_name);
            let member = invitation.member_id.and_then(|id| batch.members.get(&id));
            let template = match (invitation.kind.as_str(), reminder) {
                (_, true) => "invitation_reminder",
                ("activation", false) => "activation",
                _ => "invitation",
            };
            let recipient = [invitation.first_name.as_deref(), invitation.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let context = json!({
                "recipient_name": recipient,
                "inviter_name": inviter,
                "message": invitation.message,
                "login": member.map(|m| m.login.clone()),
                "link": link(app, &tenant, "invitations/accept", token),
                "expires_at": format_date(invitation.expires_at, &locale),
            });
            (template, context)
        }
        Mail::PasswordReset { member_id } => {
            let Some(member) = members::find(&app.db, &tenant.slug, *member_id).await? else {
                return Ok(None);
            };
            if member.status != members::STATUS_ACTIVE {
                return Ok(None);
            }
            let (token, expires) =
                one_time::issue(&app.db, &tenant.slug, Purpose::PasswordReset, member.id, json!({})).await?;
            let context = json!({
                "recipient_name": members::display_name(&member),
                "link": link(app, &tenant, "password-reset", &token),
                "expires_at": format_date(expires, &locale),
            });
            ("password_reset", context)
        }
        Mail::EmailChangeConfirm { member_id, new_email } => {
            let Some(member) = members::find(&app.db, &tenant.slug, *member_id).await? else {
                return Ok(None);
            };
            let payload = json!({ "newEmail": new_email });
            let (token, expires) =
                one_time::issue(&app.db, &tenant.slug, Purpose::EmailChangeConfirm, member.id, payload).await?;
            let context = json!({
                "recipient_name": members::display_name(&member),
                "new_email": new_email,
                "link": link(app, &tenant, "email-change", &token),
                "expires_at": format_date(expires, &locale),
            });
            ("email_change_confirm", context)
        }
        Mail::EmailChangeNotice {
            member_id,
            old_email,
            new_email,
        } => {
            let Some(member) = members::find(&app.db, &tenant.slug, *member_id).await? else {
                return Ok(None);
            };
            let payload = json!({ "oldEmail": old_email });
            let (token, expires) =
                one_time::issue(&app.db, &tenant.slug, Purpose::EmailChangeRevert, member.id, payload).await?;
            let context = json!({
                "recipient_name": members::display_name(&member),
                "old_email": old_email,
                "new_email": new_email,
                "link": link(app, &tenant, "email-change/revert", &token),
                "expires_at": format_date(expires, &locale),
            });
            ("email_change_notice", context)
        }
        Mail::NewInvitationRequest { invitation_id } => {
            let Some(invitation) = invitations_domain::find(&app.db, &tenant.slug, *invitation_id).await? else {
                return Ok(None);
            };
            let recipient = members::find_by_identifier(&app.db, &tenant.slug, &row.recipient).await?;
            let context = json!({
                "recipient_name": recipient.map(|m| members::display_name(&m)),
                "invitee_email": invitation.email,
            });
            ("new_invitation_request", context)
        }
    };
    let mut context = context;
    context["tenant_name"] = json!(tenant.name);
    let rendered = render(&tenant, &locale, template, template_values(context))?;
    Ok(Some(OutgoingEmail {
        to: row.recipient.clone(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
    }))
}
