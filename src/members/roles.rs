//! Handing out roles: nobody gives a role carrying a permission they lack, nor one
//! outside their role's `assignable` list, nor changes their own roles.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::read::{existing_groups, member_in_scope};
use crate::app::App;
use crate::audit;
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::error::{Error, FieldError, Result};
use entity::{groups, members, role_assignments};

/// A role, tenant-wide (no group) or for one group's members.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RoleAssignment {
    pub role: String,
    pub group_id: Option<Uuid>,
}

/// The problem of a role `written` that is no role key of `tenant`, under `field`: says
/// which key it is when it is a role's label (the API takes keys; imports take both),
/// else lists the tenant's keys (`role-label-given`, `role-unknown`).
pub fn unknown_role(tenant: &Tenant, field: impl Into<String>, written: &str) -> FieldError {
    match tenant.role_written(written).map(|r| r.key.clone()) {
        Some(key) => FieldError::worded(
            field,
            format!("\"{written}\" is the label of the role \"{key}\": give its key"),
            "role-label-given",
            &[("role", written.to_owned()), ("key", key)],
        ),
        None => {
            let keys = tenant.roles.keys().cloned().collect::<Vec<_>>().join(", ");
            FieldError::worded(
                field,
                format!("unknown role \"{written}\" (this organization's roles: {keys})"),
                "role-unknown",
                &[("role", written.to_owned()), ("roles", keys)],
            )
        }
    }
}

/// Checks that every assignment names a known role and group and that the caller may hand it out.
pub async fn check_assignments<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    assignments: &[RoleAssignment],
    field: &str,
) -> Result<()> {
    if assignments.is_empty() {
        return Ok(());
    }
    let unknown: Vec<FieldError> = assignments
        .iter()
        .enumerate()
        .filter(|(_, a)| caller.tenant.role(&a.role).is_none())
        .map(|(i, a)| unknown_role(&caller.tenant, format!("{field}[{i}].role"), &a.role))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::Validation(unknown));
    }
    for (i, a) in assignments.iter().enumerate() {
        if let Some(group) = a.group_id {
            existing_groups(
                conn,
                &caller.tenant.slug,
                &[group],
                &format!("{field}[{i}].groupId"),
                false,
            )
            .await?;
        }
    }
    let grants = caller.grants(conn).await?;
    for a in assignments {
        let role = caller.tenant.role(&a.role).expect("checked above");
        if !grants.can_hand_out(role, a.group_id) {
            return Err(Error::Forbidden(format!(
                "You may not hand out the role \"{}\": it carries permissions you do not hold or is not in your assignable list.",
                a.role
            )));
        }
    }
    Ok(())
}

/// The member's assignments as they are now.
async fn current<C: ConnectionTrait>(conn: &C, tenant: &str, member: Uuid) -> Result<BTreeSet<RoleAssignment>> {
    Ok(role_assignments::Entity::find()
        .filter(role_assignments::Column::Tenant.eq(tenant))
        .filter(role_assignments::Column::MemberId.eq(member))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| RoleAssignment {
            role: r.role,
            group_id: r.group_id,
        })
        .collect())
}

/// Takes away every role held within `group` (which is being deleted), each holder's
/// change recorded as `member.roles_changed` by `actor` like any other, and marks the
/// members who held one or belonged to the group as changed (for import conflict
/// detection).
pub async fn drop_roles_within<C: ConnectionTrait>(conn: &C, tenant: &str, group: Uuid, actor: Uuid) -> Result<()> {
    let holders: BTreeSet<Uuid> = role_assignments::Entity::find()
        .select_only()
        .column(role_assignments::Column::MemberId)
        .filter(within_group(tenant, group))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    // Every role the holders hold, in one read (by the member index).
    let mut held: HashMap<Uuid, BTreeSet<RoleAssignment>> = HashMap::new();
    let holder_ids: Vec<Uuid> = holders.iter().copied().collect();
    for chunk in holder_ids.chunks(super::IDS_PER_QUERY) {
        let rows = role_assignments::Entity::find()
            .filter(role_assignments::Column::Tenant.eq(tenant))
            .filter(role_assignments::Column::MemberId.is_in(chunk.to_vec()))
            .all(conn)
            .await?;
        for row in rows {
            held.entry(row.member_id).or_default().insert(RoleAssignment {
                role: row.role,
                group_id: row.group_id,
            });
        }
    }
    for (member, before) in held {
        let after: BTreeSet<RoleAssignment> = before.iter().filter(|a| a.group_id != Some(group)).cloned().collect();
        let details = json!({ "before": describe(&before), "after": describe(&after) });
        audit::record(conn, tenant, Some(actor), "member.roles_changed", Some(member), details).await?;
    }
    role_assignments::Entity::delete_many()
        .filter(within_group(tenant, group))
        .exec(conn)
        .await?;
    let in_group: Vec<Uuid> = entity::group_members::Entity::find()
        .select_only()
        .column(entity::group_members::Column::MemberId)
        .filter(entity::group_members::Column::GroupId.eq(group))
        .into_tuple()
        .all(conn)
        .await?;
    let changed: BTreeSet<Uuid> = holders.iter().copied().chain(in_group).collect();
    let changed: Vec<Uuid> = changed.into_iter().collect();
    let now = crate::stored::now();
    super::write::bump_versions(conn, tenant, &changed, now).await?;
    Ok(())
}

