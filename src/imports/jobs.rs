//! Bookkeeping around running imports: live progress, and jobs a stopped server left
//! half-way (their transaction rolled back, so only the job's status needs fixing).

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::JobStatus;
use crate::app::App;
use crate::error::Result;
use entity::import_jobs;

/// Rows processed by jobs running in this process. Progress cannot go through the
/// database: an apply holds its write transaction (SQLite allows one writer) until done.
pub mod progress {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};

    use uuid::Uuid;

    static RUNNING: LazyLock<Mutex<HashMap<Uuid, i32>>> = LazyLock::new(Default::default);

    pub fn set(job: Uuid, processed: i32) {
        RUNNING.lock().expect("progress lock").insert(job, processed);
    }

    pub fn get(job: Uuid) -> Option<i32> {
        RUNNING.lock().expect("progress lock").get(&job).copied()
    }

    pub fn clear(job: Uuid) {
        RUNNING.lock().expect("progress lock").remove(&job);
    }
}

/// How long a job may stay VALIDATING or APPLYING before it is taken for abandoned.
pub const STALE_AFTER: chrono::Duration = chrono::Duration::minutes(30);

/// Jobs a stopped server left running: a preview becomes FAILED, an apply (rolled back
/// with its transaction) becomes READY again.
pub async fn recover_abandoned(app: &App) -> Result<u64> {
    let before = Utc::now() - STALE_AFTER;
    let mut fixed = 0;
    for (from, to, error) in [
        (
            JobStatus::Validating,
            JobStatus::Failed,
            Some("The server stopped while reading the file; start the import again."),
        ),
        (JobStatus::Applying, JobStatus::Ready, None),
    ] {
        fixed += import_jobs::Entity::update_many()
            .col_expr(import_jobs::Column::Status, Expr::value(to.as_str()))
            .col_expr(import_jobs::Column::Error, Expr::value(error))
            .col_expr(import_jobs::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(import_jobs::Column::Status.eq(from.as_str()))
            .filter(import_jobs::Column::UpdatedAt.lt(before))
            .exec(&app.db)
            .await?
            .rows_affected;
    }
    Ok(fixed)
}
