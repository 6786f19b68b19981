//! Turning a queued message into an email at delivery time: load what it is about,
//! issue the link's token (only its hash is kept), render the tenant's template, and
//! write the headers — this file is the one place that decides From, To and Reply-To.

use chrono::{DateTime, Utc};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};
use minijinja::Value;
use serde_json::json;

use super::outbox::Mail;
use super::templates::{format_date, locale_for, render, Rendered};
use super::{OutgoingEmail, SendError};
use crate::account::tokens::{self as one_time, Purpose};
use crate::app::App;
use crate::config::Tenant;
use crate::error::Result;
use crate::invitations as invitations_domain;
use crate::members;
use crate::values::email;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use entity::{invitations, outbox};

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
    let now = crate::stored::now();
    let live: Vec<&invitations::Model> = batch
        .invitations
        .values()
        .filter(|i| i.status == invitations::Status::Pending && i.expires_at > now)
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

/// What an email says, before its headers.
struct Content {
    template: &'static str,
    context: serde_json::Value,
    /// When its link stops working; written in the tenant's time zone and the email's language.
    expires: Option<DateTime<Utc>>,
    /// Replies go to this person instead of the tenant's `contact_email`.
    reply_to: Option<Mailbox>,
}

impl Content {
    fn new(template: &'static str, context: serde_json::Value, expires: Option<DateTime<Utc>>) -> Self {
        Self {
            template,
            context,
            expires,
            reply_to: None,
        }
    }
}

/// The email for a queued message, or None when it is no longer wanted.
pub async fn compose(
    app: &App,
    row: &outbox::Model,
    mail: &Mail,
    batch: &Batch,
) -> std::result::Result<Option<OutgoingEmail>, SendError> {
    let Some(tenant) = app.tenants.get(&row.tenant) else {
        return Ok(None);
    };
    let temporary = |e: crate::error::Error| SendError::temporary(format!("{e:?}"));
    let Some(content) = content(app, &tenant, row, mail, batch).await.map_err(temporary)? else {
        return Ok(None);
    };
    let locale = if row.locale.is_empty() {
        tenant.default_locale.as_str()
    } else {
        row.locale.as_str()
    };
    let mut context = content.context;
    context["tenant_name"] = json!(tenant.name);
    if let Some(at) = content.expires {
        // In the language the template is written in, which may be a fallback of `locale`.
        let written_in = locale_for(&tenant, locale, content.template);
        let zone = tenant.time_zone(app.settings.time_zone);
        context["expires_at"] = json!(format_date(at, zone, &written_in));
    }
    let rendered = render(&tenant, locale, content.template, template_values(context)).map_err(temporary)?;
    let to: Address = row
        .recipient
        .parse()
        .map_err(|e| SendError::permanent(format!("the address {} cannot be used: {e}", row.recipient)))?;
    let headers = Headers {
        from: tenant.mail_from(&app.mail_from),
        to: Mailbox::new(None, to),
        reply_to: content.reply_to.or_else(|| tenant.contact()),
    };
    Ok(Some(OutgoingEmail {
        to: row.recipient.clone(),
        subject: rendered.subject.clone(),
        message: message(headers, rendered)?,
    }))
}

/// What the email says and where replies go, for each kind of message; None when the
/// message is no longer wanted. Long on purpose: one short arm per kind of mail, so that
/// every message's wording, links and reply address read side by side.
async fn content(
    app: &App,
    tenant: &Tenant,
    row: &outbox::Model,
    mail: &Mail,
    batch: &Batch,
) -> Result<Option<Content>> {
    let content = match mail {
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
            let inviter = invitation.invited_by.and_then(|id| batch.members.get(&id));
            let member = invitation.member_id.and_then(|id| batch.members.get(&id));
            let template = match (invitation.kind, reminder) {
                (_, true) => "invitation_reminder",
                (invitations_domain::Kind::Activation, false) => "activation",
                _ => "invitation",
            };
            let recipient = [invitation.first_name.as_deref(), invitation.last_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let context = json!({
                "recipient_name": recipient,
                "inviter_name": inviter.map(members::display_name),
                "message": invitation.message,
                "login": member.map(|m| m.login.clone()),
                "link": link(app, tenant, "invitations/accept", token),
            });
            Content {
                reply_to: inviter_reply_to(invitation, inviter),
                ..Content::new(template, context, Some(invitation.expires_at))
            }
        }
        Mail::PasswordReset { member_id } => {
            let Some(member) = members::find(&app.db, &tenant.slug, *member_id).await? else {
                return Ok(None);
            };
            if member.status != members::Status::Active {
                return Ok(None);
            }
            let (token, expires) =
                one_time::issue(&app.db, &tenant.slug, Purpose::PasswordReset, member.id, json!({})).await?;
            let context = json!({
                "recipient_name": members::display_name(&member),
                "link": link(app, tenant, "password-reset", &token),
            });
            Content::new("password_reset", context, Some(expires))
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
                "link": link(app, tenant, "email-change", &token),
            });
            Content::new("email_change_confirm", context, Some(expires))
        }
        Mail::SecondaryEmailConfirm { member_id, address } => {
            let Some(member) = members::find(&app.db, &tenant.slug, *member_id).await? else {
                return Ok(None);
            };
            // Only while this address is still the member's unconfirmed claim.
            let claimed = member.secondary_email.as_deref().map(email::key) == Some(email::key(address));
            if !claimed || member.secondary_email_verified {
                return Ok(None);
            }
            let payload = json!({ "secondaryEmail": address });
            let (token, expires) =
                one_time::issue(&app.db, &tenant.slug, Purpose::EmailChangeConfirm, member.id, payload).await?;
            let context = json!({
                "recipient_name": members::display_name(&member),
                "address": address,
                "link": link(app, tenant, "email-change", &token),
            });
            Content::new("secondary_email_confirm", context, Some(expires))
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
                "link": link(app, tenant, "email-change/revert", &token),
            });
            Content::new("email_change_notice", context, Some(expires))
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
            Content::new("new_invitation_request", context, None)
        }
    };
    Ok(Some(content))
}

