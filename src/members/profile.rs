//! Self-service: changing one's password and profile, and open registration.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde_json::json;

use super::create::{insert, lock_addresses, NewMember, PasswordChoice};
use super::fields::Checks;
use super::update::{apply_edits, check_edits, UpdateMember};
use super::{write, Origin};
use crate::account::credentials::{links_voided_by, AccountChange};
use crate::app::App;
use crate::audit;
use crate::auth::{open_session, rate_limit, Caller, OpenedSession, Visitor};
use crate::config::{Registration, Tenant};
use crate::error::{Error, Result};
use crate::values::{email, password};
use entity::{invitations, members};

/// `ProfileInput`: None leaves a field alone; an empty string clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub locale: Option<String>,
}

/// What a person signing up on an OPEN tenant sends.
#[derive(Debug, Clone)]
pub struct Registering {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
    pub locale: Option<String>,
}

/// Sets a new password after checking the current one; clears mustChangePassword, ends
/// every other session and opens a fresh, unrestricted one. Allowed in a restricted session.
pub async fn change_password(
    app: &App,
    caller: &Caller,
    current: &str,
    new_password: &str,
) -> Result<(OpenedSession, members::Model)> {
    let tenant = &caller.tenant;
    let member = &caller.member;
    caller.require_current_password(current).await?;
    let mut checks = Checks::new();
    checks.password("newPassword", tenant, new_password);
    if new_password == current {
        checks.fail("newPassword", "choose a password different from the current one");
    }
    checks.finish()?;
    let hash = password::hash(new_password.to_owned()).await?;
    let before = member.clone();
    let mut next = member.clone();
    next.password_hash = Some(hash);
    next.uses_default_password = false;
    next.must_change_password = false;
    let slug = tenant.slug.clone();
    let saved = app
        .db
        .transaction::<_, members::Model, Error>(move |txn| {
            Box::pin(async move {
                let saved = write::save_member(txn, &before, next).await?;
                links_voided_by(txn, &slug, &[saved.id], AccountChange::PasswordOrEmail).await?;
                audit::record(
                    txn,
                    &slug,
                    Some(saved.id),
                    "member.password_changed",
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
    let session = open_session(app, tenant, saved.id, false).await?;
    Ok((session, saved))
}

/// Changes the caller's own names, secondary email, phone or locale.
pub async fn update_my_profile(app: &App, caller: &Caller, change: ProfileChange) -> Result<members::Model> {
    let input = UpdateMember {
        first_name: change.first_name,
        last_name: change.last_name,
        secondary_email: change.secondary_email,
        phone: change.phone,
        locale: change.locale,
        ..UpdateMember::default()
    };
    let edits = check_edits(&caller.tenant, &input)?.by_the_member();
    apply_edits(
        app,
        caller.tenant.clone(),
        caller.member.clone(),
        edits,
        caller.member_id(),
    )
    .await
}

/// Creates an account on an OPEN tenant and signs it in. An address with a pending
/// invitation must use its link (INVITATION_REQUIRED).
pub async fn register(app: &App, visitor: &Visitor, input: Registering) -> Result<(OpenedSession, members::Model)> {
    let tenant = visitor.tenant.clone();
    if tenant.registration != Registration::Open {
        return Err(Error::Forbidden(
            "This organization admits members by invitation only.".into(),
        ));
    }
    let mut new = checked_registrant(&tenant, &input)?;
    // Each answer tells whether an address is known (CONFLICT, INVITATION_REQUIRED)
    // and each success hashes a password: both are bounded per client.
    if let Some(ip) = visitor.client_ip {
        let limit = tenant.rate_limits.register_per_ip;
        let key = format!("register:ip:{}:{ip}", tenant.slug);
        // Counted whatever the answer: each one tells something or costs a hash.
        rate_limit::reserve(app, &[(key, limit)]).await?.keep();
    }
    new.password = PasswordChoice::Hash(password::hash(input.password).await?);
    let member = app
        .db
        .transaction::<_, members::Model, Error>(move |txn| {
            Box::pin(async move { write_registrant(txn, &tenant, new).await })
        })
        .await?;
    let session = open_session(app, &visitor.tenant, member.id, false).await?;
    Ok((session, member))
}

/// The member a registration describes, every field checked; its password is hashed
/// later, once the client is within its limit.
fn checked_registrant(tenant: &Tenant, input: &Registering) -> Result<NewMember> {
    let mut checks = Checks::new();
    let address = checks.email("email", Some(&input.email));
    if address.is_none() && input.email.trim().is_empty() {
        checks.fail("email", "must not be empty");
    }
    let first_name = checks.name("firstName", &input.first_name);
    let last_name = checks.name("lastName", &input.last_name);
    let locale = checks.locale("locale", tenant, input.locale.as_deref());
    checks.password("password", tenant, &input.password);
    checks.finish()?;
    let mut new = NewMember::named(&first_name, &last_name, Origin::Registration);
    new.email = Some(address.expect("checked above"));
    new.locale = locale;
    Ok(new)
}

/// Writes a registered member and its audit entry, unless an invitation to their address
/// is pending (INVITATION_REQUIRED) or the address is someone's (CONFLICT).
async fn write_registrant<C: ConnectionTrait>(txn: &C, tenant: &Tenant, new: NewMember) -> Result<members::Model> {
    let address = new.email.clone().unwrap_or_default();
    // Read under the address lock: an invitation sent at this very moment is
    // either seen here or settled by this member when written.
    lock_addresses(txn, &tenant.slug).await?;
    let pending = invitations::Entity::find()
        .filter(invitations::Column::Tenant.eq(&tenant.slug))
        .filter(invitations::Column::EmailKey.eq(email::key(&address)))
        .filter(invitations::Column::Status.eq(invitations::Status::Pending))
        .count(txn)
        .await?;
    if pending > 0 {
        return Err(Error::InvitationRequired);
    }
    let member = insert(txn, tenant, new).await.map_err(|err| match err {
        // The address is someone's: say so without more detail.
        Error::Validation(fields) if fields.iter().any(|f| f.field == "email") => {
            Error::Conflict("An account already uses this address: sign in, or reset your password.".into())
        }
        other => other,
    })?;
    let details = json!({ "login": member.login, "origin": "registration" });
    audit::record(
        txn,
        &tenant.slug,
        Some(member.id),
        "member.registered",
        Some(member.id),
        details,
    )
    .await?;
    Ok(member)
}
