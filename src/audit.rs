//! Writing the audit log, in the same transaction as the change it records.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::error::Result;

/// Appends one entry; `actor` None means the system (bootstrap, jobs, sign-in limits).
/// `details` must never hold a password or a token.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    actor: Option<Uuid>,
    action: &str,
    target: Option<Uuid>,
    details: serde_json::Value,
) -> Result<()> {
    entity::audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant: Set(tenant.to_owned()),
        at: Set(crate::stored::now()),
        actor_id: Set(actor),
        action: Set(action.to_owned()),
        target_id: Set(target),
        details: Set(details.to_string()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Appends the same action for many targets of one tenant, in multi-row statements.
pub async fn record_many<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    actor: Option<Uuid>,
    action: &str,
    targets: &[Uuid],
    details: serde_json::Value,
) -> Result<()> {
    let now = crate::stored::now();
    let details = details.to_string();
    let entries: Vec<entity::audit_log::ActiveModel> = targets
        .iter()
        .map(|target| entity::audit_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant: Set(tenant.to_owned()),
            at: Set(now),
            actor_id: Set(actor),
            action: Set(action.to_owned()),
            target_id: Set(Some(*target)),
            details: Set(details.clone()),
        })
        .collect();
    for chunk in entries.chunks(1_000) {
        entity::audit_log::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Which audit entries to list; every field given narrows the list, none lists them all.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact action, or a prefix ending in `*` (`member.*`).
    pub action: Option<String>,
    pub actor_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
    pub since: Option<chrono::DateTime<Utc>>,
    pub until: Option<chrono::DateTime<Utc>>,
}

/// Entries newest first, after the entry `after` (audit.read); also the condition, for counting.
pub async fn list(
    app: &crate::app::App,
    caller: &crate::auth::Caller,
    filter: &AuditFilter,
    limit: u64,
    after: Option<Uuid>,
) -> Result<(Vec<entity::audit_log::Model>, bool, sea_orm::Condition)> {
    use entity::audit_log::{Column, Entity};
    use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

    crate::auth::permissions::require(&app.db, caller, crate::config::Permission::AuditRead).await?;
    let mut cond = Condition::all().add(Column::Tenant.eq(&caller.tenant.slug));
    if let Some(action) = &filter.action {
        cond = cond.add(match action.strip_suffix('*') {
            Some(prefix) => Column::Action.starts_with(prefix),
            None => Column::Action.eq(action.as_str()),
        });
    }
    if let Some(actor) = filter.actor_id {
        cond = cond.add(Column::ActorId.eq(actor));
    }
    if let Some(target) = filter.target_id {
        cond = cond.add(Column::TargetId.eq(target));
    }
    if let Some(since) = filter.since {
        cond = cond.add(Column::At.gte(since));
    }
    if let Some(until) = filter.until {
        cond = cond.add(Column::At.lt(until));
    }
    let mut query = Entity::find().filter(cond.clone());
    if let Some(after) = after {
        query = query.filter(Column::Id.lt(after));
    }
    let mut rows = query.order_by_desc(Column::Id).limit(limit + 1).all(&app.db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more, cond))
}
