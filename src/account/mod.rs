//! Getting back into an account: password reset (self-service and sent by an admin),
//! and changing one's email address with a confirmation and a "this wasn't me" link.

pub mod credentials;
pub mod tokens;

use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use self::credentials::{links_voided_by, AccountChange};
use self::tokens::Purpose;
use crate::app::App;
use crate::audit;
use crate::auth::token::hash_token;
use crate::auth::{open_session, rate_limit, token_attempts, Caller, OpenedSession, Visitor};
use crate::config::Permission;
use crate::error::{Error, Result};
use crate::mail::outbox::{enqueue, Mail};
use crate::members::create::{check_emails_free, lock_addresses};
use crate::members::fields::Checks;
use crate::members::{find, find_by_identifier, write, Status};
use crate::values::{email, password};
use entity::members as member;

fn locale_of(member: &member::Model, visitor_default: &str) -> String {
    if member.locale.is_empty() {
        visitor_default.to_owned()
    } else {
        member.locale.clone()
    }
}

/// Where a password reset or email change link stands, for the page behind it: live,
/// or why it no longer works. Tells the holder nothing beyond their own link.
pub async fn link_state(app: &App, visitor: &Visitor, purpose: Purpose, token: &str) -> Result<tokens::LinkState> {
    tokens::state(&app.db, &visitor.tenant.slug, purpose, token).await
}

/// Sends a reset link to a known, active member with an email; says nothing either way.
/// Limited per account by the tenant's `password_reset_per_account`.
pub async fn request_password_reset(app: &App, visitor: &Visitor, identifier: &str) -> Result<bool> {
    let tenant = &visitor.tenant;
    let identifier = identifier.trim();
    if identifier.is_empty() || identifier.len() > 320 {
        return Ok(true);
    }
    let key = format!("reset:{}:{}", tenant.slug, hash_token(&identifier.to_lowercase()));
    let limit = tenant.rate_limits.password_reset_per_account;
    match rate_limit::reserve(app, &[(key, limit)]).await {
        Ok(attempt) => attempt.keep(),
        // Over the limit the answer is the same: nothing tells whether a mail went out.
        Err(Error::RateLimited { .. }) => return Ok(true),
        Err(err) => return Err(err),
    }
    let Some(member) = find_by_identifier(&app.db, &tenant.slug, identifier).await? else {
        return Ok(true);
    };
    let (Some(address), true) = (member.email.clone(), member.status == Status::Active) else {
        return Ok(true);
    };
    queue_reset(
        app,
        &tenant.slug,
        &member,
        &address,
        &locale_of(&member, &tenant.default_locale),
        None,
    )
    .await?;
    Ok(true)
}

async fn queue_reset(
    app: &App,
    tenant: &str,
    member: &member::Model,
    address: &str,
    locale: &str,
    actor: Option<Uuid>,
) -> Result<()> {
    let (tenant, address, locale, id) = (tenant.to_owned(), address.to_owned(), locale.to_owned(), member.id);
    app.db
        .transaction::<_, (), Error>(move |txn| {
            Box::pin(async move {
                enqueue(txn, &tenant, &address, &locale, &Mail::PasswordReset { member_id: id }).await?;
                audit::record(txn, &tenant, actor, "member.password_reset_sent", Some(id), json!({})).await
            })
        })
        .await?;
    Ok(())
}

/// Admin: sends the member a reset link (members.update).
pub async fn send_password_reset(app: &App, caller: &Caller, id: Uuid) -> Result<bool> {
    let member = crate::members::read::member_in_scope(&app.db, caller, Permission::MembersUpdate, id).await?;
    let Some(address) = member.email.clone() else {
        return Err(Error::invalid("id", "this member has no email address"));
    };
    if member.status != Status::Active {
        return Err(Error::invalid("id", "this member is deactivated"));
    }
    let locale = locale_of(&member, &caller.tenant.default_locale);
    queue_reset(
        app,
        &caller.tenant.slug,
        &member,
        &address,
        &locale,
        Some(caller.member_id()),
    )
    .await?;
    Ok(true)
}

/// Sets a new password from a reset link: single use; every other session ends.
pub async fn reset_password(
    app: &App,
    visitor: &Visitor,
    token: &str,
    new_password: &str,
) -> Result<(OpenedSession, member::Model)> {
    token_attempts::guarded(app, visitor, reset_password_once(app, visitor, token, new_password)).await
}

