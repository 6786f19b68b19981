//! What an apply checks before it writes: every member the plan touches is as the
//! preview saw it (same version, locked until the commit), and the logins and addresses
//! it gives new members are still free.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::CHUNK;
use crate::error::{Error, Result};
use crate::imports::plan::{NewRow, Payload};
use crate::imports::saved_plan::Stored;
use crate::values::email;
use entity::{member_emails, members};

/// The members the plan touches, as they are now; CONFLICT if any moved since the
/// preview, or if a login or address it creates has been taken meanwhile.
pub(super) async fn check_versions<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    changes: &[Stored],
) -> Result<HashMap<Uuid, members::Model>> {
    let touched: Vec<Uuid> = changes
        .iter()
        .filter(|c| c.member_version.is_some())
        .filter_map(|c| c.member_id)
        .collect();
    let mut current = HashMap::with_capacity(touched.len());
    for chunk in touched.chunks(CHUNK) {
        // Locked until the commit (PostgreSQL; SQLite's write lock is already held): a
        // member cannot move between this check and its write.
        let rows = members::Entity::find()
            .filter(members::Column::Tenant.eq(tenant))
            .filter(members::Column::Id.is_in(chunk.to_vec()))
            .lock_exclusive()
            .all(conn)
            .await?;
        current.extend(rows.into_iter().map(|m| (m.id, m)));
    }
    let moved: Vec<&str> = changes
        .iter()
        .filter(|c| c.member_version.is_some())
        .filter(|c| {
            c.member_id
                .and_then(|id| current.get(&id))
                .is_none_or(|m| Some(m.version) != c.member_version)
        })
        .map(|c| c.login.as_deref().unwrap_or("?"))
        .collect();
    if !moved.is_empty() {
        return Err(stale(moved.len(), &moved));
    }

    let new_rows: Vec<&NewRow> = changes
        .iter()
        .filter_map(|c| match &c.payload {
            Payload::Create(new) => Some(new),
            _ => None,
        })
        .collect();
    let logins: Vec<String> = new_rows.iter().map(|n| n.login.clone()).collect();
    let mut taken: Vec<String> = Vec::new();
    for chunk in logins.chunks(CHUNK) {
        let found: Vec<String> = members::Entity::find()
            .select_only()
            .column(members::Column::LoginKey)
            .filter(members::Column::Tenant.eq(tenant))
            .filter(members::Column::LoginKey.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        taken.extend(found);
    }
    let keys: Vec<String> = new_rows
        .iter()
        .flat_map(|n| [&n.email, &n.secondary_email])
        .flatten()
        .map(|a| email::key(a))
        .collect();
    for chunk in keys.chunks(CHUNK) {
        let found: Vec<String> = member_emails::Entity::find()
            .select_only()
            .column(member_emails::Column::AddressKey)
            .filter(member_emails::Column::Tenant.eq(tenant))
            .filter(member_emails::Column::AddressKey.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        taken.extend(found);
    }
    if !taken.is_empty() {
        let names: Vec<&str> = taken.iter().map(String::as_str).collect();
        return Err(Error::Conflict(format!(
            "{} login(s) or address(es) this import would give new members were taken since the preview ({}): \
             start the import again to see the list as it is now.",
            names.len(),
            first_few(&names)
        )));
    }
    Ok(current)
}

fn stale(count: usize, names: &[&str]) -> Error {
    Error::Conflict(format!(
        "{count} member(s) changed since the preview ({}): start the import again to see the list as it is now.",
        first_few(names)
    ))
}

/// The first five names, then "…" when there are more.
fn first_few(names: &[&str]) -> String {
    let mut shown = names.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        shown.push_str(", …");
    }
    shown
}
