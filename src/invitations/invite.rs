//! Inviting: addresses pasted by an admin (JOIN), or members created beforehand who never
//! signed in (ACTIVATION). Existing members are added to the groups instead; a pending
//! invitation for the same person is refreshed, not duplicated. Everything — invitations,
//! outbox rows, audit entries — is written in one transaction with multi-row statements.

use std::collections::HashMap;

use crate::members::unknown_role;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
    TransactionTrait,
};
use uuid::Uuid;

use super::{tokens, DeliveryStatus, Kind, Status, MAX_MESSAGE};
use crate::app::App;
use crate::auth::permissions::{require, require_scope};
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::error::{Error, FieldError, Result};
use crate::mail::outbox::{self, Mail};
use crate::members::create::lock_addresses;
use crate::members::filter::scope_condition;
use crate::members::read::existing_groups;
use crate::members::Selection;
use crate::values::email::{self, Email};
use entity::{audit_log, invitations, member_emails, members};

/// Most addresses in one call.
pub const MAX_ADDRESSES: usize = 20_000;

/// `InviteInput`, ids parsed.
#[derive(Debug, Clone, Default)]
pub struct InviteRequest {
    pub emails: Vec<String>,
    pub roles: Vec<String>,
    pub group_ids: Vec<Uuid>,
    pub locale: Option<String>,
    pub message: Option<String>,
}

/// Why an address got no invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    AlreadyMember,
    DeactivatedMember,
}

/// What inviting did: the invitations written (new and refreshed), the members who were
/// added to the groups instead, and the addresses skipped with why.
#[derive(Debug, Default)]
pub struct InviteOutcome {
    pub invitations: Vec<invitations::Model>,
    pub added_to_groups: Vec<members::Model>,
    pub skipped: Vec<(String, SkipReason)>,
}

/// An address to invite, with the name it was pasted with (`Sam Roy <sam@x.org>`):
/// the name fills the invitation's first and last name, for the acceptance form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitee {
    pub address: String,
    /// (first name, last name); either may be empty.
    pub name: Option<(String, String)>,
}

/// Splits entries on commas, semicolons and white space, checks each address, merges
/// duplicates case-insensitively. Any bad address rejects the whole list, naming each.
/// Addresses copied from a mail program come with their names (`Sam Roy <sam@x.org>`,
/// `"Roy, Sam" <sam@x.org>`): the address in angle brackets is taken, and the name
/// kept beside it.
pub fn split_addresses(entries: &[String]) -> Result<Vec<Invitee>> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut invitees: Vec<Invitee> = Vec::new();
    let mut problems = Vec::new();
    for (piece, name) in entries.iter().flat_map(|e| pasted_addresses(e)) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        match Email::parse(piece) {
            Ok(address) => match seen.get(&address.key()) {
                // The same address again: its name counts if the first had none.
                Some(&at) => {
                    if invitees[at].name.is_none() {
                        invitees[at].name = name.and_then(person_name);
                    }
                }
                None => {
                    seen.insert(address.key(), invitees.len());
                    invitees.push(Invitee {
                        address: address.into(),
                        name: name.and_then(person_name),
                    });
                }
            },
            Err(problem) => problems.push(FieldError::worded(
                "emails",
                format!("{piece}: {problem}"),
                problem.key(),
                &[("value", piece.to_owned())],
            )),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    if invitees.is_empty() {
        return Err(Error::invalid_worded(
            "emails",
            "give at least one address",
            "no-address",
        ));
    }
    if invitees.len() > MAX_ADDRESSES {
        return Err(Error::invalid(
            "emails",
            format!("at most {MAX_ADDRESSES} addresses at once"),
        ));
    }
    Ok(invitees)
}

