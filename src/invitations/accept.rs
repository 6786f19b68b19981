//! The invited person's side: accepting an invitation, asking for a new one.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::link::is_expired;
use super::{tokens, Kind};
use crate::app::App;
use crate::audit;
use crate::auth::{open_session, token_attempts, OpenedSession, Visitor};
use crate::config::Tenant;
use crate::error::{Error, Result};
use crate::mail::outbox::{enqueue, Mail};
use crate::members::create::{insert, lock_addresses, NewMember, PasswordChoice};
use crate::members::fields::Checks;
use crate::members::{self, write, Origin, Status};
use crate::values::password;
use entity::{groups, invitations, role_assignments};

/// What a person sends to accept an invitation: its token, their names (when absent,
/// the invitation's), the password they choose, their language.
#[derive(Debug, Clone, Default)]
pub struct Acceptance {
    pub token: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub password: String,
    pub locale: Option<String>,
}

/// Accepts an invitation: JOIN creates the member with the invitation's roles, groups
/// and locale; ACTIVATION sets the pre-created member's password. The email counts as
/// verified and the person is signed in. Single use.
pub async fn accept_invitation(
    app: &App,
    visitor: &Visitor,
    input: Acceptance,
) -> Result<(OpenedSession, entity::members::Model)> {
    token_attempts::guarded(app, visitor, accept_once(app, visitor, input)).await
}

async fn accept_once(
    app: &App,
    visitor: &Visitor,
    input: Acceptance,
) -> Result<(OpenedSession, entity::members::Model)> {
    let tenant = visitor.tenant.clone();
    let inv = pending(app, &tenant.slug, &input.token).await?;
    let newcomer = checked_newcomer(&tenant, &inv, &input).await?;
    let member = app
        .db
        .transaction::<_, entity::members::Model, Error>(move |txn| {
            Box::pin(async move { accept_in(txn, &tenant, &inv, newcomer).await })
        })
        .await?;
    let session = open_session(app, &visitor.tenant, member.id, false).await?;
    Ok((session, member))
}

/// The pending invitation `token` opens, else why it cannot be accepted.
async fn pending(app: &App, tenant: &str, token: &str) -> Result<invitations::Model> {
    let Some(inv) = tokens::lookup(&app.db, tenant, token).await? else {
        return Err(Error::TokenInvalid);
    };
    if is_expired(&inv) {
        return Err(Error::InvitationExpired);
    }
    if inv.status != invitations::Status::Pending {
        return Err(Error::TokenInvalid);
    }
    Ok(inv)
}

/// The acceptance form checked, the password hashed. The names are the form's, else the
/// invitation's; an activation keeps them unchecked (its member exists already).
async fn checked_newcomer(tenant: &Tenant, inv: &invitations::Model, input: &Acceptance) -> Result<Newcomer> {
    let mut checks = Checks::new();
    let first = input.first_name.clone().or(inv.first_name.clone()).unwrap_or_default();
    let last = input.last_name.clone().or(inv.last_name.clone()).unwrap_or_default();
    let (first_name, last_name) = if inv.kind == Kind::Activation {
        (first, last)
    } else {
        (checks.name("firstName", &first), checks.name("lastName", &last))
    };
    let locale = checks.locale("locale", tenant, input.locale.as_deref());
    checks.password("password", tenant, &input.password);
    checks.finish()?;
    Ok(Newcomer {
        first_name,
        last_name,
        locale,
        password_hash: password::hash(input.password.clone()).await?,
    })
}

/// Accepts the invitation in one transaction: claims it, activates or creates its member,
/// records who it made, writes the audit entry.
async fn accept_in<C: sea_orm::ConnectionTrait>(
    txn: &C,
    tenant: &Tenant,
    inv: &invitations::Model,
    newcomer: Newcomer,
) -> Result<entity::members::Model> {
    let slug = &tenant.slug;
    lock_addresses(txn, slug).await?;
    claim(txn, inv.id).await?;
    tokens::revoke_all(txn, &[inv.id]).await?;
    let member = if inv.kind == Kind::Activation {
        activate(txn, slug, inv, newcomer.password_hash).await?
    } else {
        join(txn, tenant, inv, newcomer).await?
    };
    invitations::Entity::update_many()
        .col_expr(invitations::Column::MemberId, Expr::value(Some(member.id)))
        .filter(invitations::Column::Id.eq(inv.id))
        .exec(txn)
        .await?;
    let details = json!({ "email": inv.email, "kind": inv.kind, "login": member.login });
    audit::record(txn, slug, Some(member.id), "invitation.accepted", Some(inv.id), details).await?;
    Ok(member)
}

