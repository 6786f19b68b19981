//! `undoImport`: reverts a DONE import within the tenant's undo window. Created members
//! are deactivated (and their invitations revoked), updated fields and roles and groups
//! restored, deactivated members reactivated and reactivated ones deactivated again,
//! invitations revoked, group additions removed. A member changed since the import is
//! left as it is and listed. One transaction.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveEnum, ActiveModelTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, TransactionTrait};
use uuid::Uuid;

use super::apply::{begin_member_writes, end_sessions, sent_by, set_active, set_from_file};
use super::history::require_job;
use super::plan::{Edit, Payload};
use super::saved_plan::{load_changes, Stored};
use super::{ChangeKind, JobStatus, Options};
use crate::account::credentials::{links_voided_by, AccountChange};
use crate::app::App;
use crate::audit;
use crate::auth::permissions::require;
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::error::{Error, Result};
use crate::invitations::tokens;
use crate::members::write;
use crate::members::Status;
use entity::{groups, import_jobs, invitations, members};

/// `undoImport` (imports.run).
pub async fn undo_import(app: &App, caller: &Caller, id: Uuid) -> Result<import_jobs::Model> {
    require(&app.db, caller, Permission::ImportsRun).await?;
    let tenant = caller.tenant.clone();
    let job = require_job(&app.db, &tenant.slug, id).await?;
    if job.status != JobStatus::Done {
        return Err(Error::Conflict(format!(
            "This import is {}: only an applied (DONE) import can be undone.",
            job.status.to_value()
        )));
    }
    if job.undoable_until.is_none_or(|until| until <= crate::stored::now()) {
        return Err(Error::Conflict("The undo window of this import has passed.".into()));
    }
    let actor = caller.member_id();
    let _held = app.imports.hold_tenant(&tenant.slug)?;
    let (undone, deactivated) = app
        .db
        .transaction::<_, (import_jobs::Model, Vec<Uuid>), Error>(move |txn| {
            Box::pin(async move {
                begin_member_writes(txn, &tenant.slug, job.id).await?;
                revert(txn, &tenant, job, actor).await
            })
        })
        .await
        .map_err(Error::from)?;
    end_sessions(app, &caller.tenant.slug, &deactivated).await;
    Ok(undone)
}

async fn revert<C: ConnectionTrait>(
    txn: &C,
    tenant: &Tenant,
    mut job: import_jobs::Model,
    actor: Uuid,
) -> Result<(import_jobs::Model, Vec<Uuid>)> {
    claim(txn, job.id).await?;
    let changes = load_changes(txn, job.id).await?;
    let current = lock_members(txn, tenant, &changes).await?;
    let now = crate::stored::now();
    let plan = UndoPlan::of(txn, tenant, &changes, &current, now).await?;
    write::set_status(txn, &tenant.slug, &plan.deactivate, Status::Deactivated, now).await?;
    write::set_status(txn, &tenant.slug, &plan.reactivate, Status::Active, now).await?;
    write::bump_versions(txn, &tenant.slug, &plan.roles_or_groups_only, now).await?;
    let restored = write::save_members(txn, plan.restored).await?;
    // A restored password or address is a change like any other: links sent meanwhile end.
    links_voided_by(txn, &tenant.slug, &plan.deactivate, AccountChange::Closed).await?;
    let restored_ids: Vec<Uuid> = restored.iter().map(|m| m.id).collect();
    links_voided_by(txn, &tenant.slug, &restored_ids, AccountChange::PasswordOrEmail).await?;
    let revoked = revoke_sent_invitations(txn, tenant, job.id, now).await?;
    let options = Options::of_job(&job)?;
    let groups_deleted = crate::groups::delete_unused(
        txn,
        &tenant.slug,
        &options.created_groups,
        job.id,
        actor,
        "import_undone",
    )
    .await?;

    let mut options = options;
    options.left_alone = plan.left_alone.clone();
    job.status = JobStatus::Undone;
    job.options = serde_json::to_string(&options).expect("options serialise");
    job.undoable_until = None;
    job.updated_at = now;
    job.clone().into_active_model().reset_all().update(txn).await?;
    let mut deactivated = plan.deactivate.clone();
    deactivated.extend(
        restored
            .iter()
            .filter(|m| m.status == Status::Deactivated)
            .map(|m| m.id),
    );
    audit::record(
        txn,
        &tenant.slug,
        Some(actor),
        "import.undone",
        Some(job.id),
        serde_json::json!({
            "deactivated": plan.deactivate.len(),
            "reactivated": plan.reactivate.len(),
            "restored": restored.len() + plan.roles_or_groups_only.len(),
            "invitationsRevoked": revoked,
            "leftAlone": plan.left_alone.len(),
            "groupsDeleted": groups_deleted.len(),
        }),
    )
    .await?;
    Ok((job, deactivated))
}

