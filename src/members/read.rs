//! Reading members as a caller may: one by id within their reach, pages of those a
//! filter selects, and the groups a request names.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use uuid::Uuid;

use super::filter::scope_condition;
use super::search_page::search_page;
use super::{find, list};
use crate::app::App;
use crate::auth::permissions::{forbidden, require_scope, Scope};
use crate::auth::Caller;
use crate::config::Permission;
use crate::error::{Error, Result};
use entity::{groups, members};

/// A member of the caller's tenant that `permission` lets the caller act on:
/// NOT_FOUND when it is not in the tenant, FORBIDDEN when outside the caller's groups.
pub async fn member_in_scope<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    permission: Permission,
    id: Uuid,
) -> Result<members::Model> {
    let scope = require_scope(conn, caller, permission).await?;
    let member = find(conn, &caller.tenant.slug, id)
        .await?
        .ok_or_else(|| Error::NotFound("No member with this id.".into()))?;
    if let Scope::Groups(_) = scope {
        let within = scope_condition(conn, &caller.tenant, &scope).await?;
        let cond = Condition::all().add(within).add(members::Column::Id.eq(id));
        if list::count(conn, cond).await? == 0 {
            return Err(forbidden(permission));
        }
    }
    Ok(member)
}

/// A member by id: oneself always, others with members.read. None when unknown.
pub async fn get_member(app: &App, caller: &Caller, id: Uuid) -> Result<Option<members::Model>> {
    if id == caller.member_id() {
        return Ok(Some(caller.member.clone()));
    }
    require_scope(&app.db, caller, Permission::MembersRead).await?;
    // Outside the caller's groups reads as unknown, like another tenant's member.
    match member_in_scope(&app.db, caller, Permission::MembersRead, id).await {
        Ok(member) => Ok(Some(member)),
        Err(Error::NotFound(_) | Error::Forbidden(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

/// Groups of the tenant by id; VALIDATION on `field` for unknown ones (or smart ones
/// when `manual_only`, since their members come from their rule).
pub async fn existing_groups<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    ids: &[Uuid],
    field: &str,
    manual_only: bool,
) -> Result<Vec<groups::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(tenant))
        .filter(groups::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|g| g.id == **id)) {
        return Err(Error::invalid(field, format!("unknown group {missing}")));
    }
    if manual_only {
        if let Some(smart) = found.iter().find(|g| g.rule.is_some()) {
            return Err(Error::invalid(
                field,
                format!("\"{}\" is a smart group: its rule chooses its members", smart.name),
            ));
        }
    }
    Ok(found)
}

/// The members `filter` selects that the caller may read (members.read, within their
/// groups when it is group-scoped), as a condition for listing and counting.
pub async fn readable<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    filter: &super::MemberFilter,
) -> Result<Condition> {
    let scope = require_scope(conn, caller, Permission::MembersRead).await?;
    filter.validate(&caller.tenant, "filter")?;
    Ok(Condition::all()
        .add(filter.condition(conn, &caller.tenant).await?)
        .add(scope_condition(conn, &caller.tenant, &scope).await?))
}

/// A page of the members the caller may read, and the condition behind it (for totalCount).
pub async fn list_members(
    app: &App,
    caller: &Caller,
    filter: &super::MemberFilter,
    order: list::MemberOrder,
    page: &list::PageRequest,
) -> Result<(list::Page<members::Model>, Condition)> {
    let condition = readable(&app.db, caller, filter).await?;
    if let Some(found) = search_page(app, caller, filter, order, page).await? {
        // totalCount, if asked, still counts the whole filter.
        return Ok((found, condition));
    }
    let page = list::list(&app.db, condition.clone(), order, page).await?;
    Ok((page, condition))
}
