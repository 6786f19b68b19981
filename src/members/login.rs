//! The logins a tenant has already given out, asked of the database when a new one is
//! chosen; the rules of a login itself are in [`crate::values::login`].

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::Result;
use crate::values::login::first_free;
use entity::members;

/// `base` if free in the tenant, else `base2`, `base3`, … (case-insensitive).
pub async fn next_free<C: ConnectionTrait>(conn: &C, tenant: &str, base: &str) -> Result<String> {
    let taken: Vec<String> = members::Entity::find()
        .select_only()
        .column(members::Column::LoginKey)
        .filter(members::Column::Tenant.eq(tenant))
        .filter(members::Column::LoginKey.starts_with(base))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(first_free(base, &taken))
}