/// Claims the job for this undo: a second undo waits for this one and then sees UNDONE
/// (CONFLICT).
async fn claim<C: ConnectionTrait>(txn: &C, job: Uuid) -> Result<()> {
    let claimed = import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::Status, Expr::value(JobStatus::Undone))
        .filter(import_jobs::Column::Id.eq(job))
        .filter(import_jobs::Column::Status.eq(JobStatus::Done))
        .exec(txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Err(Error::Conflict("This import was undone meanwhile.".into()));
    }
    Ok(())
}

/// The members the import touched as they are now, locked until the commit.
async fn lock_members<C: ConnectionTrait>(
    txn: &C,
    tenant: &Tenant,
    changes: &[Stored],
) -> Result<HashMap<Uuid, members::Model>> {
    let ids: Vec<Uuid> = changes
        .iter()
        .filter(|c| c.kind != ChangeKind::Invite)
        .filter_map(|c| c.member_id)
        .collect();
    let mut current = HashMap::new();
    for chunk in ids.chunks(500) {
        for m in members::Entity::find()
            .filter(crate::members::of_tenant_among(&tenant.slug, chunk.iter().copied()))
            .lock_exclusive()
            .all(txn)
            .await?
        {
            current.insert(m.id, m);
        }
    }
    Ok(current)
}

/// What undoing each change comes to, member by member; roles, groups and group
/// additions are put back as the changes are sorted.
struct UndoPlan<'m> {
    /// Changed since the import: left as they are.
    left_alone: Vec<Uuid>,
    deactivate: Vec<Uuid>,
    reactivate: Vec<Uuid>,
    /// Rows to save: (as now, as before the import).
    restored: Vec<(&'m members::Model, members::Model)>,
    /// Only roles or groups changed: their version moves.
    roles_or_groups_only: Vec<Uuid>,
}

impl<'m> UndoPlan<'m> {
    async fn of<C: ConnectionTrait>(
        txn: &C,
        tenant: &Tenant,
        changes: &[Stored],
        current: &'m HashMap<Uuid, members::Model>,
        now: chrono::DateTime<Utc>,
    ) -> Result<Self> {
        // What the import left: created members at version 1, others one past the preview.
        let untouched_since = |c: &Stored, m: &members::Model| match c.kind {
            ChangeKind::Create => m.version == 1,
            ChangeKind::AddToGroups => true,
            _ => c.member_version.map(|v| v + 1) == Some(m.version),
        };
        let mut plan = UndoPlan {
            left_alone: Vec::new(),
            deactivate: Vec::new(),
            reactivate: Vec::new(),
            restored: Vec::new(),
            roles_or_groups_only: Vec::new(),
        };
        for change in changes.iter().filter(|c| c.kind != ChangeKind::Invite) {
            let Some(member) = change.member_id.and_then(|id| current.get(&id)) else {
                continue;
            };
            if !untouched_since(change, member) {
                plan.left_alone.push(member.id);
                continue;
            }
            match &change.payload {
                Payload::Create(_) if member.status == Status::Active => plan.deactivate.push(member.id),
                Payload::Edit(edit) => {
                    restore_links(txn, tenant, member.id, edit).await?;
                    let status_only = edit.fields.is_empty() && !edit.set_password;
                    match (status_only, edit.active) {
                        (true, Some((before, _))) if before => plan.reactivate.push(member.id),
                        (true, Some(_)) => plan.deactivate.push(member.id),
                        (true, None) => plan.roles_or_groups_only.push(member.id),
                        (false, _) => plan.restored.push((member, restore_fields(member, edit, now))),
                    }
                }
                Payload::AddToGroups { groups: names } => {
                    let ids = group_ids(txn, tenant, names).await?;
                    write::remove_from_groups(txn, &[member.id], &ids).await?;
                }
                _ => {}
            }
        }
        Ok(plan)
    }
}

