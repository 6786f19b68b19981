//! The previews and applies this instance runs: at most `[limits] concurrent_imports` at
//! once (the others wait their turn, first come first served), each holding a lease on
//! its job row that it pushes forward while it works, so that a job whose process died
//! is recovered within a minute; and one apply or undo at a time per tenant.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::{Expr, LockBehavior, LockType, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, QueryFilter, Statement};
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::JobStatus;
use crate::error::{Error, Result};
use entity::import_jobs;

/// How long a job's lease lasts past its last renewal.
pub const LEASE: Duration = Duration::from_secs(30);
/// How often a running job renews its lease (well inside [`LEASE`], so that one slow
/// write does not let it lapse).
const RENEW_EVERY: Duration = Duration::from_secs(10);

/// The imports running in this process; one per App.
pub struct RunningImports {
    slots: Arc<Semaphore>,
    jobs: Mutex<HashSet<Uuid>>,
    tenants_writing: Mutex<HashSet<String>>,
}

/// A job this instance runs: holds a slot (once granted) and keeps the lease fresh.
/// Dropping it frees the slot and stops the renewals.
pub struct JobRun {
    owner: Arc<RunningImports>,
    job: Uuid,
    renewer: tokio::task::JoinHandle<()>,
    _slot: Option<OwnedSemaphorePermit>,
}

/// The right to write a tenant's members for an apply or an undo; released on drop.
pub struct TenantWrite {
    owner: Arc<RunningImports>,
    tenant: String,
}

impl RunningImports {
    /// Room for `concurrent` previews and applies at once (at least one).
    pub fn new(concurrent: usize) -> Arc<Self> {
        Arc::new(Self {
            slots: Arc::new(Semaphore::new(concurrent.max(1))),
            jobs: Mutex::new(HashSet::new()),
            tenants_writing: Mutex::new(HashSet::new()),
        })
    }

    /// Starts answering for `job`: renews its lease from now on, then waits for a free
    /// slot (in arrival order; the job shows 0 rows processed meanwhile).
    pub async fn run(self: &Arc<Self>, db: &DatabaseConnection, job: Uuid) -> JobRun {
        self.jobs.lock().expect("running jobs").insert(job);
        let renewer = tokio::spawn(renew_lease(db.clone(), job));
        let mut run = JobRun {
            owner: self.clone(),
            job,
            renewer,
            _slot: None,
        };
        run._slot = self.slots.clone().acquire_owned().await.ok();
        run
    }

    /// Whether this process is running `job` right now.
    pub fn is_running(&self, job: Uuid) -> bool {
        self.jobs.lock().expect("running jobs").contains(&job)
    }

    fn running(&self) -> Vec<Uuid> {
        self.jobs.lock().expect("running jobs").iter().copied().collect()
    }

    /// Takes the tenant for an apply or undo in this process: CONFLICT at once when
    /// another one runs here. Taken before the job is claimed, so that the second of
    /// two applies does not queue behind the first's write lock (SQLite).
    pub fn hold_tenant(self: &Arc<Self>, tenant: &str) -> Result<TenantWrite> {
        if !self
            .tenants_writing
            .lock()
            .expect("tenant writes")
            .insert(tenant.to_owned())
        {
            return Err(busy());
        }
        Ok(TenantWrite {
            owner: self.clone(),
            tenant: tenant.to_owned(),
        })
    }
}

/// Takes the tenant for an apply or undo across instances, inside its transaction
/// `txn` (PostgreSQL: an advisory lock held until the transaction ends, whichever way):
/// CONFLICT at once when another instance holds it. One process on SQLite needs no more
/// than [`RunningImports::hold_tenant`].
pub async fn lock_tenant<C: ConnectionTrait>(txn: &C, tenant: &str) -> Result<()> {
    if txn.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let locked = txn
        .query_one(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_try_advisory_xact_lock($1) AS locked",
            [advisory_key(tenant).into()],
        ))
        .await?
        .and_then(|row| row.try_get::<bool>("", "locked").ok())
        .unwrap_or(false);
    if locked {
        Ok(())
    } else {
        Err(busy())
    }
}

impl Drop for JobRun {
    fn drop(&mut self) {
        self.renewer.abort();
        self.owner.jobs.lock().expect("running jobs").remove(&self.job);
    }
}

impl Drop for TenantWrite {
    fn drop(&mut self) {
        self.owner
            .tenants_writing
            .lock()
            .expect("tenant writes")
            .remove(&self.tenant);
    }
}

