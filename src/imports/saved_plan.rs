//! A preview's plan written down: the file's passwords hashed, the hashes they replace
//! kept for undo, and the changes and row problems stored in multi-row statements
//! (`import_changes`, `import_row_errors`).

use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use super::jobs::progress;
use super::messages::RowError;
use super::plan::{Edit, PasswordPlan, Payload, Plan, PlannedRow};
use super::{ChangeKind, Options};
use crate::error::{Error, Result};
use crate::sql::InsertRows;
use crate::values::password;
use entity::{import_changes, import_jobs, import_row_errors, members};

/// Hashes the file's passwords on every core; progress goes on from `done` rows.
pub(super) fn hash_passwords(plan: &mut Plan, job: Uuid, done_before: usize) {
    let work = std::mem::take(&mut plan.passwords);
    if work.is_empty() {
        return;
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let hashes: Vec<(usize, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((index, plaintext)) = work.get(i) else { break };
                        out.push((*index, password::hash_blocking(plaintext)));
                        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                        progress::set(job, (done_before + finished) as i32);
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("hashing threads do not panic"))
            .collect()
    });
    let position: std::collections::HashMap<usize, usize> =
        plan.changes.iter().enumerate().map(|(i, c)| (c.seq, i)).collect();
    for (seq, hash) in hashes {
        let change = &mut plan.changes[position[&seq]];
        let mut payload = change.payload();
        match &mut payload {
            Payload::Create(new) => new.password = PasswordPlan::Hash(hash),
            Payload::Edit(edit) => edit.password_hash = Some(hash),
            _ => {}
        }
        change.set_payload(&payload);
    }
}

/// The password hashes that planned password changes replace, kept in the plan so that
/// undo can put them back (the snapshot does not carry hashes).
pub(super) async fn fill_previous_hashes<C: ConnectionTrait>(conn: &C, plan: &mut Plan) -> Result<()> {
    // Rows that set a password are never flushed before this: all are still here.
    let edits: Vec<(usize, Uuid, Edit)> = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, change)| change.awaits_hash)
        .filter_map(|(index, change)| match (change.payload(), change.member_id) {
            (Payload::Edit(edit), Some(id)) if edit.previous_password.is_some() => Some((index, id, edit)),
            _ => None,
        })
        .collect();
    let ids: Vec<Uuid> = edits.iter().map(|(_, id, _)| *id).collect();
    let mut hashes = std::collections::HashMap::new();
    for chunk in ids.chunks(1_000) {
        let rows: Vec<(Uuid, Option<String>)> = members::Entity::find()
            .select_only()
            .columns([members::Column::Id, members::Column::PasswordHash])
            .filter(members::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        hashes.extend(rows);
    }
    for (index, id, mut edit) in edits {
        if let Some(previous) = &mut edit.previous_password {
            previous.0 = hashes.get(&id).cloned().flatten();
        }
        plan.changes[index].set_payload(&Payload::Edit(edit));
    }
    Ok(())
}