/// Revokes the invitations the import sent (join ones, and activations of created
/// members) that are still pending; returns how many.
async fn revoke_sent_invitations<C: ConnectionTrait>(
    txn: &C,
    tenant: &Tenant,
    job: Uuid,
    now: chrono::DateTime<Utc>,
) -> Result<usize> {
    let pending: Vec<Uuid> = invitations::Entity::find()
        .select_only()
        .column(invitations::Column::Id)
        .filter(invitations::Column::Tenant.eq(&tenant.slug))
        .filter(sent_by(job))
        .into_tuple()
        .all(txn)
        .await?;
    for chunk in pending.chunks(500) {
        invitations::Entity::update_many()
            .col_expr(invitations::Column::Status, Expr::value(invitations::Status::Revoked))
            .col_expr(invitations::Column::RevokedAt, Expr::value(Some(now)))
            .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
            .filter(invitations::Column::Id.is_in(chunk.to_vec()))
            .exec(txn)
            .await?;
    }
    tokens::revoke_all(txn, &pending).await?;
    Ok(pending.len())
}

/// The member with its fields, password state and status as before the import.
fn restore_fields(member: &members::Model, edit: &Edit, now: chrono::DateTime<Utc>) -> members::Model {
    let mut member = member.clone();
    for change in &edit.fields {
        set_from_file(&mut member, change.field, change.before.clone());
    }
    if let Some((hash, uses_default, must_change)) = &edit.previous_password {
        member.password_hash = hash.clone();
        member.uses_default_password = *uses_default;
        member.must_change_password = *must_change;
    }
    if let Some((before, _)) = edit.active {
        set_active(&mut member, before, now);
    }
    member
}

/// Puts back the tenant-wide roles and manual groups the import changed.
async fn restore_links<C: ConnectionTrait>(conn: &C, tenant: &Tenant, member: Uuid, edit: &Edit) -> Result<()> {
    if let Some((before, after)) = &edit.roles {
        let added: Vec<String> = after.iter().filter(|r| !before.contains(r)).cloned().collect();
        write::remove_roles(conn, &tenant.slug, &[member], &added).await?;
        let now = crate::stored::now();
        let removed = before
            .iter()
            .filter(|r| !after.contains(r))
            .map(|role| write::role_assignment(&tenant.slug, member, role, None, now))
            .collect();
        write::insert_all(conn, removed).await?;
    }
    if let Some((before, after)) = &edit.groups {
        let after = group_ids(conn, tenant, after).await?;
        let added: Vec<Uuid> = after.iter().filter(|g| !before.contains(g)).copied().collect();
        write::remove_from_groups(conn, &[member], &added).await?;
        // Groups deleted since then are gone; the rest get the member back.
        let still_there: Vec<Uuid> = groups::Entity::find()
            .select_only()
            .column(groups::Column::Id)
            .filter(groups::Column::Id.is_in(before.clone()))
            .into_tuple()
            .all(conn)
            .await?;
        let rows = before
            .iter()
            .filter(|g| !after.contains(g) && still_there.contains(g))
            .map(|g| write::membership_of(&tenant.slug, member, *g, crate::stored::now()))
            .collect();
        write::add_to_groups(conn, rows).await?;
    }
    Ok(())
}

/// Ids of the tenant's manual groups with these names (case-insensitive).
async fn group_ids<C: ConnectionTrait>(conn: &C, tenant: &Tenant, names: &[String]) -> Result<Vec<Uuid>> {
    let keys: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    Ok(groups::Entity::find()
        .select_only()
        .column(groups::Column::Id)
        .filter(groups::Column::Tenant.eq(&tenant.slug))
        .filter(groups::Column::NameKey.is_in(keys))
        .into_tuple()
        .all(conn)
        .await?)
}
