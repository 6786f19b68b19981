//! `applyImport`: carries out exactly the previewed plan in one transaction, with
//! multi-row statements (members, addresses, search words, roles, groups, invitations).
//! Every member it touches must be as the preview saw it (same version), and the logins
//! and addresses it creates still free; otherwise CONFLICT and nothing changes. The job
//! turns DONE in the same transaction, so a crash leaves both list and job as they were.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use crate::app::App;
use crate::audit;
use crate::auth::permissions::require;
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::error::{Error, FieldError, Result};
use crate::imports::history::require_job;
use crate::imports::jobs::progress;
use crate::imports::messages;
use crate::imports::plan::{Edit, InviteRow, NewRow, Payload};
use crate::imports::running::{is_busy, lease_from_now, lock_tenant};
use crate::imports::saved_plan::{load_changes, Stored};
use crate::imports::{JobStatus, Mode, Options, Summary};
use crate::members::create::lock_addresses;
use crate::members::Status;
use entity::{import_jobs, invitations, members};

mod named_groups;
mod still_valid;
mod writer;

use self::named_groups::ensure_groups;
use self::still_valid::check_versions;
use self::writer::Writer;
pub(super) use self::writer::{set_active, set_from_file};

/// Rows per multi-row statement.
const CHUNK: usize = 500;

/// `applyImport` (imports.run).
pub async fn apply_import(
    app: &App,
    caller: &Caller,
    id: Uuid,
    skip_invalid_rows: bool,
    allow_mass_deactivation: bool,
) -> Result<import_jobs::Model> {
    let job = job_to_apply(app, caller, id, skip_invalid_rows, allow_mass_deactivation).await?;
    let locale = Options::of_job(&job)?.locale;
    let tenant = caller.tenant.clone();
    let _held = app.imports.hold_tenant(&tenant.slug)?;
    claim(&app.db, id).await?;
    progress::set(id, 0);
    let run = app.imports.run(&app.db, id).await;
    let outcome = apply_in_transaction(app, caller, job, skip_invalid_rows).await;
    drop(run);
    progress::clear(id);
    match outcome {
        Ok((done, deactivated)) => {
            end_sessions(app, &tenant.slug, &deactivated).await;
            Ok(done)
        }
        Err(err) => {
            release(&app.db, id, &err, &locale).await?;
            Err(err)
        }
    }
}

/// The job, when the caller may apply it as asked: it is READY, has no rows with errors
/// unless those are skipped, and (SYNC) deactivates no more than allowed.
async fn job_to_apply(
    app: &App,
    caller: &Caller,
    id: Uuid,
    skip_invalid_rows: bool,
    allow_mass_deactivation: bool,
) -> Result<import_jobs::Model> {
    require(&app.db, caller, Permission::ImportsRun).await?;
    let tenant = &caller.tenant;
    let job = require_job(&app.db, &tenant.slug, id).await?;
    let status = job.status;
    if status != JobStatus::Ready {
        return Err(Error::Conflict(format!(
            "This import is {}: only a READY import can be applied.",
            status.to_value()
        )));
    }
    let summary = Summary::of_job(&job)?;
    if summary.error_rows > 0 && !skip_invalid_rows {
        return Err(Error::Validation(vec![FieldError::worded(
            "skipInvalidRows",
            format!(
                "{} rows have errors: fix them and import the file again, or apply with skipInvalidRows to leave them out",
                summary.error_rows
            ),
            "rows-with-errors",
            &[("count", summary.error_rows.to_string())],
        )]));
    }
    if job.mode == Mode::Sync && !allow_mass_deactivation {
        check_mass_deactivation(&app.db, tenant, summary.deactivate).await?;
    }
    Ok(job)
}

/// Turns the READY job APPLYING, leased; CONFLICT when it is no longer READY, so that two
/// concurrent applies cannot both pass this.
async fn claim(db: &DatabaseConnection, id: Uuid) -> Result<()> {
    let claimed = import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::Status, Expr::value(JobStatus::Applying))
        .col_expr(import_jobs::Column::ProcessedRows, Expr::value(0))
        .col_expr(import_jobs::Column::LeaseUntil, Expr::value(Some(lease_from_now())))
        .col_expr(import_jobs::Column::UpdatedAt, Expr::value(crate::stored::now()))
        .filter(import_jobs::Column::Id.eq(id))
        .filter(import_jobs::Column::Status.eq(JobStatus::Ready))
        .exec(db)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Err(Error::Conflict("This import is already being applied.".into()));
    }
    Ok(())
}