/// Replies to an invitation carrying a personal message go to whoever wrote it — but
/// only to an address they proved is theirs: the inviter's own verified address, while
/// they are an active member. Nothing a member types into an invitation ends up here.
fn inviter_reply_to(invitation: &invitations::Model, inviter: Option<&entity::members::Model>) -> Option<Mailbox> {
    invitation.message.as_deref().filter(|m| !m.trim().is_empty())?;
    let inviter = inviter.filter(|m| m.email_verified && m.status == members::Status::Active)?;
    let address: Address = inviter.email.as_deref()?.parse().ok()?;
    Some(Mailbox::new(Some(members::display_name(inviter)), address))
}

/// The addresses of an email.
struct Headers {
    from: Mailbox,
    to: Mailbox,
    reply_to: Option<Mailbox>,
}

/// The email itself. Display names are encoded by lettre (RFC 2047 when not ASCII);
/// domains go in their ASCII form, so that neither the SMTP envelope nor the headers
/// need a server with SMTPUTF8 unless the part before an @ is not ASCII.
fn message(headers: Headers, rendered: Rendered) -> std::result::Result<Message, SendError> {
    let permanent = |e: String| SendError::permanent(e);
    let mut builder = Message::builder()
        .from(ascii_domain(headers.from).map_err(permanent)?)
        .to(ascii_domain(headers.to).map_err(permanent)?)
        .subject(rendered.subject);
    if let Some(reply_to) = headers.reply_to {
        builder = builder.reply_to(ascii_domain(reply_to).map_err(permanent)?);
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(rendered.text);
    let message = match rendered.html {
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html)),
        ),
        None => builder.singlepart(text),
    };
    message.map_err(|e| SendError::permanent(e.to_string()))
}

/// `mailbox` with its domain in ASCII (IDNA: `lena@müller.example` becomes
/// `lena@xn--mller-kva.example`); the part before the @ stays as it is.
pub fn ascii_domain(mailbox: Mailbox) -> std::result::Result<Mailbox, String> {
    let domain = mailbox.email.domain();
    if domain.is_ascii() {
        return Ok(mailbox);
    }
    let cannot = || format!("the domain of {} has no ASCII (IDNA) form", mailbox.email);
    let ascii = idna::domain_to_ascii(domain).map_err(|_| cannot())?;
    let email = Address::new(mailbox.email.user(), ascii).map_err(|_| cannot())?;
    Ok(Mailbox::new(mailbox.name, email))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailbox(text: &str) -> Mailbox {
        text.parse().unwrap()
    }

    #[test]
    fn domains_are_written_in_ascii() {
        let converted = ascii_domain(mailbox("Léna <lena@müller.example>")).unwrap();
        assert_eq!(converted.email.to_string(), "lena@xn--mller-kva.example");
        assert_eq!(converted.name.as_deref(), Some("Léna"));
        let plain = ascii_domain(mailbox("zoe@Example.org")).unwrap();
        assert_eq!(plain.email.to_string(), "zoe@Example.org", "ASCII domains as typed");
        let local = ascii_domain(mailbox("léna@müller.example")).unwrap();
        assert_eq!(local.email.to_string(), "léna@xn--mller-kva.example");
    }

    #[test]
    fn headers_encode_names_and_domains() {
        let headers = Headers {
            from: mailbox("Amis de l'Épicerie <membres@épicerie.example>"),
            to: mailbox("lena@müller.example"),
            reply_to: Some(mailbox("\"Dupont, Marie\" <marie@example.org>")),
        };
        let rendered = Rendered {
            subject: "Bienvenue à l'Épicerie".into(),
            text: "Bonjour".into(),
            html: None,
        };
        let message = message(headers, rendered).unwrap();
        let formatted = String::from_utf8(message.formatted()).unwrap();
        let head = formatted.split("\r\n\r\n").next().unwrap();
        assert!(head.is_ascii(), "{head}");
        assert!(head.contains("From: =?utf-8?"), "the name in RFC 2047: {head}");
        assert!(head.contains("<membres@xn--picerie-9xa.example>"), "{head}");
        assert!(head.contains("To: lena@xn--mller-kva.example"), "{head}");
        let reply_to = head.lines().find(|l| l.starts_with("Reply-To: ")).unwrap();
        assert!(
            reply_to.ends_with(" <marie@example.org>"),
            "the comma kept out of the address: {head}"
        );
        let envelope = message.envelope();
        assert_eq!(envelope.to()[0].to_string(), "lena@xn--mller-kva.example");
        assert_eq!(envelope.from().unwrap().to_string(), "membres@xn--picerie-9xa.example");
    }
}
