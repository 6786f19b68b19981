//! What a caller may do: the permissions of the roles they hold.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::Caller;
use crate::config::Permission;
use crate::error::{Error, Result};
use entity::role_assignments;

/// Permissions the caller holds tenant-wide (roles assigned without a group).
pub async fn tenant_wide<C: ConnectionTrait>(conn: &C, caller: &Caller) -> Result<BTreeSet<Permission>> {
    let roles: Vec<String> = role_assignments::Entity::find()
        .select_only()
        .column(role_assignments::Column::Role)
        .filter(role_assignments::Column::Tenant.eq(&caller.tenant.slug))
        .filter(role_assignments::Column::MemberId.eq(caller.member_id()))
        .filter(role_assignments::Column::GroupId.is_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(roles
        .iter()
        .filter_map(|key| caller.tenant.role(key))
        .flat_map(|role| role.grants.iter().copied())
        .collect())
}

/// FORBIDDEN unless the caller holds `permission` tenant-wide.
pub async fn require<C: ConnectionTrait>(conn: &C, caller: &Caller, permission: Permission) -> Result<()> {
    if tenant_wide(conn, caller).await?.contains(&permission) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "You need the {} permission for this.",
            permission.as_str()
        )))
    }
}