async fn reset_password_once(
    app: &App,
    visitor: &Visitor,
    token: &str,
    new_password: &str,
) -> Result<(OpenedSession, member::Model)> {
    let tenant = visitor.tenant.clone();
    let found = tokens::peek(&app.db, &tenant.slug, Purpose::PasswordReset, token).await?;
    let mut checks = Checks::new();
    checks.password("newPassword", &tenant, new_password);
    checks.finish()?;
    let member = find(&app.db, &tenant.slug, found.member_id)
        .await?
        .ok_or(Error::TokenInvalid)?;
    if member.status != Status::Active {
        return Err(Error::AccountDeactivated);
    }
    let hash = password::hash(new_password.to_owned()).await?;
    let slug = tenant.slug.clone();
    let saved = app
        .db
        .transaction::<_, member::Model, Error>(move |txn| {
            Box::pin(async move {
                tokens::consume(txn, &found).await?;
                links_voided_by(txn, &slug, &[member.id], AccountChange::PasswordOrEmail).await?;
                let mut next = member.clone();
                next.password_hash = Some(hash);
                next.uses_default_password = false;
                next.must_change_password = false;
                next.last_login_at = Some(crate::stored::now());
                let saved = write::save_member(txn, &member, next).await?;
                audit::record(
                    txn,
                    &slug,
                    Some(saved.id),
                    "member.password_reset",
                    Some(saved.id),
                    json!({}),
                )
                .await?;
                Ok(saved)
            })
        })
        .await?;
    app.sessions
        .remove_member_sessions(&tenant.slug, saved.id, None)
        .await?;
    let session = open_session(app, &tenant, saved.id, false).await?;
    Ok((session, saved))
}

/// Sends a confirmation link to the new address and a notice (with a "this wasn't me"
/// link) to the old one; nothing changes until confirmed.
pub async fn request_email_change(app: &App, caller: &Caller, new_email: &str, current_password: &str) -> Result<bool> {
    let member = &caller.member;
    caller.require_current_password(current_password).await?;
    let mut checks = Checks::new();
    let address = checks.email("newEmail", Some(new_email));
    if new_email.trim().is_empty() {
        checks.fail("newEmail", "must not be empty");
    }
    checks.finish()?;
    let address = address.expect("checked above");
    if member.email.as_deref().map(email::key) == Some(email::key(&address)) {
        return Err(Error::invalid("newEmail", "this is already your address"));
    }
    check_emails_free(
        &app.db,
        &caller.tenant.slug,
        &[("newEmail", Some(&address))],
        Some(member.id),
    )
    .await?;
    let tenant = caller.tenant.slug.clone();
    let locale = locale_of(member, &caller.tenant.default_locale);
    let (id, old) = (member.id, member.email.clone());
    app.db
        .transaction::<_, (), Error>(move |txn| {
            Box::pin(async move {
                let confirm = Mail::EmailChangeConfirm {
                    member_id: id,
                    new_email: address.clone(),
                };
                enqueue(txn, &tenant, &address, &locale, &confirm).await?;
                if let Some(old) = &old {
                    let notice = Mail::EmailChangeNotice {
                        member_id: id,
                        old_email: old.clone(),
                        new_email: address.clone(),
                    };
                    enqueue(txn, &tenant, old, &locale, &notice).await?;
                }
                let details = json!({ "newEmail": address });
                audit::record(
                    txn,
                    &tenant,
                    Some(id),
                    "member.email_change_requested",
                    Some(id),
                    details,
                )
                .await
            })
        })
        .await?;
    Ok(true)
}

/// Which of a member's addresses a confirmation link proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmedAddress {
    /// A new main address (an email change).
    Main,
    /// A second address the member set on their profile.
    Second,
}

/// Applies a confirmation link: an email change (the new address becomes the main one)
/// or a second address the member set (it now counts). Either way the address counts as
/// verified; VALIDATION when another member holds it by now (the first to confirm wins).
pub async fn confirm_email_change(
    app: &App,
    visitor: &Visitor,
    token: &str,
) -> Result<(member::Model, ConfirmedAddress)> {
    token_attempts::guarded(app, visitor, confirm_email_change_once(app, visitor, token)).await
}

