//! Groups: manual ones hold members by hand, smart ones by a rule (a member filter)
//! evaluated at query time. Names are unique per tenant, case-insensitively.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::app::App;
use crate::audit;
use crate::auth::permissions::{require, require_scope};
use crate::auth::Caller;
use crate::config::Permission;
use crate::error::{Error, Result};
use crate::members::fields::Checks;
use crate::members::filter::{groups_condition, scope_condition};
use crate::members::{list, BulkResult, MemberFilter, Selection};
use entity::{group_members, groups, invitations, members, role_assignments};

/// Longest group name.
pub const MAX_NAME: usize = 100;
/// Longest group description.
pub const MAX_DESCRIPTION: usize = 2_000;

/// A group as an admin writes it: its name, description, and rule when it is a smart group.
#[derive(Debug, Clone)]
pub struct GroupInput {
    pub name: String,
    pub description: Option<String>,
    pub rule: Option<MemberFilter>,
}

fn not_found() -> Error {
    Error::NotFound("No group with this id.".into())
}

/// A group of the tenant, or None.
pub async fn find<C: ConnectionTrait>(conn: &C, tenant: &str, id: Uuid) -> Result<Option<groups::Model>> {
    Ok(groups::Entity::find_by_id(id)
        .filter(groups::Column::Tenant.eq(tenant))
        .one(conn)
        .await?)
}

/// The groups of `tenant` among `ids`, by name; unknown ids are left out.
pub async fn find_many<C: ConnectionTrait>(conn: &C, tenant: &str, ids: &[Uuid]) -> Result<Vec<groups::Model>> {
    Ok(groups::Entity::find()
        .filter(groups::Column::Tenant.eq(tenant))
        .filter(groups::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(groups::Column::NameKey)
        .all(conn)
        .await?)
}

/// Every group of the tenant, by name (members.read).
pub async fn list_groups(app: &App, caller: &Caller) -> Result<Vec<groups::Model>> {
    require_scope(&app.db, caller, Permission::MembersRead).await?;
    Ok(groups::Entity::find()
        .filter(groups::Column::Tenant.eq(&caller.tenant.slug))
        .order_by_asc(groups::Column::NameKey)
        .all(&app.db)
        .await?)
}

/// One group (members.read), or None when unknown in this tenant.
pub async fn get_group(app: &App, caller: &Caller, id: Uuid) -> Result<Option<groups::Model>> {
    require_scope(&app.db, caller, Permission::MembersRead).await?;
    find(&app.db, &caller.tenant.slug, id).await
}

/// The members of a group (manual or smart) as a condition.
pub async fn members_condition<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    group: &groups::Model,
) -> Result<Condition> {
    groups_condition(conn, &caller.tenant, &[group.id], 0).await
}

/// How many members a group has now.
pub async fn member_count<C: ConnectionTrait>(conn: &C, caller: &Caller, group: &groups::Model) -> Result<u64> {
    let cond = Condition::all()
        .add(members::Column::Tenant.eq(&caller.tenant.slug))
        .add(members_condition(conn, caller, group).await?);
    list::count(conn, cond).await
}

async fn check_input<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    input: &GroupInput,
    except: Option<Uuid>,
) -> Result<(String, Option<String>, Option<String>)> {
    let mut checks = Checks::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() {
        checks.required("name");
    } else if name.chars().count() > MAX_NAME {
        checks.too_long("name", MAX_NAME);
    } else if name.contains([',', ';']) {
        // A groups cell of an import separates names with them: an export of such a
        // group, imported back, would make other groups.
        let message = "must not contain , or ; (they separate groups in a spreadsheet)";
        checks.fail_worded("name", message, "group-name-separators", &[]);
    }
    let description = input
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION)
    {
        checks.fail("description", format!("at most {MAX_DESCRIPTION} characters"));
    }
    checks.finish()?;
    if let Some(rule) = &input.rule {
        rule.validate(&caller.tenant, "rule")?;
    }
    let taken = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(&caller.tenant.slug))
        .filter(groups::Column::NameKey.eq(name.to_lowercase()))
        .one(conn)
        .await?;
    if taken.is_some_and(|g| Some(g.id) != except) {
        return Err(Error::invalid_worded(
            "name",
            "a group with this name already exists",
            "group-name-taken",
        ));
    }
    let rule = input
        .rule
        .as_ref()
        .map(|r| serde_json::to_string(r).expect("filters serialise"));
    Ok((name, description, rule))
}

