//! Writing the audit log, in the same transaction as the change it records.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
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
        at: Set(Utc::now()),
        actor_id: Set(actor),
        action: Set(action.to_owned()),
        target_id: Set(target),
        details: Set(details.to_string()),
    }
    .insert(conn)
    .await?;
    Ok(())
}