/// A pasted display name as (first name, last name): `Roy, Sam` is last name first, as
/// directories write it; otherwise the last word is the last name. None for no name, or
/// a name that is an address (Outlook repeats the address as the name).
fn person_name(name: &str) -> Option<(String, String)> {
    let name = name.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if name.is_empty() || name.contains('@') {
        return None;
    }
    let limit = |part: &str| {
        part.trim()
            .chars()
            .take(crate::members::fields::MAX_NAME)
            .collect::<String>()
    };
    if let Some((last, first)) = name.split_once(',') {
        return Some((limit(first), limit(last)));
    }
    match name.rsplit_once(char::is_whitespace) {
        Some((first, last)) => Some((limit(first), limit(last))),
        None => Some((limit(name), String::new())),
    }
}

/// The address-like pieces of pasted text, in order, each with the name written before
/// it in angle-bracket form: split on commas, semicolons and line ends outside double
/// quotes, then on white space. In a piece with addresses in angle brackets, those are
/// taken, with any other word holding an `@`; the rest is names (quoted ones included,
/// as Outlook quotes an address used as a name).
fn pasted_addresses(text: &str) -> Vec<(&str, Option<&str>)> {
    let mut pieces = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (at, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' | ';' | '\n' | '\r' if !quoted => {
                pieces.push(&text[start..at]);
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    let mut addresses = Vec::new();
    for piece in pieces {
        let named = piece.contains('<') && piece.contains('>');
        let mut rest = piece;
        loop {
            let bracket = rest
                .find('<')
                .and_then(|open| Some((open, open + rest[open..].find('>')?)));
            let words = bracket.map_or(rest, |(open, _)| &rest[..open]);
            let is_name = |word: &str| !word.contains('@') || word.starts_with('"') || word.ends_with('"');
            addresses.extend(
                words
                    .split_whitespace()
                    .filter(|word| !(named && is_name(word)))
                    .map(|word| (word, None)),
            );
            let Some((open, close)) = bracket else { break };
            let name = words.trim();
            addresses.push((rest[open + 1..close].trim(), (!name.is_empty()).then_some(name)));
            rest = &rest[close + 1..];
        }
    }
    addresses
}

/// The invitation with the pasted name, where it has none of its own yet.
fn named(mut invitation: invitations::Model, name: &Option<(String, String)>) -> invitations::Model {
    if let (Some((first, last)), None, None) = (name, &invitation.first_name, &invitation.last_name) {
        invitation.first_name = Some(first.clone()).filter(|n| !n.is_empty());
        invitation.last_name = Some(last.clone()).filter(|n| !n.is_empty());
    }
    invitation
}

/// Checks the message, locale, roles (that the caller may hand out) and groups.
pub async fn check_options<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    roles: &[String],
    group_ids: &[Uuid],
    locale: Option<&str>,
    message: Option<&str>,
) -> Result<(Option<String>, Option<String>)> {
    let tenant = &caller.tenant;
    let message = message.map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned);
    if message.as_ref().is_some_and(|m| m.chars().count() > MAX_MESSAGE) {
        return Err(Error::invalid("message", format!("at most {MAX_MESSAGE} characters")));
    }
    let locale = match locale.map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => Some(
            tenant
                .locales
                .iter()
                .find(|t| t.eq_ignore_ascii_case(l))
                .cloned()
                .ok_or_else(|| Error::invalid("locale", format!("one of {}", tenant.locales.join(", "))))?,
        ),
    };
    let grants = caller.grants(conn).await?;
    for (i, key) in roles.iter().enumerate() {
        let role = tenant
            .role(key)
            .ok_or_else(|| Error::Validation(vec![unknown_role(tenant, format!("roles[{i}]"), key)]))?;
        if !role.default && !grants.can_hand_out(role, None) {
            return Err(Error::Forbidden(format!("You may not hand out the role \"{key}\".")));
        }
    }
    existing_groups(conn, &tenant.slug, group_ids, "groupIds", true).await?;
    Ok((locale, message))
}

/// What an inviter chose for an invitation: the roles and groups it grants on acceptance,
/// the language of its emails (None: the member's, else the tenant's default), a personal
/// message. The default is none of them, as for an activation.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct InvitationTerms<'a> {
    pub roles: &'a [String],
    pub group_ids: &'a [Uuid],
    pub locale: Option<&'a str>,
    pub message: Option<&'a str>,
}