/// Creates a group (groups.manage); with a rule, a smart group.
pub async fn create_group(app: &App, caller: &Caller, input: GroupInput) -> Result<groups::Model> {
    require(&app.db, caller, Permission::GroupsManage).await?;
    let (name, description, rule) = check_input(&app.db, caller, &input, None).await?;
    let tenant = caller.tenant.slug.clone();
    let actor = caller.member_id();
    Ok(app
        .db
        .transaction::<_, groups::Model, Error>(move |txn| {
            Box::pin(async move {
                let now = crate::stored::now();
                let group = groups::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    tenant: Set(tenant.clone()),
                    name: Set(name.clone()),
                    name_key: Set(name.to_lowercase()),
                    description: Set(description),
                    rule: Set(rule.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(txn)
                .await?;
                let details = json!({ "name": name, "smart": rule.is_some() });
                audit::record(txn, &tenant, Some(actor), "group.created", Some(group.id), details).await?;
                Ok(group)
            })
        })
        .await?)
}

/// Renames, redescribes or changes the rule of a group (groups.manage). A manual group
/// given a rule becomes smart (its hand-made membership is dropped), and back.
pub async fn update_group(app: &App, caller: &Caller, id: Uuid, input: GroupInput) -> Result<groups::Model> {
    require(&app.db, caller, Permission::GroupsManage).await?;
    let group = find(&app.db, &caller.tenant.slug, id).await?.ok_or_else(not_found)?;
    let (name, description, rule) = check_input(&app.db, caller, &input, Some(id)).await?;
    let tenant = caller.tenant.slug.clone();
    let actor = caller.member_id();
    Ok(app
        .db
        .transaction::<_, groups::Model, Error>(move |txn| {
            Box::pin(async move {
                if rule.is_some() {
                    group_members::Entity::delete_many()
                        .filter(group_members::Column::GroupId.eq(id))
                        .exec(txn)
                        .await?;
                }
                let before = json!({ "name": group.name, "description": group.description, "rule": group.rule });
                let mut active: groups::ActiveModel = group.into();
                active.name = Set(name.clone());
                active.name_key = Set(name.to_lowercase());
                active.description = Set(description.clone());
                active.rule = Set(rule.clone());
                active.updated_at = Set(crate::stored::now());
                let saved = active.update(txn).await?;
                let details =
                    json!({ "before": before, "after": { "name": name, "description": description, "rule": rule } });
                audit::record(txn, &tenant, Some(actor), "group.updated", Some(id), details).await?;
                Ok(saved)
            })
        })
        .await?)
}

/// Deletes a group, its memberships and the roles scoped to it (groups.manage).
pub async fn delete_group(app: &App, caller: &Caller, id: Uuid) -> Result<bool> {
    require(&app.db, caller, Permission::GroupsManage).await?;
    let group = find(&app.db, &caller.tenant.slug, id).await?.ok_or_else(not_found)?;
    let tenant = caller.tenant.slug.clone();
    let actor = caller.member_id();
    app.db
        .transaction::<_, (), Error>(move |txn| {
            Box::pin(async move {
                crate::members::drop_roles_within(txn, &tenant, id, actor).await?;
                groups::Entity::delete_by_id(id).exec(txn).await?;
                audit::record(
                    txn,
                    &tenant,
                    Some(actor),
                    "group.deleted",
                    Some(id),
                    json!({ "name": group.name }),
                )
                .await?;
                Ok(())
            })
        })
        .await?;
    Ok(true)
}

/// Deletes those of `ids` (groups an import created) that nothing uses any more once the
/// import is undone: no member but those it created and its undo deactivated (members
/// with `origin_import` as their origin, now deactivated), no role held within it, no
/// pending invitation into it, and not renamed or described since they were made.
/// Records `group.deleted` for each, by `actor`, with `reason`. Returns the ids deleted.
pub async fn delete_unused<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    ids: &[Uuid],
    origin_import: Uuid,
    actor: Uuid,
    reason: &str,
) -> Result<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Spelled out rather than negated: a NULL origin must count as another member.
    let other_member = Condition::any()
        .add(members::Column::OriginImportId.is_null())
        .add(members::Column::OriginImportId.ne(origin_import))
        .add(members::Column::Status.ne(crate::members::Status::Deactivated));
    let untouched = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(tenant))
        .filter(groups::Column::Id.is_in(ids.to_vec()))
        .filter(Expr::col(groups::Column::UpdatedAt).eq(Expr::col(groups::Column::CreatedAt)))
        .filter(
            groups::Column::Id.not_in_subquery(
                Query::select()
                    .column((group_members::Entity, group_members::Column::GroupId))
                    .from(group_members::Entity)
                    .inner_join(
                        members::Entity,
                        Expr::col((members::Entity, members::Column::Id))
                            .equals((group_members::Entity, group_members::Column::MemberId)),
                    )
                    .and_where(group_members::Column::GroupId.is_in(ids.to_vec()))
                    .cond_where(other_member)
                    .to_owned(),
            ),
        )
        .filter(
            groups::Column::Id.not_in_subquery(
                Query::select()
                    .column(role_assignments::Column::GroupId)
                    .from(role_assignments::Entity)
                    .and_where(role_assignments::Column::GroupId.is_in(ids.to_vec()))
                    .to_owned(),
            ),
        )
        .all(conn)
        .await?;
    // Pending invitations keep their groups as a JSON list of ids.
    let pending: Vec<String> = invitations::Entity::find()
        .select_only()
        .column(invitations::Column::GroupIds)
        .filter(invitations::Column::Tenant.eq(tenant))
        .filter(invitations::Column::Status.eq(invitations::Status::Pending))
        .filter(invitations::Column::GroupIds.ne("[]"))
        .into_tuple()
        .all(conn)
        .await?;
    let mut deleted = Vec::new();
    for group in untouched {
        let id = group.id.to_string();
        if pending.iter().any(|list| list.contains(&id)) {
            continue;
        }
        groups::Entity::delete_by_id(group.id).exec(conn).await?;
        let details = json!({ "name": group.name, "reason": reason });
        audit::record(conn, tenant, Some(actor), "group.deleted", Some(group.id), details).await?;
        deleted.push(group.id);
    }
    Ok(deleted)
}