/// The assignments within `group` of `tenant`, found by the group's index whatever the
/// statistics say (see [`crate::sql::unindexed`]).
fn within_group(tenant: &str, group: Uuid) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(role_assignments::Column::GroupId.eq(group))
        .add(sea_orm::sea_query::Expr::expr(crate::sql::unindexed(role_assignments::Column::Tenant)).eq(tenant))
}

/// Assignments as the audit log keeps them.
fn describe(set: &BTreeSet<RoleAssignment>) -> Vec<serde_json::Value> {
    set.iter()
        .map(|a| json!({ "role": a.role, "groupId": a.group_id }))
        .collect()
}

/// Replaces a member's roles (roles.assign). Both the roles given and the roles taken
/// away must be ones the caller may hand out.
pub async fn set_member_roles(
    app: &App,
    caller: &Caller,
    id: Uuid,
    wanted: Vec<RoleAssignment>,
) -> Result<members::Model> {
    let member = member_in_scope(&app.db, caller, Permission::RolesAssign, id).await?;
    if id == caller.member_id() {
        return Err(Error::Forbidden(
            "You cannot change your own roles; ask another administrator.".into(),
        ));
    }
    // Checked as given, so that `roles[i]` in an error names the input's own item.
    check_assignments(&app.db, caller, &wanted, "roles").await?;
    let wanted: BTreeSet<RoleAssignment> = wanted.into_iter().collect();
    let before = current(&app.db, &caller.tenant.slug, id).await?;
    let mut touched: Vec<RoleAssignment> = wanted.symmetric_difference(&before).cloned().collect();
    // A role that left the tenant file may be removed by anyone allowed to assign roles.
    touched.retain(|a| caller.tenant.role(&a.role).is_some() || wanted.contains(a));
    check_assignments(&app.db, caller, &touched, "roles").await?;
    if touched.is_empty() {
        return Ok(member);
    }
    let tenant = caller.tenant.slug.clone();
    let actor = caller.member_id();
    let result = app
        .db
        .transaction::<_, members::Model, Error>(move |txn| {
            Box::pin(async move {
                role_assignments::Entity::delete_many()
                    .filter(role_assignments::Column::Tenant.eq(&tenant))
                    .filter(role_assignments::Column::MemberId.eq(id))
                    .exec(txn)
                    .await?;
                let now = crate::stored::now();
                let rows = wanted
                    .iter()
                    .map(|a| super::write::role_assignment(&tenant, id, &a.role, a.group_id, now))
                    .collect();
                super::write::insert_all(txn, rows).await?;
                let details = json!({ "before": describe(&before), "after": describe(&wanted) });
                audit::record(txn, &tenant, Some(actor), "member.roles_changed", Some(id), details).await?;
                bump_version(txn, member).await
            })
        })
        .await?;
    Ok(result)
}

/// Marks a member as changed (for import conflict detection) and returns it fresh.
pub async fn bump_version<C: ConnectionTrait>(conn: &C, member: members::Model) -> Result<members::Model> {
    // Microseconds: what both databases keep, so the row returned is the row stored.
    let now = crate::stored::now();
    super::write::bump_versions(conn, &member.tenant, &[member.id], now).await?;
    Ok(members::Model {
        version: member.version + 1,
        updated_at: now,
        ..member
    })
}

/// The roles each of `member_ids` holds, in the tenant file's order of roles, tenant-wide
/// before group-scoped, with the group of scoped ones. A role since removed from the
/// tenant file is left out (it grants nothing either).
pub async fn roles_held<C: ConnectionTrait>(
    conn: &C,
    tenant: &Tenant,
    member_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<(role_assignments::Model, Option<groups::Model>)>>> {
    let mut held: HashMap<Uuid, Vec<(role_assignments::Model, Option<groups::Model>)>> = HashMap::new();
    for chunk in member_ids.chunks(super::IDS_PER_QUERY) {
        let rows = role_assignments::Entity::find()
            .filter(role_assignments::Column::Tenant.eq(&tenant.slug))
            .filter(role_assignments::Column::MemberId.is_in(chunk.to_vec()))
            .find_also_related(groups::Entity)
            .order_by_asc(role_assignments::Column::CreatedAt)
            .all(conn)
            .await?;
        for (assignment, group) in rows {
            if tenant.roles.contains_key(&assignment.role) {
                held.entry(assignment.member_id).or_default().push((assignment, group));
            }
        }
    }
    for roles in held.values_mut() {
        roles.sort_by_cached_key(|(assignment, group)| {
            (
                tenant.roles.get_index_of(&assignment.role),
                group.as_ref().map(|g| g.name_key.clone()),
            )
        });
    }
    Ok(held)
}
