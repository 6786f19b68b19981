//! Merging a person's two accounts into one.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::read::member_in_scope;
use super::update::save_profile;
use super::write;
use crate::account::credentials::{links_voided_by, AccountChange};
use crate::app::App;
use crate::audit;
use crate::auth::Caller;
use crate::config::Permission;
use crate::error::{Error, Result};
use entity::{audit_log, group_members, import_changes, invitations, members, role_assignments};

/// Keeps `keep_id` and moves everything of `remove_id` onto it (members.merge): roles and
/// groups (union), invitations, import history and audit references; empty fields of the
/// kept member are filled from the removed one. The removed member is deleted and its
/// sessions end. One transaction.
pub async fn merge_members(app: &App, caller: &Caller, keep_id: Uuid, remove_id: Uuid) -> Result<members::Model> {
    if keep_id == remove_id {
        return Err(Error::invalid("removeId", "must differ from keepId"));
    }
    if remove_id == caller.member_id() {
        return Err(Error::invalid("removeId", "you cannot remove your own account"));
    }
    let keep = member_in_scope(&app.db, caller, Permission::MembersMerge, keep_id).await?;
    let remove = member_in_scope(&app.db, caller, Permission::MembersMerge, remove_id).await?;
    let tenant = caller.tenant.slug.clone();
    let actor = caller.member_id();
    let merged = app
        .db
        .transaction::<_, members::Model, Error>(move |txn| {
            Box::pin(async move {
                move_references(txn, &tenant, &keep, &remove).await?;
                // Free the removed member's addresses before the kept one takes them.
                write::delete_members(txn, &tenant, &[remove.id]).await?;
                let mut next = keep.clone();
                fill(&mut next.email, &remove.email);
                fill(&mut next.secondary_email, &remove.secondary_email);
                if next.secondary_email == next.email {
                    next.secondary_email = None;
                }
                fill(&mut next.phone, &remove.phone);
                if next.first_name.is_empty() {
                    next.first_name = remove.first_name.clone();
                }
                if next.last_name.is_empty() {
                    next.last_name = remove.last_name.clone();
                }
                if next.locale.is_empty() {
                    next.locale = remove.locale.clone();
                }
                if next.origin_import_id.is_none() {
                    next.origin_import_id = remove.origin_import_id;
                }
                let saved = save_profile(txn, &keep, next, Some(actor)).await?;
                let details =
                    json!({ "removedId": remove.id, "removedLogin": remove.login, "removedEmail": remove.email });
                audit::record(txn, &tenant, Some(actor), "member.merged", Some(saved.id), details).await?;
                Ok(saved)
            })
        })
        .await?;
    if let Err(err) = app
        .sessions
        .remove_member_sessions(&caller.tenant.slug, remove_id, None)
        .await
    {
        tracing::warn!(error = %err, "ending sessions of a merged member");
    }
    Ok(merged)
}

fn fill(target: &mut Option<String>, source: &Option<String>) {
    if target.as_deref().is_none_or(str::is_empty) {
        target.clone_from(source);
    }
}

/// Moves onto `keep` what of `remove` must outlive it: the roles and groups `keep` lacks,
/// and every reference by id; `remove`'s pending one-time links die with it.
async fn move_references<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    keep: &members::Model,
    remove: &members::Model,
) -> Result<()> {
    add_missing_roles(conn, keep.id, remove.id).await?;
    add_missing_groups(conn, keep.id, remove.id).await?;
    repoint_references(conn, tenant, keep.id, remove.id).await?;
    links_voided_by(conn, tenant, &[remove.id], AccountChange::Closed).await?;
    Ok(())
}

/// Gives `keep` the role assignments of `remove` it does not hold yet; the rest goes with
/// the delete.
async fn add_missing_roles<C: ConnectionTrait>(conn: &C, keep: Uuid, remove: Uuid) -> Result<()> {
    let roles = role_assignments::Entity::find()
        .filter(role_assignments::Column::MemberId.eq(remove))
        .all(conn)
        .await?;
    let kept_roles = role_assignments::Entity::find()
        .filter(role_assignments::Column::MemberId.eq(keep))
        .all(conn)
        .await?;
    for role in roles {
        if !kept_roles
            .iter()
            .any(|k| k.role == role.role && k.group_id == role.group_id)
        {
            role_assignments::Entity::update_many()
                .col_expr(role_assignments::Column::MemberId, Expr::value(keep))
                .filter(role_assignments::Column::Id.eq(role.id))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}

/// Puts `keep` in the groups of `remove` it is not in yet; the rest goes with the delete.
async fn add_missing_groups<C: ConnectionTrait>(conn: &C, keep: Uuid, remove: Uuid) -> Result<()> {
    let already = Query::select()
        .column(group_members::Column::GroupId)
        .from(group_members::Entity)
        .and_where(group_members::Column::MemberId.eq(keep))
        .to_owned();
    group_members::Entity::update_many()
        .col_expr(group_members::Column::MemberId, Expr::value(keep))
        .filter(group_members::Column::MemberId.eq(remove))
        .filter(group_members::Column::GroupId.not_in_subquery(already))
        .exec(conn)
        .await?;
    Ok(())
}

/// Points at `keep` what pointed at `remove`: invitations (for them, or sent by them),
/// import history, and audit entries (as actor or target).
async fn repoint_references<C: ConnectionTrait>(conn: &C, tenant: &str, keep: Uuid, remove: Uuid) -> Result<()> {
    invitations::Entity::update_many()
        .col_expr(invitations::Column::MemberId, Expr::value(keep))
        .filter(invitations::Column::Tenant.eq(tenant))
        .filter(invitations::Column::MemberId.eq(remove))
        .exec(conn)
        .await?;
    invitations::Entity::update_many()
        .col_expr(invitations::Column::InvitedBy, Expr::value(keep))
        .filter(invitations::Column::Tenant.eq(tenant))
        .filter(invitations::Column::InvitedBy.eq(remove))
        .exec(conn)
        .await?;
    import_changes::Entity::update_many()
        .col_expr(import_changes::Column::MemberId, Expr::value(keep))
        .filter(import_changes::Column::Tenant.eq(tenant))
        .filter(import_changes::Column::MemberId.eq(remove))
        .exec(conn)
        .await?;
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::ActorId, Expr::value(keep))
        .filter(audit_log::Column::Tenant.eq(tenant))
        .filter(audit_log::Column::ActorId.eq(remove))
        .exec(conn)
        .await?;
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::TargetId, Expr::value(keep))
        .filter(audit_log::Column::Tenant.eq(tenant))
        .filter(audit_log::Column::TargetId.eq(remove))
        .exec(conn)
        .await?;
    Ok(())
}