/// The selected members that the caller may manage, as a condition.
async fn selected(app: &App, caller: &Caller, selection: Selection) -> Result<Condition> {
    let filter = selection.into_filter();
    filter.validate(&caller.tenant, "selection.filter")?;
    let scope = require_scope(&app.db, caller, Permission::MembersRead).await?;
    Ok(Condition::all()
        .add(filter.condition(&app.db, &caller.tenant).await?)
        .add(scope_condition(&app.db, &caller.tenant, &scope).await?))
}

/// Adds the selected members to a manual group in one statement (groups.manage).
pub async fn add_members(app: &App, caller: &Caller, group_id: Uuid, selection: Selection) -> Result<BulkResult> {
    set_membership(app, caller, group_id, selection, true).await
}

/// Removes the selected members from a manual group in one statement (groups.manage).
pub async fn remove_members(app: &App, caller: &Caller, group_id: Uuid, selection: Selection) -> Result<BulkResult> {
    set_membership(app, caller, group_id, selection, false).await
}

/// Adds the selected members to a manual group, or removes them from it, with its audit
/// entry; how many matched the selection and how many joined or left.
async fn set_membership(
    app: &App,
    caller: &Caller,
    group_id: Uuid,
    selection: Selection,
    add: bool,
) -> Result<BulkResult> {
    require(&app.db, caller, Permission::GroupsManage).await?;
    manual_group(app, &caller.tenant.slug, group_id).await?;
    let cond = selected(app, caller, selection).await?;
    let matched = list::count(&app.db, cond.clone()).await?;
    let tenant = caller.tenant.slug.clone();
    let actor = caller.member_id();
    let changed = app
        .db
        .transaction::<_, u64, Error>(move |txn| {
            Box::pin(async move {
                let (changed, action) = if add {
                    (join(txn, group_id, cond).await?, "group.members_added")
                } else {
                    (leave(txn, group_id, cond).await?, "group.members_removed")
                };
                audit::record(
                    txn,
                    &tenant,
                    Some(actor),
                    action,
                    Some(group_id),
                    json!({ "count": changed }),
                )
                .await?;
                Ok(changed)
            })
        })
        .await?;
    Ok(BulkResult { matched, changed })
}

/// The group `group_id` of the tenant, when it holds members by hand (a smart group's
/// rule chooses its members).
async fn manual_group(app: &App, tenant: &str, group_id: Uuid) -> Result<groups::Model> {
    let group = find(&app.db, tenant, group_id).await?.ok_or_else(not_found)?;
    if group.rule.is_some() {
        return Err(Error::invalid(
            "groupId",
            "this is a smart group: its rule chooses its members; change the rule instead",
        ));
    }
    Ok(group)
}

