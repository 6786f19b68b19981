//! A member's data, as they may ask for it (GDPR, right of access): everything Roster
//! holds about them, as one JSON file behind a signed download link.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use uuid::Uuid;

use super::display_name;
use super::read::member_in_scope;
use super::write::held_addresses;
use crate::app::App;
use crate::auth::permissions::require;
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::downloads::{self, File, Link};
use crate::error::Result;
use crate::values::email;
use entity::{audit_log, group_members, groups, import_changes, import_jobs, invitations, members, role_assignments};

/// The content type of the file.
pub const JSON: &str = "application/json; charset=utf-8";

/// `myData`: the signed-in member's own data.
pub async fn my_data(app: &App, caller: &Caller) -> Result<Link> {
    data_link(app, &caller.tenant, &caller.member).await
}

/// `memberData(id)` (members.read and members.export, within the caller's reach):
/// NOT_FOUND-free — None for a member the caller cannot see.
pub async fn member_data(app: &App, caller: &Caller, id: Uuid) -> Result<Link> {
    require(&app.db, caller, Permission::MembersExport).await?;
    let member = member_in_scope(&app.db, caller, Permission::MembersRead, id).await?;
    data_link(app, &caller.tenant, &member).await
}

async fn data_link(app: &App, tenant: &Tenant, member: &members::Model) -> Result<Link> {
    let document = collect(&app.db, tenant, member).await?;
    let file = File {
        name: format!("roster-{}-{}.json", tenant.slug, member.login),
        content_type: JSON.to_owned(),
        bytes: serde_json::to_vec_pretty(&document).expect("JSON values serialise"),
    };
    downloads::store(app, tenant, file).await
}

/// Everything held about `member`: profile, roles, groups, invitations to them or
/// their addresses, the audit entries about them or by them, and the imports that
/// touched them.
pub async fn collect<C: ConnectionTrait>(conn: &C, tenant: &Tenant, member: &members::Model) -> Result<Value> {
    let (roles, groups) = roles_and_groups(conn, tenant, member).await?;
    Ok(json!({
        "organization": tenant.name,
        "generatedAt": crate::stored::now(),
        "member": member_fields(member),
        "roles": roles,
        "groups": groups,
        "invitations": invitations_of(conn, tenant, member).await?,
        "auditLog": audit_of(conn, tenant, member).await?,
        "imports": imports_of(conn, tenant, member).await?,
    }))
}

/// The member's own row, as they may read it (no password hash).
fn member_fields(member: &members::Model) -> Value {
    json!({
        "id": member.id,
        "login": member.login,
        "displayName": display_name(member),
        "firstName": member.first_name,
        "lastName": member.last_name,
        "email": member.email,
        "emailVerified": member.email_verified,
        "secondaryEmail": member.secondary_email,
        "secondaryEmailVerified": member.secondary_email_verified,
        "phone": member.phone,
        "locale": member.locale,
        "status": member.status,
        "origin": member.origin,
        "hasPassword": member.password_hash.is_some() || member.uses_default_password,
        "mustChangePassword": member.must_change_password,
        "createdAt": member.created_at,
        "updatedAt": member.updated_at,
        "lastSignInAt": member.last_login_at,
        "deactivatedAt": member.deactivated_at,
    })
}

/// The member's roles (with the group each is limited to) and groups.
async fn roles_and_groups<C: ConnectionTrait>(
    conn: &C,
    tenant: &Tenant,
    member: &members::Model,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let roles = role_assignments::Entity::find()
        .filter(role_assignments::Column::Tenant.eq(&tenant.slug))
        .filter(role_assignments::Column::MemberId.eq(member.id))
        .all(conn)
        .await?;
    let group_names = |ids: Vec<Uuid>| async move {
        Ok::<_, crate::error::Error>(
            groups::Entity::find()
                .filter(groups::Column::Tenant.eq(&tenant.slug))
                .filter(groups::Column::Id.is_in(ids))
                .all(conn)
                .await?,
        )
    };
    let role_groups = group_names(roles.iter().filter_map(|r| r.group_id).collect()).await?;
    let group_of = |id: Option<Uuid>| {
        id.and_then(|id| role_groups.iter().find(|g| g.id == id))
            .map(|g| g.name.clone())
    };
    let roles: Vec<Value> = roles
        .iter()
        .map(|r| json!({ "role": r.role, "group": group_of(r.group_id), "since": r.created_at }))
        .collect();
    let memberships = group_members::Entity::find()
        .filter(group_members::Column::MemberId.eq(member.id))
        .all(conn)
        .await?;
    let groups: Vec<Value> = group_names(memberships.iter().map(|m| m.group_id).collect())
        .await?
        .iter()
        .map(|g| json!({ "name": g.name, "smart": g.rule.is_some() }))
        .collect();
    Ok((roles, groups))
}