/// A fresh pending invitation of `kind` (JOIN or ACTIVATION) to `address`, for `member`
/// when it activates one, sent by `actor`.
pub(crate) fn new_invitation(
    tenant: &Tenant,
    kind: Kind,
    address: &str,
    member: Option<&members::Model>,
    terms: InvitationTerms<'_>,
    actor: Uuid,
) -> invitations::Model {
    let InvitationTerms {
        roles,
        group_ids,
        locale,
        message,
    } = terms;
    let now = crate::stored::now();
    let member_locale = member.map(|m| m.locale.as_str()).filter(|l| !l.is_empty());
    invitations::Model {
        id: Uuid::now_v7(),
        tenant: tenant.slug.clone(),
        kind,
        email: address.to_owned(),
        email_key: email::key(address),
        first_name: member.map(|m| m.first_name.clone()).filter(|n| !n.is_empty()),
        last_name: member.map(|m| m.last_name.clone()).filter(|n| !n.is_empty()),
        locale: locale.or(member_locale).unwrap_or(&tenant.default_locale).to_owned(),
        roles: serde_json::to_string(roles).expect("strings serialise"),
        group_ids: serde_json::to_string(group_ids).expect("uuids serialise"),
        message: message.map(str::to_owned),
        status: Status::Pending,
        delivery_status: DeliveryStatus::Queued,
        member_id: member.map(|m| m.id),
        invited_by: Some(actor),
        created_at: now,
        updated_at: now,
        sent_at: None,
        expires_at: now + chrono::Duration::from_std(tenant.invitations.lifetime).expect("sane lifetime"),
        reminders_sent: 0,
        last_reminded_at: None,
        accepted_at: None,
        revoked_at: None,
        new_invitation_requested_at: None,
        import_job_id: None,
    }
}

/// The same invitation, renewed by `actor`: new expiry, reminders from zero, roles and
/// groups added to its own, locale and message replaced when given.
pub(crate) fn refreshed(
    tenant: &Tenant,
    mut inv: invitations::Model,
    terms: InvitationTerms<'_>,
    actor: Uuid,
) -> Result<invitations::Model> {
    let InvitationTerms {
        roles,
        group_ids,
        locale,
        message,
    } = terms;
    let now = crate::stored::now();
    let mut all_roles: Vec<String> = super::roles_of(&inv)?;
    all_roles.extend(
        roles
            .iter()
            .filter(|r| !all_roles.contains(r))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let mut all_groups: Vec<Uuid> = super::group_ids_of(&inv)?;
    all_groups.extend(
        group_ids
            .iter()
            .filter(|g| !all_groups.contains(g))
            .copied()
            .collect::<Vec<_>>(),
    );
    inv.roles = serde_json::to_string(&all_roles).expect("strings serialise");
    inv.group_ids = serde_json::to_string(&all_groups).expect("uuids serialise");
    if let Some(locale) = locale {
        inv.locale = locale.to_owned();
    }
    if let Some(message) = message {
        inv.message = Some(message.to_owned());
    }
    inv.invited_by = Some(actor);
    inv.status = Status::Pending;
    inv.delivery_status = DeliveryStatus::Queued;
    inv.expires_at = now + chrono::Duration::from_std(tenant.invitations.lifetime).expect("sane lifetime");
    inv.reminders_sent = 0;
    inv.last_reminded_at = None;
    inv.revoked_at = None;
    inv.updated_at = now;
    Ok(inv)
}

/// Writes new and refreshed invitations, their emails and audit entries.
pub async fn store<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    actor: Option<Uuid>,
    created: &[invitations::Model],
    renewed: &[invitations::Model],
) -> Result<()> {
    let rows: Vec<invitations::ActiveModel> = created
        .iter()
        .map(|m| m.clone().into_active_model().reset_all())
        .collect();
    for chunk in rows.chunks(500) {
        invitations::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    for inv in renewed {
        inv.clone().into_active_model().reset_all().update(conn).await?;
    }
    let renewed_ids: Vec<Uuid> = renewed.iter().map(|i| i.id).collect();
    tokens::revoke_all(conn, &renewed_ids).await?;
    let now = crate::stored::now();
    let all = created
        .iter()
        .map(|i| (i, false))
        .chain(renewed.iter().map(|i| (i, true)));
    let mut mails = Vec::new();
    let mut entries = Vec::new();
    for (inv, renewal) in all {
        let mail = Mail::Invitation {
            invitation_id: inv.id,
            reminder: false,
        };
        mails.push(outbox::row(tenant, &inv.email, &inv.locale, &mail));
        entries.push(audit_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant: Set(tenant.to_owned()),
            at: Set(now),
            actor_id: Set(actor),
            action: Set(if renewal {
                "invitation.refreshed"
            } else {
                "invitation.sent"
            }
            .to_owned()),
            target_id: Set(Some(inv.id)),
            details: Set(serde_json::json!({ "email": inv.email, "kind": inv.kind }).to_string()),
        });
    }
    outbox::enqueue_many(conn, mails).await?;
    for chunk in entries.chunks(1_000) {
        audit_log::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    Ok(())
}

/// Members owning these addresses, by address key.
async fn owners<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    keys: &[String],
) -> Result<HashMap<String, members::Model>> {
    let mut by_key = HashMap::new();
    for chunk in keys.chunks(1_000) {
        let rows = member_emails::Entity::find()
            .filter(member_emails::Column::Tenant.eq(tenant))
            .filter(member_emails::Column::AddressKey.is_in(chunk.to_vec()))
            .find_also_related(members::Entity)
            .all(conn)
            .await?;
        for (address, member) in rows {
            if let Some(member) = member {
                by_key.insert(address.address_key, member);
            }
        }
    }
    Ok(by_key)
}