/// The plan applied in one transaction: the job DONE, and the members it deactivated.
async fn apply_in_transaction(
    app: &App,
    caller: &Caller,
    job: import_jobs::Model,
    skip_invalid_rows: bool,
) -> Result<(import_jobs::Model, Vec<Uuid>)> {
    let (tenant, actor) = (caller.tenant.clone(), caller.member_id());
    app.db
        .transaction::<_, (import_jobs::Model, Vec<Uuid>), Error>(move |txn| {
            Box::pin(async move {
                begin_member_writes(txn, &tenant.slug, job.id).await?;
                apply_plan(txn, &tenant, job, actor, skip_invalid_rows).await
            })
        })
        .await
        .map_err(Error::from)
}

/// Ends the sessions of members an import or its undo deactivated, after the commit.
pub(super) async fn end_sessions(app: &App, tenant: &str, deactivated: &[Uuid]) {
    if !deactivated.is_empty() {
        // Sessions are also refused at their next request (status is checked there).
        if let Err(err) = app.sessions.remove_sessions_of(tenant, deactivated).await {
            tracing::warn!(error = %err, "ending sessions of members deactivated by an import");
        }
    }
}

/// Releases a job whose apply failed with `err`: a stale plan can never apply, so the job
/// fails and the admin previews again; anything else (another apply under way, database
/// trouble) leaves it READY to try once more. The reason kept is in the admin's `locale`.
async fn release(db: &DatabaseConnection, id: Uuid, err: &Error, locale: &str) -> Result<()> {
    let stale = matches!(
        err,
        Error::Conflict(_) | Error::TakenMeanwhile { .. } | Error::ChangedSincePreview { .. }
    );
    let (next, reason) = if stale && !is_busy(err) {
        (JobStatus::Failed, Some(messages::apply_failure(err, locale)))
    } else {
        (JobStatus::Ready, None)
    };
    import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::Status, Expr::value(next))
        .col_expr(import_jobs::Column::Error, Expr::value(reason))
        .col_expr(import_jobs::Column::LeaseUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(import_jobs::Column::UpdatedAt, Expr::value(crate::stored::now()))
        .filter(import_jobs::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Opens an apply's or undo's writes, as the first statement of its transaction: the
/// tenant locked across instances (CONFLICT when another apply or undo runs), and on
/// SQLite the database's write lock taken before anything is read, so that what the
/// checks read stays true until the commit (a later upgrade from reader to writer would
/// fail as "locked"). The caller holds the tenant in this process already.
pub(super) async fn begin_member_writes<C: ConnectionTrait>(txn: &C, tenant: &str, job: Uuid) -> Result<()> {
    lock_tenant(txn, tenant).await?;
    lock_addresses(txn, tenant).await?;
    import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::UpdatedAt, Expr::value(crate::stored::now()))
        .filter(import_jobs::Column::Id.eq(job))
        .exec(txn)
        .await?;
    Ok(())
}

/// VALIDATION when a SYNC would deactivate more than `[import] max_deactivate_percent`
/// of the active members (and more than 10 of them).
async fn check_mass_deactivation<C: ConnectionTrait>(conn: &C, tenant: &Tenant, deactivating: i32) -> Result<()> {
    if deactivating <= 10 {
        return Ok(());
    }
    let active = members::Entity::find()
        .filter(members::Column::Tenant.eq(&tenant.slug))
        .filter(members::Column::Status.eq(Status::Active))
        .count(conn)
        .await?;
    let limit = u64::from(tenant.import.max_deactivate_percent);
    if deactivating as u64 * 100 > active * limit {
        return Err(Error::Validation(vec![FieldError::worded(
            "allowMassDeactivation",
            format!(
                "this import would deactivate {deactivating} of {active} active members, more than {limit}%: \
                 apply with allowMassDeactivation if that is intended"
            ),
            "mass-deactivation",
            &[
                ("count", deactivating.to_string()),
                ("active", active.to_string()),
                ("limit", limit.to_string()),
            ],
        )]));
    }
    Ok(())
}

/// Carries out the job's stored plan, turns the job DONE (undoable for the tenant's undo
/// window) and records `import.applied`; returns the job and the members deactivated.
async fn apply_plan<C: ConnectionTrait>(
    txn: &C,
    tenant: &Tenant,
    job: import_jobs::Model,
    actor: Uuid,
    skipped_rows: bool,
) -> Result<(import_jobs::Model, Vec<Uuid>)> {
    let mut options = Options::of_job(&job)?;
    let changes = load_changes(txn, job.id).await?;
    let current = check_versions(txn, &tenant.slug, &changes).await?;
    let (group_ids, created_groups) = ensure_groups(txn, tenant, &changes).await?;
    let mut writer = Writer {
        txn,
        tenant,
        job: job.id,
        actor,
        now: crate::stored::now(),
        group_ids,
        processed: 0,
        deactivated: Vec::new(),
    };
    write_changes(&mut writer, &changes, &current, &options).await?;

    let summary = Summary::of_job(&job)?;
    let mut job = done(job, tenant);
    options.created_groups = created_groups;
    job.options = serde_json::to_string(&options).expect("options serialise");
    job.clone().into_active_model().reset_all().update(txn).await?;
    let details = applied_details(&job, &summary, &options, skipped_rows);
    audit::record(txn, &tenant.slug, Some(actor), "import.applied", Some(job.id), details).await?;
    Ok((job, writer.deactivated))
}

/// Writes the plan's changes, kind by kind: new members, edits of the members as they are
/// now (`current`), invitations, group additions.
async fn write_changes<C: ConnectionTrait>(
    writer: &mut Writer<'_, C>,
    changes: &[Stored],
    current: &HashMap<Uuid, members::Model>,
    options: &Options,
) -> Result<()> {
    let creates: Vec<(Uuid, &NewRow)> = changes
        .iter()
        .filter_map(|c| match (&c.payload, c.member_id) {
            (Payload::Create(new), Some(id)) => Some((id, new)),
            _ => None,
        })
        .collect();
    writer.create(&creates).await?;
    let edits: Vec<(&members::Model, &Edit)> = changes
        .iter()
        .filter_map(|c| match (&c.payload, c.member_id.and_then(|id| current.get(&id))) {
            (Payload::Edit(edit), Some(member)) => Some((member, edit)),
            _ => None,
        })
        .collect();
    writer.edit(&edits).await?;
    let invites: Vec<&InviteRow> = changes
        .iter()
        .filter_map(|c| match &c.payload {
            Payload::Invite(invite) => Some(invite),
            _ => None,
        })
        .collect();
    writer.invite(&invites, options.defaults.message.as_deref()).await?;
    let additions: Vec<(Uuid, Vec<Uuid>)> = changes
        .iter()
        .filter_map(|c| match (&c.payload, c.member_id) {
            (Payload::AddToGroups { groups }, Some(id)) => Some((id, writer.groups_named(groups))),
            _ => None,
        })
        .collect();
    writer.join_groups(&additions).await
}

/// The job as applied now: DONE, every row processed, undoable for the undo window.
fn done(mut job: import_jobs::Model, tenant: &Tenant) -> import_jobs::Model {
    let now = crate::stored::now();
    job.status = JobStatus::Done;
    job.processed_rows = job.total_rows;
    job.applied_at = Some(now);
    job.undoable_until = Some(now + chrono::Duration::from_std(tenant.import.undo_window).unwrap_or_default());
    job.updated_at = now;
    job.error = None;
    job
}

/// What the `import.applied` audit entry says: the file, the counts of its summary, and
/// whether rows with errors were left out.
fn applied_details(
    job: &import_jobs::Model,
    summary: &Summary,
    options: &Options,
    skipped_rows: bool,
) -> serde_json::Value {
    serde_json::json!({
        "mode": job.mode,
        "file": job.file_name,
        "created": summary.create,
        "updated": summary.update,
        "deactivated": summary.deactivate,
        "reactivated": summary.reactivate,
        "invited": summary.invite,
        "addedToGroups": summary.add_to_groups,
        "errorRows": summary.error_rows,
        "skippedInvalidRows": skipped_rows && summary.error_rows > 0,
        "newGroups": options.new_groups,
    })
}

/// Pending invitations sent by a job.
pub(super) fn sent_by(job: Uuid) -> Condition {
    Condition::all()
        .add(invitations::Column::ImportJobId.eq(job))
        .add(invitations::Column::Status.eq(invitations::Status::Pending))
}