/// Marks the invitation accepted, first of all: of two concurrent acceptances one wins,
/// the other finds it no longer pending.
async fn claim<C: sea_orm::ConnectionTrait>(txn: &C, id: Uuid) -> Result<()> {
    let claimed = invitations::Entity::update_many()
        .col_expr(invitations::Column::Status, Expr::value(invitations::Status::Accepted))
        .col_expr(invitations::Column::AcceptedAt, Expr::value(Some(crate::stored::now())))
        .col_expr(invitations::Column::UpdatedAt, Expr::value(crate::stored::now()))
        .filter(invitations::Column::Id.eq(id))
        .filter(invitations::Column::Status.eq(invitations::Status::Pending))
        .exec(txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(Error::TokenInvalid);
    }
    Ok(())
}

async fn activate<C: sea_orm::ConnectionTrait>(
    conn: &C,
    tenant: &str,
    inv: &invitations::Model,
    hash: String,
) -> Result<entity::members::Model> {
    let member = match inv.member_id {
        Some(id) => members::find(conn, tenant, id).await?,
        None => None,
    }
    .ok_or(Error::TokenInvalid)?;
    if member.status != Status::Active {
        return Err(Error::AccountDeactivated);
    }
    let mut next = member.clone();
    next.password_hash = Some(hash);
    next.uses_default_password = false;
    next.must_change_password = false;
    next.email_verified = true;
    next.last_login_at = Some(crate::stored::now());
    write::save_member(conn, &member, next).await
}

/// The person accepting an invitation, as the acceptance form checked them (an
/// activation uses only the password).
struct Newcomer {
    first_name: String,
    last_name: String,
    /// None: the invitation's locale.
    locale: Option<String>,
    /// The argon2id PHC string of the password they chose.
    password_hash: String,
}

/// Creates the member a JOIN invitation brings in, with the roles its inviter may still
/// grant and the groups that still exist.
async fn join<C: sea_orm::ConnectionTrait>(
    conn: &C,
    tenant: &crate::config::Tenant,
    inv: &invitations::Model,
    newcomer: Newcomer,
) -> Result<entity::members::Model> {
    if members::find_by_identifier(conn, &tenant.slug, &inv.email)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(
            "This address already belongs to a member: sign in, or reset your password.".into(),
        ));
    }
    let roles = super::roles_of(inv)?;
    let roles = roles_the_inviter_may_still_grant(conn, tenant, inv, roles).await?;
    let wanted_groups = super::group_ids_of(inv)?;
    // Groups deleted since the invitation are simply left out.
    let group_ids: Vec<Uuid> = if wanted_groups.is_empty() {
        Vec::new()
    } else {
        groups::Entity::find()
            .select_only()
            .column(groups::Column::Id)
            .filter(groups::Column::Tenant.eq(&tenant.slug))
            .filter(groups::Column::Id.is_in(wanted_groups))
            .filter(groups::Column::Rule.is_null())
            .into_tuple()
            .all(conn)
            .await?
    };
    let mut new = NewMember::named(&newcomer.first_name, &newcomer.last_name, Origin::Invitation);
    new.email = Some(inv.email.clone());
    new.email_verified = true;
    new.locale = newcomer.locale.or(Some(inv.locale.clone()));
    new.password = PasswordChoice::Hash(newcomer.password_hash);
    new.origin_import_id = inv.import_job_id;
    new.roles = roles
        .into_iter()
        .filter(|r| tenant.role(r).is_some())
        .map(|r| (r, None))
        .collect();
    new.group_ids = group_ids;
    new.signed_in = true;
    insert(conn, tenant, new).await
}

