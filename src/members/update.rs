//! Changing a member's profile (members.update, and a member's own profile): every
//! field checked, logins and addresses still free, a second address the member sets
//! proven by email, the change audited field by field.

use sea_orm::{ConnectionTrait, TransactionTrait};
use std::sync::Arc;

use serde_json::json;
use uuid::Uuid;

use super::create::{check_emails_free, choose_login, lock_addresses};
use super::fields::Checks;
use super::read::member_in_scope;
use super::write::{self, ProfileField};
use crate::account::credentials::{links_voided_by, AccountChange};
use crate::app::App;
use crate::audit;
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::error::{Error, Result};
use crate::mail::outbox::{enqueue, Mail};
use crate::values::email;
use entity::members;

/// `UpdateMemberInput`: None leaves a field alone; an empty string clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct UpdateMember {
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub login: Option<String>,
    pub locale: Option<String>,
}

/// Changes a member's fields (members.update); writes what changed to the audit log.
pub async fn update_member(app: &App, caller: &Caller, id: Uuid, input: UpdateMember) -> Result<members::Model> {
    let member = member_in_scope(&app.db, caller, Permission::MembersUpdate, id).await?;
    let edits = check_edits(&caller.tenant, &input)?;
    apply_edits(app, caller.tenant.clone(), member, edits, caller.member_id()).await
}

/// Profile changes, checked: None leaves a field alone; `Some(None)` clears an optional one.
#[derive(Debug, Default)]
pub struct ProfileEdits {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<Option<String>>,
    secondary_email: Option<Option<String>>,
    phone: Option<Option<String>>,
    locale: Option<Option<String>>,
    login: Option<String>,
    /// The member sets their own second address: it counts once its link is opened.
    /// Otherwise (an admin) it counts at once.
    secondary_needs_proof: bool,
}

impl ProfileEdits {
    /// Edits made by the member on their own profile: a second address they set is a
    /// claim to prove by email before it counts for anything.
    pub fn by_the_member(self) -> Self {
        Self {
            secondary_needs_proof: true,
            ..self
        }
    }
}

/// Checks every given field, reporting all problems at once.
pub fn check_edits(tenant: &Tenant, input: &UpdateMember) -> Result<ProfileEdits> {
    let mut checks = Checks::new();
    let edits = ProfileEdits {
        first_name: input.first_name.as_deref().map(|v| checks.name("firstName", v)),
        last_name: input.last_name.as_deref().map(|v| checks.name("lastName", v)),
        email: input.email.as_deref().map(|v| checks.email("email", Some(v))),
        secondary_email: input
            .secondary_email
            .as_deref()
            .map(|v| checks.email("secondaryEmail", Some(v))),
        phone: input.phone.as_deref().map(|v| checks.phone("phone", Some(v))),
        locale: input
            .locale
            .as_deref()
            .map(|v| checks.locale("locale", tenant, Some(v))),
        secondary_needs_proof: false,
        login: match input.login.as_deref() {
            Some(v) if v.trim().is_empty() => {
                checks.fail("login", "must not be empty");
                None
            }
            Some(v) => checks.login("login", Some(v)),
            None => None,
        },
    };
    if tenant.accounts.require_email && input.email.as_deref().is_some_and(|v| v.trim().is_empty()) {
        checks.fail("email", "this organization requires an email address");
    }
    checks.finish()?;
    Ok(edits)
}

/// Applies checked edits in one transaction: login and addresses still free, then saved
/// with their side tables and the audit entry.
pub async fn apply_edits(
    app: &App,
    tenant: Arc<Tenant>,
    before: members::Model,
    edits: ProfileEdits,
    actor: Uuid,
) -> Result<members::Model> {
    Ok(app
        .db
        .transaction::<_, members::Model, Error>(move |txn| {
            Box::pin(async move { apply_in(txn, &tenant, &before, edits, actor).await })
        })
        .await?)
}