const BUSY: &str =
    "Another import of this organization is being applied or undone right now: try again when it is done.";

fn busy() -> Error {
    Error::Conflict(BUSY.into())
}

/// Whether `err` says another apply or undo held the tenant (the plan itself may be fine).
pub fn is_busy(err: &Error) -> bool {
    matches!(err, Error::Conflict(message) if message == BUSY)
}

/// The advisory lock number of a tenant's member writes (stable across instances).
fn advisory_key(tenant: &str) -> i64 {
    let digest = Sha256::digest(format!("roster.import-writes:{tenant}").as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// Until when a lease taken now lasts.
pub fn lease_from_now() -> chrono::DateTime<Utc> {
    crate::stored::now() + chrono::Duration::from_std(LEASE).expect("short duration")
}

async fn renew_lease(db: DatabaseConnection, job: Uuid) {
    loop {
        let running = Query::select()
            .column(import_jobs::Column::Id)
            .from(import_jobs::Entity)
            .and_where(import_jobs::Column::Id.eq(job))
            .and_where(import_jobs::Column::Status.is_in([JobStatus::Validating, JobStatus::Applying]))
            .to_owned();
        // While the apply's transaction holds the row, the lock is the proof of life
        // (recovery skips locked rows): renewing would only wait, holding a connection.
        let renewed = import_jobs::Entity::update_many()
            .col_expr(import_jobs::Column::LeaseUntil, Expr::value(Some(lease_from_now())))
            .filter(import_jobs::Column::Id.in_subquery(unless_locked(running)))
            .exec(&db)
            .await;
        if let Err(err) = renewed {
            // On SQLite an apply holds the only write lock; the next renewal gets through.
            tracing::debug!(%job, error = %err, "import lease not renewed this time");
        }
        tokio::time::sleep(RENEW_EVERY).await;
    }
}

/// Jobs whose process died (their lease lapsed; this process is not running them): a
/// preview becomes FAILED, an apply (rolled back with its transaction) READY again.
pub async fn recover_abandoned(db: &DatabaseConnection, running: &RunningImports) -> Result<u64> {
    let now = crate::stored::now();
    let mine = running.running();
    let mut fixed = 0;
    for (from, to, error) in [
        (
            JobStatus::Validating,
            JobStatus::Failed,
            Some("The server stopped while reading the file; start the import again."),
        ),
        (JobStatus::Applying, JobStatus::Ready, None),
    ] {
        let abandoned = Query::select()
            .column(import_jobs::Column::Id)
            .from(import_jobs::Entity)
            .and_where(import_jobs::Column::Status.eq(from))
            .cond_where(lapsed(now))
            .and_where(import_jobs::Column::Id.is_not_in(mine.clone()))
            .to_owned();
        fixed += import_jobs::Entity::update_many()
            .col_expr(import_jobs::Column::Status, Expr::value(to))
            .col_expr(import_jobs::Column::Error, Expr::value(error))
            .col_expr(
                import_jobs::Column::LeaseUntil,
                Expr::value(None::<chrono::DateTime<Utc>>),
            )
            .col_expr(import_jobs::Column::UpdatedAt, Expr::value(now))
            .filter(import_jobs::Column::Status.eq(from))
            .filter(import_jobs::Column::Id.in_subquery(unless_locked(abandoned)))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(fixed)
}

/// The rows `select` finds that no other transaction holds (PostgreSQL: `FOR UPDATE
/// SKIP LOCKED`; SQLite, whose writers exclude each other, has no row locks). An apply's
/// transaction holds its job's row from its first write to its commit: a lapsed lease
/// on a held row is an apply still running, not one whose process died, and waiting for
/// it would stall the worker (or the renewal) for the length of the apply.
fn unless_locked(mut select: SelectStatement) -> SelectStatement {
    select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    select
}

/// A lease that ended, or none at all on a job last touched over a lease ago (jobs
/// started before leases existed).
pub fn lapsed(now: chrono::DateTime<Utc>) -> sea_orm::Condition {
    let lease_ago = now - chrono::Duration::from_std(LEASE).expect("short duration");
    sea_orm::Condition::any()
        .add(import_jobs::Column::LeaseUntil.lt(now))
        .add(
            sea_orm::Condition::all()
                .add(import_jobs::Column::LeaseUntil.is_null())
                .add(import_jobs::Column::UpdatedAt.lt(lease_ago)),
        )
}