/// Puts the members matching `cond` who are not in the group yet into it, in one
/// statement; how many joined.
async fn join<C: ConnectionTrait>(txn: &C, group_id: Uuid, cond: Condition) -> Result<u64> {
    let in_group = Query::select()
        .column(group_members::Column::MemberId)
        .from(group_members::Entity)
        .and_where(group_members::Column::GroupId.eq(group_id))
        .to_owned();
    let newcomers = Query::select()
        .expr(Expr::val(group_id))
        .column(members::Column::Id)
        .column(members::Column::Tenant)
        .expr(Expr::val(crate::stored::now()))
        .from(members::Entity)
        .cond_where(cond.add(members::Column::Id.not_in_subquery(in_group)))
        .to_owned();
    let insert = Query::insert()
        .into_table(group_members::Entity)
        .columns([
            group_members::Column::GroupId,
            group_members::Column::MemberId,
            group_members::Column::Tenant,
            group_members::Column::AddedAt,
        ])
        .select_from(newcomers)
        .map_err(|e| Error::Internal(e.to_string()))?
        .to_owned();
    Ok(txn
        .execute(txn.get_database_backend().build(&insert))
        .await?
        .rows_affected())
}

/// Takes the members matching `cond` out of the group, in one statement; how many left.
async fn leave<C: ConnectionTrait>(txn: &C, group_id: Uuid, cond: Condition) -> Result<u64> {
    let leaving = Query::select()
        .column(members::Column::Id)
        .from(members::Entity)
        .cond_where(cond)
        .to_owned();
    Ok(group_members::Entity::delete_many()
        .filter(group_members::Column::GroupId.eq(group_id))
        .filter(group_members::Column::MemberId.in_subquery(leaving))
        .exec(txn)
        .await?
        .rows_affected)
}

/// The groups each of `member_ids` belongs to — manual groups they were put in and smart
/// groups whose rule selects them — by name. One query for the manual groups and one per
/// smart group, however many members (lists ask for a page at a time).
pub async fn groups_of_members<C: ConnectionTrait>(
    conn: &C,
    tenant: &crate::config::Tenant,
    member_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<groups::Model>>> {
    let mut belongs: HashMap<Uuid, Vec<groups::Model>> = HashMap::new();
    if member_ids.is_empty() {
        return Ok(belongs);
    }
    let all = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(&tenant.slug))
        .order_by_asc(groups::Column::NameKey)
        .all(conn)
        .await?;
    let mut manual: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for chunk in member_ids.chunks(crate::members::IDS_PER_QUERY) {
        let pairs: Vec<(Uuid, Uuid)> = group_members::Entity::find()
            .select_only()
            .column(group_members::Column::GroupId)
            .column(group_members::Column::MemberId)
            .filter(group_members::Column::Tenant.eq(&tenant.slug))
            .filter(group_members::Column::MemberId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        for (group, member) in pairs {
            manual.entry(group).or_default().push(member);
        }
    }
    for group in all {
        let members_in: Vec<Uuid> = match &group.rule {
            None => manual.remove(&group.id).unwrap_or_default(),
            Some(_) => {
                let rule = groups_condition(conn, tenant, &[group.id], 0).await?;
                let mut selected = Vec::new();
                for chunk in member_ids.chunks(crate::members::IDS_PER_QUERY) {
                    let found: Vec<Uuid> = members::Entity::find()
                        .select_only()
                        .column(members::Column::Id)
                        .filter(members::Column::Id.is_in(chunk.to_vec()))
                        .filter(rule.clone())
                        .into_tuple()
                        .all(conn)
                        .await?;
                    selected.extend(found);
                }
                selected
            }
        };
        for member in members_in {
            belongs.entry(member).or_default().push(group.clone());
        }
    }
    Ok(belongs)
}

/// Puts members into manual groups, skipping memberships that exist (one statement per group).
pub async fn add_to_groups<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    member_ids: &[Uuid],
    group_ids: &[Uuid],
) -> Result<u64> {
    let mut added = 0;
    if member_ids.is_empty() {
        return Ok(0);
    }
    for group_id in group_ids {
        for chunk in member_ids.chunks(5_000) {
            let chosen = Condition::all()
                .add(members::Column::Tenant.eq(tenant))
                .add(members::Column::Id.is_in(chunk.to_vec()));
            added += join(conn, *group_id, chosen).await?;
        }
    }
    Ok(added)
}