/// Pending invitations, by a key chosen by the caller.
async fn pending_where<C: ConnectionTrait>(conn: &C, cond: Condition) -> Result<Vec<invitations::Model>> {
    Ok(invitations::Entity::find()
        .filter(cond.add(super::is_pending()))
        .all(conn)
        .await?)
}

/// `inviteMembers` (invitations.send).
pub async fn invite_members(app: &App, caller: &Caller, request: InviteRequest) -> Result<InviteOutcome> {
    require(&app.db, caller, Permission::InvitationsSend).await?;
    let addresses = split_addresses(&request.emails)?;
    let (locale, message) = check_options(
        &app.db,
        caller,
        &request.roles,
        &request.group_ids,
        request.locale.as_deref(),
        request.message.as_deref(),
    )
    .await?;
    let tenant = caller.tenant.clone();
    let actor = caller.member_id();
    app.db
        .transaction::<_, InviteOutcome, Error>(move |txn| {
            Box::pin(async move {
                // Who holds each address is read under the address lock, so that a member
                // created meanwhile is found here or settles the invitation written here.
                lock_addresses(txn, &tenant.slug).await?;
                let terms = InvitationTerms {
                    roles: &request.roles,
                    group_ids: &request.group_ids,
                    locale: locale.as_deref(),
                    message: message.as_deref(),
                };
                let keys: Vec<String> = addresses.iter().map(|a| email::key(&a.address)).collect();
                let members_by_key = owners(txn, &tenant.slug, &keys).await?;
                let mut pending_by_key = HashMap::new();
                for chunk in keys.chunks(1_000) {
                    let cond = Condition::all()
                        .add(invitations::Column::Tenant.eq(&tenant.slug))
                        .add(invitations::Column::EmailKey.is_in(chunk.to_vec()));
                    for inv in pending_where(txn, cond).await? {
                        pending_by_key.insert(inv.email_key.clone(), inv);
                    }
                }
                let mut outcome = InviteOutcome::default();
                let (mut created, mut renewed) = (Vec::new(), Vec::new());
                for (Invitee { address, name }, key) in addresses.iter().zip(&keys) {
                    if let Some(member) = members_by_key.get(key) {
                        if member.status == members::Status::Active && !request.group_ids.is_empty() {
                            outcome.added_to_groups.push(member.clone());
                        } else if member.status == members::Status::Active {
                            // No group asked: nothing to do for them, and nothing to say
                            // they were added to.
                            outcome.skipped.push((address.clone(), SkipReason::AlreadyMember));
                        } else {
                            outcome.skipped.push((address.clone(), SkipReason::DeactivatedMember));
                        }
                    } else if let Some(inv) = pending_by_key.remove(key) {
                        renewed.push(named(refreshed(&tenant, inv, terms, actor)?, name));
                    } else {
                        let invitation = new_invitation(&tenant, Kind::Join, address, None, terms, actor);
                        created.push(named(invitation, name));
                    }
                }
                let member_ids: Vec<Uuid> = outcome.added_to_groups.iter().map(|m| m.id).collect();
                crate::groups::add_to_groups(txn, &tenant.slug, &member_ids, &request.group_ids).await?;
                store(txn, &tenant.slug, Some(actor), &created, &renewed).await?;
                outcome.invitations = created.into_iter().chain(renewed).collect();
                Ok(outcome)
            })
        })
        .await
        .map_err(Into::into)
}