/// Writes what planning left in memory (the changes not flushed yet, and the row
/// errors) in multi-row statements.
pub(super) async fn save_plan<C: ConnectionTrait>(conn: &C, job: &import_jobs::Model, plan: &Plan) -> Result<()> {
    save_changes(conn, job, &plan.changes).await?;
    // Warnings numbered after the errors: one `seq` order per job.
    let problems: Vec<&RowError> = plan.errors.iter().chain(&plan.warnings).collect();
    let locale = Options::of_job(job)?.locale;
    for (start, chunk) in problems.chunks(1_000).enumerate().map(|(i, c)| (i * 1_000, c)) {
        let rows = chunk
            .iter()
            .enumerate()
            .map(|(offset, e)| row_error_model(job, &locale, start + offset, e));
        import_row_errors::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Writes planned changes at their `seq`, a multi-row statement per thousand, building
/// each statement's rows only when it is sent.
pub(super) async fn save_changes<C: ConnectionTrait>(
    conn: &C,
    job: &import_jobs::Model,
    changes: &[PlannedRow],
) -> Result<()> {
    const ROWS: usize = 1_000;
    let backend = conn.get_database_backend();
    for chunk in changes.chunks(ROWS) {
        let mut insert = InsertRows::of_entity::<import_changes::Entity>().rows_per_statement(ROWS);
        for c in chunk {
            insert.push_model(import_changes::ActiveModel {
                id: Set(Uuid::now_v7()),
                job_id: Set(job.id),
                tenant: Set(job.tenant.clone()),
                seq: Set(c.seq as i32),
                row: Set(c.row.map(|r| r as i32)),
                kind: Set(c.kind),
                member_id: Set(c.member_id),
                login: Set(c.login.clone()),
                email: Set(c.email.clone()),
                changes: Set(c.changes_json.to_string()),
                payload: Set(c.payload_json.to_string()),
                member_version: Set(c.member_version),
            })?;
        }
        for statement in insert.statements(backend) {
            conn.execute(statement).await?;
        }
    }
    Ok(())
}

fn row_error_model(
    job: &import_jobs::Model,
    locale: &str,
    seq: usize,
    error: &RowError,
) -> import_row_errors::ActiveModel {
    import_row_errors::ActiveModel {
        id: Set(Uuid::now_v7()),
        job_id: Set(job.id),
        tenant: Set(job.tenant.clone()),
        seq: Set(seq as i32),
        row: Set(error.row as i32),
        column_name: Set(error.column.clone()),
        value: Set(error.value.clone()),
        code: Set(error.problem.code().to_owned()),
        message: Set(error.problem.message(locale)),
        warning: Set(error.problem.is_warning()),
        raw_row: Set(None),
    }
}

/// A planned change read back.
pub(super) struct Stored {
    pub kind: ChangeKind,
    pub member_id: Option<Uuid>,
    pub member_version: Option<i64>,
    pub login: Option<String>,
    pub payload: Payload,
}

/// The job's changes that do something, in plan order.
pub(super) async fn load_changes<C: ConnectionTrait>(conn: &C, job: Uuid) -> Result<Vec<Stored>> {
    // Read and decoded a window of `seq` at a time: the JSON texts of a 100,000-row plan
    // are never all in memory beside what they decode to. A window, not `LIMIT` after
    // `ORDER BY seq`: with statistics from before the preview wrote the plan, PostgreSQL
    // read every change of the job through a bitmap scan and sorted them for each page
    // of 5,000 (2.4–3.9 s a page for a million-row plan); a bounded range costs at most
    // its width whatever the plan.
    const WINDOW: i32 = 5_000;
    let last_seq: Option<i32> = import_changes::Entity::find()
        .select_only()
        .column_as(import_changes::Column::Seq.max(), "last")
        .filter(import_changes::Column::JobId.eq(job))
        .into_tuple()
        .one(conn)
        .await?
        .flatten();
    let mut stored = Vec::new();
    let Some(last_seq) = last_seq else {
        return Ok(stored);
    };
    // Each window is decoded on a thread of its own while the database reads the next.
    let mut decoding: Option<tokio::task::JoinHandle<Result<Vec<Stored>>>> = None;
    let mut start = 0;
    while start <= last_seq {
        let rows = read_window(conn, job, start..start.saturating_add(WINDOW)).await?;
        start = start.saturating_add(WINDOW);
        if let Some(window) = decoding.take() {
            stored.extend(decoded(window).await?);
        }
        decoding = Some(tokio::task::spawn_blocking(move || decode_window(rows)));
    }
    if let Some(window) = decoding {
        stored.extend(decoded(window).await?);
    }
    Ok(stored)
}

/// A stored change as applying reads it: not the preview's before and after of each field.
type ChangeRow = (Uuid, ChangeKind, Option<Uuid>, Option<i64>, Option<String>, String);

/// The changes of `job` whose `seq` is in `seqs` that do something, in plan order.
async fn read_window<C: ConnectionTrait>(conn: &C, job: Uuid, seqs: std::ops::Range<i32>) -> Result<Vec<ChangeRow>> {
    Ok(import_changes::Entity::find()
        .select_only()
        .columns([
            import_changes::Column::Id,
            import_changes::Column::Kind,
            import_changes::Column::MemberId,
            import_changes::Column::MemberVersion,
            import_changes::Column::Login,
            import_changes::Column::Payload,
        ])
        .filter(import_changes::Column::JobId.eq(job))
        .filter(import_changes::Column::Kind.ne(ChangeKind::Unchanged))
        .filter(import_changes::Column::Seq.gte(seqs.start))
        .filter(import_changes::Column::Seq.lt(seqs.end))
        .order_by_asc(import_changes::Column::Seq)
        .into_tuple()
        .all(conn)
        .await?)
}

/// A window of changes with their payloads decoded.
fn decode_window(rows: Vec<ChangeRow>) -> Result<Vec<Stored>> {
    rows.into_iter()
        .map(|(id, kind, member_id, member_version, login, payload)| {
            Ok(Stored {
                kind,
                member_id,
                member_version,
                login,
                payload: crate::stored::decode("import_changes", "payload", id, &payload)?,
            })
        })
        .collect()
}

/// The outcome of a window's decoding thread.
async fn decoded(window: tokio::task::JoinHandle<Result<Vec<Stored>>>) -> Result<Vec<Stored>> {
    window
        .await
        .map_err(|e| Error::Internal(format!("decoding an import's plan: {e}")))?
}