/// Invitations sent to the member or to an address they hold.
async fn invitations_of<C: ConnectionTrait>(conn: &C, tenant: &Tenant, member: &members::Model) -> Result<Vec<Value>> {
    let keys: Vec<String> = held_addresses(member).map(|(_, a)| email::key(a)).collect();
    Ok(invitations::Entity::find()
        .filter(invitations::Column::Tenant.eq(&tenant.slug))
        .filter(
            Condition::any()
                .add(invitations::Column::MemberId.eq(member.id))
                .add(invitations::Column::EmailKey.is_in(keys)),
        )
        .order_by_asc(invitations::Column::CreatedAt)
        .all(conn)
        .await?
        .iter()
        .map(|i| {
            json!({
                "kind": i.kind, "email": i.email, "status": i.status, "firstName": i.first_name,
                "lastName": i.last_name, "message": i.message, "sentAt": i.sent_at, "createdAt": i.created_at,
                "expiresAt": i.expires_at, "acceptedAt": i.accepted_at, "revokedAt": i.revoked_at,
            })
        })
        .collect())
}

/// Audit entries by or about the member, oldest first.
async fn audit_of<C: ConnectionTrait>(conn: &C, tenant: &Tenant, member: &members::Model) -> Result<Vec<Value>> {
    Ok(audit_log::Entity::find()
        .filter(audit_log::Column::Tenant.eq(&tenant.slug))
        .filter(
            Condition::any()
                .add(audit_log::Column::TargetId.eq(member.id))
                .add(audit_log::Column::ActorId.eq(member.id)),
        )
        .order_by_asc(audit_log::Column::At)
        .all(conn)
        .await?
        .iter()
        .map(|e| {
            json!({
                "at": e.at,
                "action": e.action,
                "byThisMember": e.actor_id == Some(member.id),
                "aboutThisMember": e.target_id == Some(member.id),
                "details": as_stored(&e.details),
            })
        })
        .collect())
}

/// What imports did to the member, with each import's file and outcome (the jobs read in
/// one query).
async fn imports_of<C: ConnectionTrait>(conn: &C, tenant: &Tenant, member: &members::Model) -> Result<Vec<Value>> {
    let changes = import_changes::Entity::find()
        .filter(import_changes::Column::Tenant.eq(&tenant.slug))
        .filter(import_changes::Column::MemberId.eq(member.id))
        .all(conn)
        .await?;
    let job_ids: Vec<Uuid> = changes.iter().map(|c| c.job_id).collect();
    let jobs: HashMap<Uuid, import_jobs::Model> = import_jobs::Entity::find()
        .filter(import_jobs::Column::Id.is_in(job_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|job| (job.id, job))
        .collect();
    Ok(changes
        .iter()
        .map(|change| {
            let job = jobs.get(&change.job_id);
            json!({
                "import": change.job_id,
                "fileName": job.map(|j| j.file_name.clone()),
                "mode": job.map(|j| j.mode),
                "status": job.map(|j| j.status),
                "appliedAt": job.and_then(|j| j.applied_at),
                "change": change.kind,
                "fields": as_stored(&change.changes),
            })
        })
        .collect())
}

/// A JSON column as it is stored, for the member's copy of their data: its text as it
/// is when it does not decode, since a copy of one's data leaves nothing out.
fn as_stored(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}