/// `sendActivationInvitations` (invitations.send): an ACTIVATION invitation for each
/// selected member with an email who has not signed in with a password of their own.
pub async fn send_activation_invitations(
    app: &App,
    caller: &Caller,
    selection: Selection,
    message: Option<String>,
) -> Result<InviteOutcome> {
    require(&app.db, caller, Permission::InvitationsSend).await?;
    let (_, message) = check_options(&app.db, caller, &[], &[], None, message.as_deref()).await?;
    let scope = require_scope(&app.db, caller, Permission::MembersRead).await?;
    let filter = selection.into_filter();
    filter.validate(&caller.tenant, "selection.filter")?;
    let cond = Condition::all()
        .add(filter.condition(&app.db, &caller.tenant).await?)
        .add(scope_condition(&app.db, &caller.tenant, &scope).await?)
        .add(members::Column::Email.is_not_null());
    let selected = members::Entity::find().filter(cond).all(&app.db).await?;
    activation_for(app, caller, selected, message).await
}

/// Creates or refreshes ACTIVATION invitations for these members.
pub async fn activation_for(
    app: &App,
    caller: &Caller,
    selected: Vec<members::Model>,
    message: Option<String>,
) -> Result<InviteOutcome> {
    let tenant = caller.tenant.clone();
    let ids: Vec<Uuid> = selected.iter().map(|m| m.id).collect();
    let mut pending_by_member = HashMap::new();
    for chunk in ids.chunks(1_000) {
        let cond = crate::sql::of_tenant_among(
            invitations::Column::Tenant,
            invitations::Column::MemberId,
            &tenant.slug,
            chunk.iter().copied(),
        )
        .add(invitations::Column::Kind.eq(Kind::Activation));
        for inv in pending_where(&app.db, cond).await? {
            pending_by_member.insert(inv.member_id, inv);
        }
    }
    let actor = caller.member_id();
    let terms = InvitationTerms {
        message: message.as_deref(),
        ..InvitationTerms::default()
    };
    let mut outcome = InviteOutcome::default();
    let (mut created, mut renewed) = (Vec::new(), Vec::new());
    for member in &selected {
        let Some(address) = member.email.clone() else { continue };
        let signed_up = member.last_login_at.is_some() && member.password_hash.is_some();
        if member.status != members::Status::Active {
            outcome.skipped.push((address, SkipReason::DeactivatedMember));
        } else if signed_up {
            outcome.skipped.push((address, SkipReason::AlreadyMember));
        } else if let Some(inv) = pending_by_member.remove(&Some(member.id)) {
            renewed.push(refreshed(&tenant, inv, terms, actor)?);
        } else {
            created.push(new_invitation(
                &tenant,
                Kind::Activation,
                &address,
                Some(member),
                terms,
                actor,
            ));
        }
    }
    let slug = tenant.slug.clone();
    let (created, renewed) = app
        .db
        .transaction::<_, (Vec<invitations::Model>, Vec<invitations::Model>), Error>(move |txn| {
            Box::pin(async move {
                store(txn, &slug, Some(actor), &created, &renewed).await?;
                Ok((created, renewed))
            })
        })
        .await?;
    outcome.invitations = created.into_iter().chain(renewed).collect();
    Ok(outcome)
}