/// The body of [`apply_edits`], under the address lock.
async fn apply_in<C: ConnectionTrait>(
    txn: &C,
    tenant: &Tenant,
    before: &members::Model,
    mut edits: ProfileEdits,
    actor: Uuid,
) -> Result<members::Model> {
    lock_addresses(txn, &tenant.slug).await?;
    let login = edits.login.take();
    let mut next = edited(before, edits);
    if let Some(login) = login {
        next.login = choose_login(txn, tenant, Some(&login), "", "", None, Some(next.id)).await?;
        next.login_key = next.login.clone();
    }
    let claim = free_addresses(txn, tenant, &next).await?;
    if next.email != before.email {
        links_voided_by(txn, &tenant.slug, &[next.id], AccountChange::PasswordOrEmail).await?;
    }
    let claim_is_new = claim.is_some() && next.secondary_email != before.secondary_email;
    let saved = save_profile(txn, before, next, Some(actor)).await?;
    if let (Some(address), true) = (claim, claim_is_new) {
        let locale = if saved.locale.is_empty() {
            tenant.default_locale.clone()
        } else {
            saved.locale.clone()
        };
        let mail = Mail::SecondaryEmailConfirm {
            member_id: saved.id,
            address: address.clone(),
        };
        enqueue(txn, &tenant.slug, &address, &locale, &mail).await?;
    }
    Ok(saved)
}

/// `before` with the edits of its profile fields (the login aside: choosing it reads
/// the database), and whether its second address counts yet.
fn edited(before: &members::Model, edits: ProfileEdits) -> members::Model {
    let mut next = before.clone();
    next.first_name = edits.first_name.unwrap_or(next.first_name);
    next.last_name = edits.last_name.unwrap_or(next.last_name);
    next.email = edits.email.unwrap_or(next.email);
    if let Some(secondary) = edits.secondary_email {
        if secondary != before.secondary_email {
            next.secondary_email_verified = secondary.is_none() || !edits.secondary_needs_proof;
        } else if !edits.secondary_needs_proof {
            // An admin giving the same address vouches for it.
            next.secondary_email_verified = true;
        }
        next.secondary_email = secondary;
    }
    next.phone = edits.phone.unwrap_or(next.phone);
    if let Some(locale) = edits.locale {
        next.locale = locale.unwrap_or_default();
    }
    next
}

/// Refuses addresses of `next` that are someone else's; its second address when it is a
/// claim still waiting for its proof, which is returned.
async fn free_addresses<C: ConnectionTrait>(txn: &C, tenant: &Tenant, next: &members::Model) -> Result<Option<String>> {
    // A claim waiting for its proof is checked against the member's own address
    // only: it must not tell whose another address is, nor block its owner.
    let claim = next.secondary_email.clone().filter(|_| !next.secondary_email_verified);
    let addresses = match &claim {
        None => vec![
            ("email", next.email.as_deref()),
            ("secondaryEmail", next.secondary_email.as_deref()),
        ],
        Some(_) => vec![("email", next.email.as_deref())],
    };
    check_emails_free(txn, &tenant.slug, &addresses, Some(next.id)).await?;
    if let (Some(claim), Some(own)) = (&claim, &next.email) {
        if email::key(claim) == email::key(own) {
            return Err(Error::invalid_worded(
                "secondaryEmail",
                "the two addresses must differ",
                "addresses-differ",
            ));
        }
    }
    Ok(claim)
}

/// Saves the member `next` over `before` through the member writer and audits
/// `member.updated` with the profile fields that changed; a changed main address is
/// unproven. Unchanged: nothing written.
pub async fn save_profile<C: ConnectionTrait>(
    conn: &C,
    before: &members::Model,
    mut next: members::Model,
    actor: Option<Uuid>,
) -> Result<members::Model> {
    if before.email != next.email {
        next.email_verified = false;
    }
    let changes = changed_fields(before, &next);
    let saved = write::save_member(conn, before, next).await?;
    if !changes.is_empty() {
        let details = json!({ "changes": changes });
        audit::record(conn, &saved.tenant, actor, "member.updated", Some(saved.id), details).await?;
    }
    Ok(saved)
}

/// Field-by-field differences of the profile, for the audit log: the profile fields in
/// their order, and whether the second address counts.
fn changed_fields(before: &members::Model, after: &members::Model) -> Vec<serde_json::Value> {
    let proven = |m: &members::Model| Some(if m.secondary_email_verified { "true" } else { "false" });
    let mut pairs: Vec<(&str, Option<&str>, Option<&str>)> = ProfileField::ALL
        .iter()
        .map(|f| (f.api_name(), f.get(before), f.get(after)))
        .collect();
    let after_secondary = 1 + pairs
        .iter()
        .position(|(name, ..)| *name == "secondaryEmail")
        .unwrap_or(0);
    pairs.insert(
        after_secondary,
        ("secondaryEmailVerified", proven(before), proven(after)),
    );
    pairs
        .into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(field, b, a)| json!({ "field": field, "before": b, "after": a }))
        .collect()
}
