//! Members: lookups, the rules of their fields, and (in `admin`) creating tenant admins.

mod admin;
pub mod email;
pub mod login;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::Result;
use entity::{member_emails, members};

pub use self::admin::{bootstrap_tenant, create_admin, CreatedAdmin};

/// `members.status` of a member who can sign in.
pub const STATUS_ACTIVE: &str = "active";
/// `members.status` of a member who cannot sign in.
pub const STATUS_DEACTIVATED: &str = "deactivated";

/// A member of the tenant by id; another tenant's id is simply not found.
pub async fn find<C: ConnectionTrait>(conn: &C, tenant: &str, id: Uuid) -> Result<Option<members::Model>> {
    Ok(members::Entity::find_by_id(id)
        .filter(members::Column::Tenant.eq(tenant))
        .one(conn)
        .await?)
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

/// The folded text that `search` matches: login, names and both emails, accent-free, lower case.
pub fn search_text(login: &str, first: &str, last: &str, email: Option<&str>, secondary: Option<&str>) -> String {
    let joined = [Some(login), Some(first), Some(last), email, secondary]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    deunicode::deunicode(&joined).to_lowercase()
}