/// The invitation's roles that its inviter may still hand out now, at acceptance: an
/// inviter demoted or deactivated since inviting does not grant through an old link what
/// they could no longer grant today. Default roles (everyone's) always pass; an
/// invitation without an inviter (the command line) keeps its roles. Dropped roles are
/// written to the audit log (`invitation.roles_dropped`) for the admins.
async fn roles_the_inviter_may_still_grant<C: sea_orm::ConnectionTrait>(
    conn: &C,
    tenant: &crate::config::Tenant,
    inv: &invitations::Model,
    roles: Vec<String>,
) -> Result<Vec<String>> {
    let Some(inviter_id) = inv.invited_by else {
        return Ok(roles);
    };
    let inviter = members::find(conn, &tenant.slug, inviter_id)
        .await?
        .filter(|m| m.status == Status::Active);
    let grants = match &inviter {
        Some(inviter) => crate::auth::permissions::Grants::load(conn, tenant, inviter.id).await?,
        None => crate::auth::permissions::Grants::default(),
    };
    let (kept, dropped): (Vec<String>, Vec<String>) = roles.into_iter().partition(|key| {
        tenant
            .role(key)
            .is_some_and(|role| role.default || grants.can_hand_out(role, None))
    });
    if !dropped.is_empty() {
        let why = if inviter.is_some() {
            "inviter_lost_right"
        } else {
            "inviter_deactivated"
        };
        let details = json!({ "email": inv.email, "dropped": dropped, "inviter": inviter_id, "reason": why });
        audit::record(
            conn,
            &tenant.slug,
            None,
            "invitation.roles_dropped",
            Some(inv.id),
            details,
        )
        .await?;
    }
    Ok(kept)
}

/// From an expired link: tells the inviter (or the tenant's admins when the inviter is
/// gone) that this person asks for a new invitation, at most once a day. Always true.
pub async fn request_new_invitation(app: &App, visitor: &Visitor, token: &str) -> Result<bool> {
    let tenant = visitor.tenant.clone();
    // Any link of the invitation will do (a replaced one too): the inviter is only told.
    let Some((inv, _)) = tokens::find_any(&app.db, &tenant.slug, token).await? else {
        token_attempts::failed(app, visitor).await?;
        return Ok(true);
    };
    let recently = inv
        .new_invitation_requested_at
        .is_some_and(|at| at > crate::stored::now() - chrono::Duration::days(1));
    if !is_expired(&inv) || recently {
        return Ok(true);
    }
    let inviter = match inv.invited_by {
        Some(id) => members::find(&app.db, &tenant.slug, id).await?,
        None => None,
    }
    .filter(|m| m.status == Status::Active && m.email.is_some());
    let recipients: Vec<(String, String)> = match inviter {
        Some(m) => vec![(m.email.clone().unwrap_or_default(), m.locale.clone())],
        None => admins(app, &tenant).await?,
    };
    let slug = tenant.slug.clone();
    let default_locale = tenant.default_locale.clone();
    app.db
        .transaction::<_, (), Error>(move |txn| {
            Box::pin(async move {
                invitations::Entity::update_many()
                    .col_expr(
                        invitations::Column::NewInvitationRequestedAt,
                        Expr::value(Some(crate::stored::now())),
                    )
                    .filter(invitations::Column::Id.eq(inv.id))
                    .exec(txn)
                    .await?;
                for (address, locale) in &recipients {
                    let locale = if locale.is_empty() { &default_locale } else { locale };
                    let mail = Mail::NewInvitationRequest { invitation_id: inv.id };
                    enqueue(txn, &slug, address, locale, &mail).await?;
                }
                let details = json!({ "email": inv.email, "notified": recipients.len() });
                audit::record(txn, &slug, None, "invitation.new_requested", Some(inv.id), details).await
            })
        })
        .await?;
    Ok(true)
}

/// Active members holding the tenant's admin role, with an email.
async fn admins(app: &App, tenant: &crate::config::Tenant) -> Result<Vec<(String, String)>> {
    let Some(role) = tenant.admin_role() else {
        return Ok(Vec::new());
    };
    let holders = sea_orm::sea_query::Query::select()
        .column(role_assignments::Column::MemberId)
        .from(role_assignments::Entity)
        .and_where(role_assignments::Column::Tenant.eq(&tenant.slug))
        .and_where(role_assignments::Column::Role.eq(&role.key))
        .and_where(role_assignments::Column::GroupId.is_null())
        .to_owned();
    let rows = entity::members::Entity::find()
        .filter(entity::members::Column::Tenant.eq(&tenant.slug))
        .filter(entity::members::Column::Status.eq(Status::Active))
        .filter(entity::members::Column::Id.in_subquery(holders))
        .filter(entity::members::Column::Email.is_not_null())
        .all(&app.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| (m.email.unwrap_or_default(), m.locale))
        .collect())
}
