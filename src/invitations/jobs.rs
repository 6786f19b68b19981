//! The invitation work of the background worker: reminders (each exactly once, even
//! with several instances) and expiry.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::Status;
use crate::app::App;
use crate::audit;
use crate::error::{Error, Result};
use crate::mail::outbox::{enqueue, Mail};
use entity::invitations;

/// Marks pending invitations past their lifetime EXPIRED; returns how many.
pub async fn expire(app: &App) -> Result<u64> {
    let now = crate::stored::now();
    let due: Vec<(Uuid, String)> = invitations::Entity::find()
        .select_only()
        .column(invitations::Column::Id)
        .column(invitations::Column::Tenant)
        .filter(invitations::Column::Status.eq(Status::Pending))
        .filter(invitations::Column::ExpiresAt.lte(now))
        .limit(5_000)
        .into_tuple()
        .all(&app.db)
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    Ok(app
        .db
        .transaction::<_, u64, Error>(move |txn| {
            Box::pin(async move {
                let ids: Vec<Uuid> = due.iter().map(|(id, _)| *id).collect();
                let expired = invitations::Entity::update_many()
                    .col_expr(invitations::Column::Status, Expr::value(Status::Expired))
                    .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
                    .filter(invitations::Column::Id.is_in(ids))
                    .filter(super::is_pending())
                    .exec(txn)
                    .await?
                    .rows_affected;
                let mut by_tenant: std::collections::BTreeMap<&str, Vec<Uuid>> = Default::default();
                for (id, tenant) in &due {
                    by_tenant.entry(tenant.as_str()).or_default().push(*id);
                }
                for (tenant, ids) in by_tenant {
                    audit::record_many(txn, tenant, None, "invitation.expired", &ids, json!({})).await?;
                }
                Ok(expired)
            })
        })
        .await?)
}

/// Queues the reminders that are due; returns how many were queued.
pub async fn remind(app: &App) -> Result<u64> {
    let mut queued = 0;
    for tenant in app.tenants.all() {
        let delays = &tenant.invitations.reminders;
        if delays.is_empty() {
            continue;
        }
        let now = crate::stored::now();
        let candidates = invitations::Entity::find()
            .filter(invitations::Column::Tenant.eq(&tenant.slug))
            .filter(invitations::Column::Status.eq(Status::Pending))
            .filter(invitations::Column::SentAt.is_not_null())
            .filter(invitations::Column::ExpiresAt.gt(now))
            .filter(invitations::Column::RemindersSent.lt(delays.len() as i32))
            .all(&app.db)
            .await?;
        for inv in candidates {
            let Some(delay) = delays.get(inv.reminders_sent as usize) else {
                continue;
            };
            let sent_at = inv.sent_at.expect("filtered on sent_at");
            if sent_at + chrono::Duration::from_std(*delay).expect("sane delay") > now {
                continue;
            }
            let slug = tenant.slug.clone();
            let claimed = app
                .db
                .transaction::<_, bool, Error>(move |txn| {
                    Box::pin(async move {
                        // Only the instance whose update counts the reminder queues it.
                        let counted = invitations::Entity::update_many()
                            .col_expr(invitations::Column::RemindersSent, Expr::value(inv.reminders_sent + 1))
                            .col_expr(
                                invitations::Column::LastRemindedAt,
                                Expr::value(Some(crate::stored::now())),
                            )
                            .filter(invitations::Column::Id.eq(inv.id))
                            .filter(invitations::Column::RemindersSent.eq(inv.reminders_sent))
                            .filter(invitations::Column::Status.eq(Status::Pending))
                            .exec(txn)
                            .await?;
                        if counted.rows_affected != 1 {
                            return Ok(false);
                        }
                        let mail = Mail::Invitation {
                            invitation_id: inv.id,
                            reminder: true,
                        };
                        enqueue(txn, &slug, &inv.email, &inv.locale, &mail).await?;
                        let details = json!({ "email": inv.email, "reminder": inv.reminders_sent + 1 });
                        audit::record(txn, &slug, None, "invitation.reminded", Some(inv.id), details).await?;
                        Ok(true)
                    })
                })
                .await?;
            queued += u64::from(claimed);
        }
    }
    Ok(queued)
}
