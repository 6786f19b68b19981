//! What an apply checks before it writes: every member the plan touches is as the
//! preview saw it (same version, locked until the commit). That the logins and
//! addresses it gives new members are still free is the member writer's to say: the
//! unique indexes refuse them at the insert (CONFLICT), with no lookup beforehand.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::CHUNK;
use crate::error::{Error, Result};
use crate::imports::saved_plan::Stored;
use crate::members::of_tenant_among;
use entity::members;

/// The members the plan touches, as they are now; CONFLICT if any moved since the
/// preview.
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
            .filter(of_tenant_among(tenant, chunk.iter().copied()))
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

    Ok(current)
}

fn stale(count: usize, names: &[&str]) -> Error {
    Error::ChangedSincePreview {
        count,
        shown: first_few(names),
    }
}

/// The first five names, then "…" when there are more.
fn first_few(names: &[&str]) -> String {
    let mut shown = names.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        shown.push_str(", …");
    }
    shown
}
