//! An import's job and what it recorded: looked up, listed, cancelled; its changes and
//! row problems read back a page at a time.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use super::running::lapsed;
use super::JobStatus;
use crate::app::App;
use crate::auth::permissions::require;
use crate::auth::Caller;
use crate::config::Permission;
use crate::error::{Error, Result};
use entity::{import_changes, import_jobs, import_row_errors};

/// A job of the caller's tenant (imports.run), or None.
pub async fn get_job(app: &App, caller: &Caller, id: Uuid) -> Result<Option<import_jobs::Model>> {
    require(&app.db, caller, Permission::ImportsRun).await?;
    find(&app.db, &caller.tenant.slug, id).await
}

/// A job by id within a tenant.
pub async fn find<C: ConnectionTrait>(conn: &C, tenant: &str, id: Uuid) -> Result<Option<import_jobs::Model>> {
    Ok(import_jobs::Entity::find_by_id(id)
        .filter(import_jobs::Column::Tenant.eq(tenant))
        .one(conn)
        .await?)
}

/// A job that must exist, else NOT_FOUND.
pub async fn require_job<C: ConnectionTrait>(conn: &C, tenant: &str, id: Uuid) -> Result<import_jobs::Model> {
    find(conn, tenant, id)
        .await?
        .ok_or_else(|| Error::NotFound("There is no such import.".into()))
}

/// The tenant's jobs, newest first, from after `after` (an id), `limit` of them.
pub async fn list_jobs(
    app: &App,
    caller: &Caller,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<import_jobs::Model>, bool, u64)> {
    require(&app.db, caller, Permission::ImportsRun).await?;
    let base = import_jobs::Entity::find().filter(import_jobs::Column::Tenant.eq(&caller.tenant.slug));
    let total = base.clone().count(&app.db).await?;
    let mut query = base.order_by_desc(import_jobs::Column::Id);
    if let Some(after) = after {
        query = query.filter(import_jobs::Column::Id.lt(after));
    }
    let mut rows = query.limit(limit + 1).all(&app.db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more, total))
}

/// `cancelImport` (imports.run): a job not yet applied is dropped with its plan.
pub async fn cancel_import(app: &App, caller: &Caller, id: Uuid) -> Result<import_jobs::Model> {
    require(&app.db, caller, Permission::ImportsRun).await?;
    let mut job = require_job(&app.db, &caller.tenant.slug, id).await?;
    let status = job.status;
    // A job whose process died (lease lapsed) may be dropped at once, without waiting
    // for the worker to recover it.
    let abandoned = matches!(status, JobStatus::Validating | JobStatus::Applying)
        && !app.imports.is_running(id)
        && job.lease_until.is_none_or(|until| until < crate::stored::now());
    if !matches!(status, JobStatus::Ready | JobStatus::Failed) && !abandoned {
        return Err(Error::Conflict(format!(
            "This import is {}: only a previewed import can be cancelled.",
            status.to_value()
        )));
    }
    let (tenant, actor, from) = (caller.tenant.slug.clone(), caller.member_id(), job.status);
    let file_name = job.file_name.clone();
    app.db
        .transaction::<_, (), Error>(move |txn| {
            Box::pin(async move {
                let claimed = import_jobs::Entity::update_many()
                    .col_expr(import_jobs::Column::Status, Expr::value(JobStatus::Cancelled))
                    .col_expr(import_jobs::Column::UpdatedAt, Expr::value(crate::stored::now()))
                    .col_expr(
                        import_jobs::Column::LeaseUntil,
                        Expr::value(None::<chrono::DateTime<Utc>>),
                    )
                    .filter(import_jobs::Column::Id.eq(id))
                    .filter(import_jobs::Column::Status.eq(from))
                    .filter(match abandoned {
                        true => lapsed(crate::stored::now()),
                        false => sea_orm::Condition::all(),
                    })
                    .exec(txn)
                    .await?
                    .rows_affected;
                if claimed == 0 {
                    return Err(Error::Conflict(
                        "This import changed meanwhile; look at it again.".into(),
                    ));
                }
                // The plan may hold password hashes: nothing of it is kept once cancelled.
                import_changes::Entity::delete_many()
                    .filter(import_changes::Column::JobId.eq(id))
                    .exec(txn)
                    .await?;
                let details = serde_json::json!({ "file": file_name, "abandoned": abandoned });
                crate::audit::record(txn, &tenant, Some(actor), "import.cancelled", Some(id), details).await
            })
        })
        .await?;
    job.status = JobStatus::Cancelled;
    Ok(job)
}

/// A page of a job's row errors (or, with `warnings`, of its row warnings), in file order
/// after `after` (a seq), with the total.
pub async fn row_errors<C: ConnectionTrait>(
    conn: &C,
    job: &import_jobs::Model,
    warnings: bool,
    after: Option<i32>,
    limit: u64,
) -> Result<(Vec<import_row_errors::Model>, bool, u64)> {
    let base = import_row_errors::Entity::find()
        .filter(import_row_errors::Column::JobId.eq(job.id))
        .filter(import_row_errors::Column::Warning.eq(warnings));
    let total = base.clone().count(conn).await?;
    let mut query = base.order_by_asc(import_row_errors::Column::Seq);
    if let Some(after) = after {
        query = query.filter(import_row_errors::Column::Seq.gt(after));
    }
    let mut rows = query.limit(limit + 1).all(conn).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more, total))
}

/// A page of a job's planned changes (of one kind, if given), in plan order.
pub async fn changes<C: ConnectionTrait>(
    conn: &C,
    job: &import_jobs::Model,
    kind: Option<super::ChangeKind>,
    after: Option<i32>,
    limit: u64,
) -> Result<(Vec<import_changes::Model>, bool, u64)> {
    let mut base = import_changes::Entity::find().filter(import_changes::Column::JobId.eq(job.id));
    if let Some(kind) = kind {
        base = base.filter(import_changes::Column::Kind.eq(kind));
    }
    let total = base.clone().count(conn).await?;
    let mut query = base.order_by_asc(import_changes::Column::Seq);
    if let Some(after) = after {
        query = query.filter(import_changes::Column::Seq.gt(after));
    }
    let mut rows = query.limit(limit + 1).all(conn).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more, total))
}
