//! Retention per tenant (`[privacy]`): members deactivated for longer than
//! `erase_deactivated_after` are erased, audit entries older than `audit_retention`
//! and finished imports older than `import_history_retention` are deleted. Run by the
//! worker; each key absent means "keep".

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, Iterable, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::erase::{erase, BATCH};
use super::Status;
use crate::app::App;
use crate::audit;
use crate::config::Tenant;
use crate::error::Result;
use crate::imports::JobStatus;
use entity::{audit_log, import_jobs, members};

/// What one pass did, over all tenants.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Members erased for having been deactivated too long.
    pub erased: u64,
    /// Audit entries deleted for their age.
    pub audit_entries: u64,
    /// Finished imports deleted (with their changes and row errors) for their age.
    pub imports: u64,
}

/// One retention pass over every tenant, as of `now` (the worker passes the clock).
pub async fn sweep(app: &App, now: DateTime<Utc>) -> Result<Swept> {
    let mut swept = Swept::default();
    for tenant in app.tenants.all() {
        swept.erased += erase_long_deactivated(app, &tenant, now).await?;
        if let Some(keep) = tenant.privacy.audit_retention {
            let before = now - chrono::Duration::from_std(keep).expect("sane retention");
            swept.audit_entries += audit_log::Entity::delete_many()
                .filter(audit_log::Column::Tenant.eq(&tenant.slug))
                .filter(audit_log::Column::At.lt(before))
                .exec(&app.db)
                .await?
                .rows_affected;
        }
        if let Some(keep) = tenant.privacy.import_history_retention {
            let before = now - chrono::Duration::from_std(keep).expect("sane retention");
            let finished: Vec<JobStatus> = JobStatus::iter().filter(|s| s.is_final()).collect();
            // Changes and row errors go with their job (foreign keys cascade).
            swept.imports += import_jobs::Entity::delete_many()
                .filter(import_jobs::Column::Tenant.eq(&tenant.slug))
                .filter(import_jobs::Column::Status.is_in(finished))
                .filter(import_jobs::Column::UpdatedAt.lt(before))
                .exec(&app.db)
                .await?
                .rows_affected;
        }
    }
    Ok(swept)
}

async fn erase_long_deactivated(app: &App, tenant: &Tenant, now: DateTime<Utc>) -> Result<u64> {
    let Some(after) = tenant.privacy.erase_deactivated_after else {
        return Ok(0);
    };
    let before = now - chrono::Duration::from_std(after).expect("sane retention");
    let mut erased = 0;
    loop {
        let ids: Vec<Uuid> = members::Entity::find()
            .select_only()
            .column(members::Column::Id)
            .filter(members::Column::Tenant.eq(&tenant.slug))
            .filter(members::Column::Status.eq(Status::Deactivated))
            .filter(members::Column::DeactivatedAt.lt(before))
            .limit(BATCH as u64)
            .into_tuple()
            .all(&app.db)
            .await?;
        if ids.is_empty() {
            break;
        }
        let done = erase(app, tenant, &ids, None, "retention").await?;
        if done == 0 {
            break; // gone meanwhile; the next pass looks again
        }
        erased += done;
    }
    if erased > 0 {
        let details = json!({ "count": erased, "deactivatedBefore": before });
        audit::record(&app.db, &tenant.slug, None, "privacy.retention_run", None, details).await?;
    }
    Ok(erased)
}
