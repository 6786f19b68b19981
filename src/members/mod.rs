//! Members: lookups, the rules of their fields, and (in `bootstrap`) creating tenant admins.

mod bootstrap;
pub mod create;
pub mod erase;
pub mod fields;
pub mod filter;
pub mod list;
pub mod login;
mod merge;
pub mod personal_data;
pub mod profile;
pub mod read;
pub mod retention;
mod roles;
pub mod search;
mod search_page;
mod status;
pub mod update;
pub mod write;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::Result;
use entity::{member_emails, members};

/// Most member ids in one `IN (…)` list when loading rows for many members at once.
pub const IDS_PER_QUERY: usize = 5_000;

pub use self::bootstrap::{bootstrap_tenant, create_admin, CreatedAdmin};
pub use self::create::{create_member, CreateMember};
pub use self::filter::{MemberFilter, Selection};
pub use self::list::{list, MemberOrder, OrderField, Page, PageRequest};
pub use self::merge::merge_members;
pub use self::read::{get_member, list_members};
pub use self::roles::{drop_roles_within, roles_held, set_member_roles, unknown_role, RoleAssignment};
pub use self::status::{set_status, BulkResult};
pub use self::update::{update_member, UpdateMember};

pub use entity::member_emails::AddressKind;
pub use entity::members::{Origin, Status};

/// A member of the tenant by id; another tenant's id is simply not found.
pub async fn find<C: ConnectionTrait>(conn: &C, tenant: &str, id: Uuid) -> Result<Option<members::Model>> {
    Ok(members::Entity::find_by_id(id)
        .filter(members::Column::Tenant.eq(tenant))
        .one(conn)
        .await?)
}

/// The members of `tenant` among `ids`, in no particular order; unknown ids are left out.
pub async fn find_many<C: ConnectionTrait>(conn: &C, tenant: &str, ids: &[Uuid]) -> Result<Vec<members::Model>> {
    Ok(members::Entity::find()
        .filter(of_tenant_among(tenant, ids.iter().copied()))
        .all(conn)
        .await?)
}

/// The condition "a member of `tenant` among `ids`", written so that its plan does not
/// depend on statistics: each id is looked up by primary key and the tenant checked on
/// the row found. Written `tenant = ? AND id IN (…)`, SQLite, which keeps no statistics,
/// takes a tenant index for the narrower match and reads every member of the tenant
/// (it did: 220 ms for 500 ids among a million members, 280 times in one SYNC's apply);
/// no index serves `tenant || '' = ?`.
pub fn of_tenant_among(tenant: &str, ids: impl IntoIterator<Item = Uuid>) -> Condition {
    crate::sql::of_tenant_among(members::Column::Tenant, members::Column::Id, tenant, ids)
}

/// A member by login, email or secondary email, case-insensitively.
/// Logins never hold `@`, so the identifier's shape says which to look at.
pub async fn find_by_identifier<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    identifier: &str,
) -> Result<Option<members::Model>> {
    let key = identifier.trim().to_lowercase();
    if key.contains('@') {
        let Some(address) = member_emails::Entity::find_by_id((tenant.to_owned(), key))
            .one(conn)
            .await?
        else {
            return Ok(None);
        };
        find(conn, tenant, address.member_id).await
    } else {
        Ok(members::Entity::find()
            .filter(members::Column::Tenant.eq(tenant))
            .filter(members::Column::LoginKey.eq(key))
            .one(conn)
            .await?)
    }
}

/// The language of the member's emails and pages: the one they chose, or `default` (the
/// tenant's) when they chose none.
pub fn locale_or<'a>(member: &'a members::Model, default: &'a str) -> &'a str {
    if member.locale.is_empty() {
        default
    } else {
        &member.locale
    }
}

/// True while the member signs in with the tenant's default password or one an admin
/// set: their sessions stay restricted until they choose their own.
pub fn must_change_password(member: &members::Model) -> bool {
    member.must_change_password || member.uses_default_password
}

/// "First Last", or the login when the member has no names.
pub fn display_name(member: &members::Model) -> String {
    let full = format!("{} {}", member.first_name.trim(), member.last_name.trim());
    let full = full.trim();
    if full.is_empty() {
        member.login.clone()
    } else {
        full.to_owned()
    }
}