async fn confirm_email_change_once(
    app: &App,
    visitor: &Visitor,
    token: &str,
) -> Result<(member::Model, ConfirmedAddress)> {
    let tenant = visitor.tenant.clone();
    let found = tokens::peek(&app.db, &tenant.slug, Purpose::EmailChangeConfirm, token).await?;
    let payload: serde_json::Value =
        crate::stored::decode("one_time_tokens", "payload", found.member_id, &found.payload)?;
    let (address, kind) = match (payload["newEmail"].as_str(), payload["secondaryEmail"].as_str()) {
        (Some(address), _) => (address.to_owned(), ConfirmedAddress::Main),
        (None, Some(address)) => (address.to_owned(), ConfirmedAddress::Second),
        (None, None) => return Err(Error::TokenInvalid),
    };
    let member = find(&app.db, &tenant.slug, found.member_id)
        .await?
        .ok_or(Error::TokenInvalid)?;
    if kind == ConfirmedAddress::Second {
        // The link proves the claim it was sent for, while it is still the member's claim.
        let claimed = member.secondary_email.as_deref().map(email::key);
        if claimed != Some(email::key(&address)) || member.secondary_email_verified {
            return Err(Error::TokenInvalid);
        }
    }
    let slug = tenant.slug.clone();
    let saved = app
        .db
        .transaction::<_, member::Model, Error>(move |txn| {
            Box::pin(async move {
                lock_addresses(txn, &slug).await?;
                let field = match kind {
                    ConfirmedAddress::Main => "newEmail",
                    ConfirmedAddress::Second => "secondaryEmail",
                };
                check_emails_free(txn, &slug, &[(field, Some(&address))], Some(member.id)).await?;
                tokens::consume(txn, &found).await?;
                let mut next = member.clone();
                match kind {
                    ConfirmedAddress::Main => {
                        links_voided_by(txn, &slug, &[member.id], AccountChange::PasswordOrEmail).await?;
                        next.email = Some(address);
                    }
                    ConfirmedAddress::Second => next.secondary_email_verified = true,
                }
                let saved = crate::members::update::save_profile(txn, &member, next, Some(member.id)).await?;
                if kind == ConfirmedAddress::Second {
                    return Ok(saved);
                }
                // The link proved the new address: it is verified from now on.
                let mut proven = saved.clone();
                proven.email_verified = true;
                write::save_member(txn, &saved, proven).await
            })
        })
        .await?;
    Ok((saved, kind))
}

/// "This wasn't me": puts the old address back, ends every session, and sends a reset
/// link to the old address.
pub async fn revert_email_change(app: &App, visitor: &Visitor, token: &str) -> Result<bool> {
    token_attempts::guarded(app, visitor, revert_email_change_once(app, visitor, token)).await
}

async fn revert_email_change_once(app: &App, visitor: &Visitor, token: &str) -> Result<bool> {
    let tenant = visitor.tenant.clone();
    let found = tokens::peek(&app.db, &tenant.slug, Purpose::EmailChangeRevert, token).await?;
    let payload: serde_json::Value =
        crate::stored::decode("one_time_tokens", "payload", found.member_id, &found.payload)?;
    let old_email = payload["oldEmail"]
        .as_str()
        .map(str::to_owned)
        .ok_or(Error::TokenInvalid)?;
    let member = find(&app.db, &tenant.slug, found.member_id)
        .await?
        .ok_or(Error::TokenInvalid)?;
    check_emails_free(&app.db, &tenant.slug, &[("email", Some(&old_email))], Some(member.id)).await?;
    let locale = locale_of(&member, &tenant.default_locale);
    let slug = tenant.slug.clone();
    let id = member.id;
    app.db
        .transaction::<_, (), Error>(move |txn| {
            Box::pin(async move {
                lock_addresses(txn, &slug).await?;
                check_emails_free(txn, &slug, &[("email", Some(&old_email))], Some(member.id)).await?;
                tokens::consume(txn, &found).await?;
                links_voided_by(txn, &slug, &[member.id], AccountChange::PasswordOrEmail).await?;
                let mut next = member.clone();
                next.email = Some(old_email.clone());
                crate::members::update::save_profile(txn, &member, next, Some(member.id)).await?;
                enqueue(
                    txn,
                    &slug,
                    &old_email,
                    &locale,
                    &Mail::PasswordReset { member_id: member.id },
                )
                .await?;
                audit::record(
                    txn,
                    &slug,
                    Some(member.id),
                    "member.email_change_reverted",
                    Some(member.id),
                    json!({}),
                )
                .await
            })
        })
        .await?;
    app.sessions.remove_member_sessions(&tenant.slug, id, None).await?;
    Ok(true)
}
