//! The groups a plan names: found by their case-insensitive name, or created.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::CHUNK;
use crate::config::Tenant;
use crate::error::{Error, Result};
use crate::imports::plan::{Edit, Payload};
use crate::imports::saved_plan::Stored;
use entity::groups;

/// Manual group ids by lower-case name, creating the groups the plan names that do not
/// exist, and the ids of those created; CONFLICT if a name now belongs to a smart group.
pub(super) async fn ensure_groups<C: ConnectionTrait>(
    conn: &C,
    tenant: &Tenant,
    changes: &[Stored],
) -> Result<(HashMap<String, Uuid>, Vec<Uuid>)> {
    let wanted = names_in(changes);
    let existing = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(&tenant.slug))
        .all(conn)
        .await?;
    let mut ids = HashMap::new();
    for group in &existing {
        if group.rule.is_none() {
            ids.insert(group.name_key.clone(), group.id);
        }
    }
    let now = crate::stored::now();
    let mut created = Vec::new();
    for name in wanted {
        let key = name.to_lowercase();
        if ids.contains_key(&key) {
            continue;
        }
        if existing.iter().any(|g| g.name_key == key) {
            return Err(Error::Conflict(format!(
                "The group \"{name}\" became a smart group since the preview: start the import again."
            )));
        }
        let id = Uuid::now_v7();
        ids.insert(key.clone(), id);
        created.push(groups::ActiveModel {
            id: Set(id),
            tenant: Set(tenant.slug.clone()),
            name: Set(name.clone()),
            name_key: Set(key),
            description: Set(None),
            rule: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    for chunk in created.chunks(CHUNK) {
        groups::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    let created = created.iter().map(|g| *g.id.as_ref()).collect();
    Ok((ids, created))
}

/// The group names the changes use, each once (compared without case), as first written.
fn names_in(changes: &[Stored]) -> Vec<String> {
    let mut wanted: Vec<String> = Vec::new();
    for change in changes {
        let names: &[String] = match &change.payload {
            Payload::Create(new) => &new.groups,
            Payload::Edit(Edit {
                groups: Some((_, after)),
                ..
            }) => after,
            Payload::Invite(invite) => &invite.groups,
            Payload::AddToGroups { groups } => groups,
            _ => &[],
        };
        for name in names {
            if !wanted.iter().any(|w| w.to_lowercase() == name.to_lowercase()) {
                wanted.push(name.clone());
            }
        }
    }
    wanted
}