/// An ACTIVATION invitation for a member just created, in the creating transaction.
pub async fn activation_in<C: ConnectionTrait>(
    conn: &C,
    tenant: &Tenant,
    member: &members::Model,
    actor: Uuid,
) -> Result<()> {
    let Some(address) = &member.email else {
        return Err(Error::invalid(
            "sendInvitation",
            "the member needs an email address to be invited",
        ));
    };
    let inv = new_invitation(
        tenant,
        Kind::Activation,
        address,
        Some(member),
        InvitationTerms::default(),
        actor,
    );
    store(conn, &tenant.slug, Some(actor), &[inv], &[]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_split_merged_and_checked() {
        let list = split_addresses(&[
            "a@x.org, B@x.org;c@x.org\n b@X.ORG".into(),
            "  d@x.org\te@x.org ".into(),
        ])
        .unwrap();
        let list: Vec<&str> = list.iter().map(|i| i.address.as_str()).collect();
        assert_eq!(list, ["a@x.org", "B@x.org", "c@x.org", "d@x.org", "e@x.org"]);
        let Err(Error::Validation(fields)) = split_addresses(&["ok@x.org, bad, worse@".into()]) else {
            panic!("expected VALIDATION");
        };
        assert_eq!(fields.len(), 2);
        assert!(fields[0].message.starts_with("bad:") && fields[1].message.starts_with("worse@:"));
        assert!(split_addresses(&[" , ".into()]).is_err());
    }

    #[test]
    fn addresses_copied_from_a_mail_program_keep_their_names_beside() {
        let invitees = split_addresses(
            &["Sam Roy <sam@exemple.fr>, \"Roy, Léa\" <lea@exemple.fr>; <bob@x.org>\n\
             Zoé d'Arc <ZOE@x.org> zed@x.org, sam@EXEMPLE.fr"
                .into()],
        )
        .unwrap();
        let list: Vec<&str> = invitees.iter().map(|i| i.address.as_str()).collect();
        let names: Vec<Option<(&str, &str)>> = invitees
            .iter()
            .map(|i| i.name.as_ref().map(|(f, l)| (f.as_str(), l.as_str())))
            .collect();
        assert_eq!(
            names,
            [
                Some(("Sam", "Roy")),
                Some(("Léa", "Roy")),
                None,
                Some(("Zoé", "d'Arc")),
                None
            ]
        );
        assert_eq!(
            list,
            [
                "sam@exemple.fr",
                "lea@exemple.fr",
                "bob@x.org",
                "ZOE@x.org",
                "zed@x.org"
            ],
            "the second sam@exemple.fr is the first one"
        );
        let outlook = split_addresses(&["\"ann@x.org\" <ann@x.org>; Ann B <ann.b@x.org>".into()]).unwrap();
        assert_eq!(
            outlook,
            [
                Invitee {
                    address: "ann@x.org".into(),
                    name: None
                },
                Invitee {
                    address: "ann.b@x.org".into(),
                    name: Some(("Ann".into(), "B".into()))
                }
            ],
            "a name that is the address is no name"
        );
        let Err(Error::Validation(fields)) = split_addresses(&["Sam Roy <not an address>".into()]) else {
            panic!("expected VALIDATION");
        };
        assert!(
            fields[0].message.starts_with("not an address:"),
            "{}",
            fields[0].message
        );
    }
}
