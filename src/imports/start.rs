//! `startImport`: the file is read and planned off the async threads, passwords hashed
//! on every core, and the plan written (changes, row errors, the error report) before the
//! job turns READY. Nothing about members changes here.

use futures_util::{StreamExt, TryStreamExt};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use uuid::Uuid;

use super::columns::{match_headers, Field};
use super::encoding;
use super::file::{self, Format, Limits};
use super::jobs::progress;
use super::messages::{self, Problem, RowError};
use super::plan::{self, load_snapshot, Context, PlannedRow};
use super::row::Layout;
use super::running::lease_from_now;
use super::saved_plan::{fill_previous_hashes, hash_passwords, save_changes, save_plan};
use super::text_file::{ReadError, Sheet};
use super::{report, ColumnUse, Defaults, JobStatus, Mode, Options};
use crate::app::App;
use crate::auth::permissions::require;
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::error::{Error, FieldError, Result};
use crate::invitations::MAX_MESSAGE;
use entity::{groups, import_jobs};

/// `StartImportInput`, read.
#[derive(Debug, Clone)]
pub struct StartRequest {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub mode: Mode,
    pub defaults: Defaults,
    pub keep_absent: bool,
    /// The admin's locale, for messages.
    pub locale: String,
    /// A CSV/text file's encoding as the admin forced it (WHATWG label); None: detected.
    pub encoding: Option<String>,
    /// A workbook's sheet to read, by name; None: the first visible one.
    pub sheet: Option<String>,
}

/// `startImport` (imports.run): reads, checks and previews. A file that cannot be read
/// gives a FAILED job with the reason; bad options are a VALIDATION error.
pub async fn start_import(app: &App, caller: &Caller, request: StartRequest) -> Result<import_jobs::Model> {
    require(&app.db, caller, Permission::ImportsRun).await?;
    check_defaults(app, caller, &request).await?;
    let forced_encoding = forced_encoding(request.encoding.as_deref())?;
    let limits = &app.settings.limits;
    if request.bytes.len() as u64 > limits.upload_bytes {
        return Err(Error::invalid(
            "input.file",
            format!("the file is larger than {} bytes", limits.upload_bytes),
        ));
    }
    let options = Options {
        defaults: request.defaults.clone(),
        keep_absent: request.keep_absent,
        locale: request.locale.clone(),
        ..Options::default()
    };
    let job = new_job(caller, &request, &options);
    job.clone().into_active_model().reset_all().insert(&app.db).await?;

    // Runs on even if the client goes away, so the job never stays VALIDATING.
    let (app2, caller2) = (app.clone(), caller.clone());
    let job_id = job.id;
    let handle = tokio::spawn(async move {
        let _run = app2.imports.run(&app2.db, job.id).await;
        prepare(&app2, &caller2, Preview { job, options }, request, forced_encoding).await
    });
    let outcome = handle
        .await
        .map_err(|e| Error::Internal(format!("import preview task: {e}")))
        .and_then(|result| result);
    if outcome.is_err() {
        fail_unpreviewed(&app.db, job_id).await?;
    }
    outcome
}

/// The encoding the admin forced, from its WHATWG label; None when no label is given
/// (the encoding is detected); VALIDATION for a label no encoding has.
fn forced_encoding(label: Option<&str>) -> Result<Option<&'static encoding_rs::Encoding>> {
    Ok(match label.map(str::trim) {
        None | Some("") => None,
        Some(label) => Some(encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| {
            Error::invalid(
                "input.encoding",
                format!(
                    "\"{label}\" is not a known encoding (try utf-8, windows-1252, iso-8859-15, macintosh, utf-16le)"
                ),
            )
        })?),
    })
}

/// A new import's job row: VALIDATING and leased, its file not read yet.
fn new_job(caller: &Caller, request: &StartRequest, options: &Options) -> import_jobs::Model {
    let now = crate::stored::now();
    import_jobs::Model {
        id: Uuid::now_v7(),
        tenant: caller.tenant.slug.clone(),
        mode: request.mode,
        status: JobStatus::Validating,
        file_name: clean_file_name(&request.file_name),
        format: file::detect_format(&request.bytes).as_str().to_owned(),
        total_rows: 0,
        processed_rows: 0,
        columns: "[]".to_owned(),
        summary: serde_json::to_string(&super::Summary::default()).expect("summary serialises"),
        options: serde_json::to_string(options).expect("options serialise"),
        error: None,
        error_report: None,
        created_by: Some(caller.member_id()),
        created_at: now,
        updated_at: now,
        applied_at: None,
        undoable_until: None,
        lease_until: Some(lease_from_now()),
    }
}

/// Ends FAILED a job whose preview broke on our side, so that it is not left VALIDATING:
/// the admin sees the job failed and can start again.
async fn fail_unpreviewed(db: &DatabaseConnection, job_id: Uuid) -> Result<()> {
    import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::Status, Expr::value(JobStatus::Failed))
        .col_expr(
            import_jobs::Column::Error,
            Expr::value(Some(
                "The file could not be previewed because of a problem on our side; start again.",
            )),
        )
        .filter(import_jobs::Column::Id.eq(job_id))
        .exec(db)
        .await?;
    progress::clear(job_id);
    Ok(())
}

/// A job being previewed, and the options kept with it (`job.options`, serialised).
struct Preview {
    job: import_jobs::Model,
    options: Options,
}

/// Reads the file, plans, stores the plan; the job ends READY or FAILED.
async fn prepare(
    app: &App,
    caller: &Caller,
    preview: Preview,
    request: StartRequest,
    forced_encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<import_jobs::Model> {
    let Preview { mut job, mut options } = preview;
    let choice = file::Choice {
        encoding: forced_encoding,
        sheet: request.sheet.clone().filter(|name| !name.trim().is_empty()),
    };
    let (format, mut sheet) = match read_sheet(app, request.bytes, choice).await? {
        Ok(read) => read,
        Err(err) => return fail(app, job, &messages::read_failure(&err, &options.locale)).await,
    };
    job.format = format.as_str().to_owned();
    let tenant = caller.tenant.clone();
    let header_row = note_reading(&mut options, &mut sheet, &tenant);
    job.options = serde_json::to_string(&options).expect("options serialise");
    if sheet.rows.is_empty() {
        return fail(app, job, &messages::read_failure(&ReadError::NoRows, &options.locale)).await;
    }
    job.total_rows = sheet.rows.len() as i32;
    let layout = Layout {
        headers: sheet.headers.clone(),
        fields: match_headers(&sheet.headers, &tenant.import.aliases),
    };
    job.columns = serde_json::to_string(&columns_read(&layout)).expect("columns serialise");
    let read_from = messages::HeaderSource {
        headers: &layout.headers,
        row: header_row,
        encoding: options.encoding.as_deref(),
        sheets: &options.sheets,
    };
    if let Some(reason) = missing_columns(request.mode, &tenant, &layout, &read_from, &options.locale) {
        return fail(app, job, &reason).await;
    }

    // The encoding a text file was read with, when the admin chose it (a byte-order
    // mark still wins over the choice).
    let forced = sheet.encoding.filter(|_| forced_encoding.is_some());
    let damaged = forced.map(|read_with| damaged_rows(&layout, &sheet, &encoding::label(read_with)));
    let planning = Planning::load(app, caller, request.mode, &options, &layout).await?;
    let (mut plan, sheet) = planning.run(app, &job, sheet).await?;
    if let Some(damaged) = damaged.filter(|d| !d.is_empty()) {
        plan.warnings.extend(damaged);
        plan.warnings.sort_by_key(|w| w.row);
    }

    fill_previous_hashes(&app.db, &mut plan).await?;
    options.new_groups = plan.new_groups.clone();
    job.options = serde_json::to_string(&options).expect("options serialise");
    job.summary = serde_json::to_string(&plan.summary()).expect("summary serialises");
    job.error_report = report::build(&layout, &sheet, &plan.errors, &options.locale)?;
    save_plan(&app.db, &job, &plan).await?;
    mark_ready(app, job).await
}

/// The rows with a cell that reads as damaged in the encoding the admin forced: a warning
/// each, at its first such cell. (A detected encoding never gives such text: a file that
/// reads so in every likely encoding is refused.) A spreadsheet has no encoding: none.
fn damaged_rows(layout: &Layout, sheet: &Sheet, encoding: &str) -> Vec<RowError> {
    sheet
        .rows
        .iter()
        .filter_map(|row| {
            let (index, cell) = row
                .cells
                .iter()
                .enumerate()
                .find(|(_, cell)| encoding::looks_garbled(cell))?;
            Some(RowError {
                row: row.number,
                column: layout.headers.get(index).cloned(),
                value: Some(cell.to_owned()),
                problem: Problem::DamagedText(encoding.to_owned()),
            })
        })
        .collect()
}

/// Reads the file off the async threads, within the server's limits: its format and
/// sheet, or why it cannot be read.
async fn read_sheet(app: &App, bytes: Vec<u8>, choice: file::Choice) -> Result<Result<(Format, Sheet), ReadError>> {
    let limits = Limits {
        max_rows: app.settings.limits.import_rows,
        max_unpacked_bytes: app.settings.limits.unpacked_bytes,
    };
    tokio::task::spawn_blocking(move || file::read_file(&bytes, &limits, &choice))
        .await
        .map_err(|e| Error::Internal(format!("reading an import: {e}")))
}

/// Moves the sheet's header to the row that names known columns, and notes in the
/// options how the file was read (that row, the encoding, a workbook's sheets). Returns
/// the header's row number.
fn note_reading(options: &mut Options, sheet: &mut Sheet, tenant: &Tenant) -> usize {
    let aliases = &tenant.import.aliases;
    let header_row = sheet.find_header(|cells| match_headers(cells, aliases).iter().flatten().count());
    options.header_row = Some(header_row);
    options.encoding = sheet.encoding.map(super::encoding::label);
    options.sheets = std::mem::take(&mut sheet.sheets);
    header_row
}

/// Ends the job READY, every row previewed.
async fn mark_ready(app: &App, mut job: import_jobs::Model) -> Result<import_jobs::Model> {
    job.status = JobStatus::Ready;
    job.processed_rows = job.total_rows;
    job.updated_at = crate::stored::now();
    job.clone().into_active_model().reset_all().update(&app.db).await?;
    progress::clear(job.id);
    Ok(job)
}

/// Ends the job FAILED with `reason`.
async fn fail(app: &App, mut job: import_jobs::Model, reason: &str) -> Result<import_jobs::Model> {
    job.status = JobStatus::Failed;
    job.error = Some(reason.to_owned());
    job.updated_at = crate::stored::now();
    job.clone().into_active_model().reset_all().update(&app.db).await?;
    progress::clear(job.id);
    Ok(job)
}

/// The columns a mode cannot do without, when the file lacks them: the failure, saying
/// what was read and what to check.
fn missing_columns(
    mode: Mode,
    tenant: &Tenant,
    layout: &Layout,
    read_from: &messages::HeaderSource,
    locale: &str,
) -> Option<String> {
    if layout.fields.iter().all(Option::is_none) {
        return Some(messages::no_column_recognised(read_from, locale));
    }
    let identifies = layout.has(Field::Login) || layout.has(Field::Email);
    let missing: Vec<&[Field]> = match mode {
        Mode::Invite => (!layout.has(Field::Email))
            .then_some(&[Field::Email][..])
            .into_iter()
            .collect(),
        // A SYNC may update some columns only (phones, groups): its rows for new members
        // lacking names are row errors, not the whole file's failure.
        Mode::Sync => (!identifies)
            .then_some(&[Field::Login, Field::Email][..])
            .into_iter()
            .collect(),
        Mode::Create => [
            if tenant.accounts.require_email && !layout.has(Field::Email) {
                Some(&[Field::Email][..])
            } else {
                (!identifies).then_some(&[Field::Login, Field::Email][..])
            },
            (!layout.has(Field::FirstName)).then_some(&[Field::FirstName][..]),
            (!layout.has(Field::LastName)).then_some(&[Field::LastName][..]),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    (!missing.is_empty()).then(|| messages::missing_columns(&missing, read_from, locale))
}

/// Only the last path part, without control characters, at most 200 characters.
fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() {
        "import".to_owned()
    } else {
        clean
    }
}

/// VALIDATION for defaults that could never apply: unknown roles or ones the caller may
/// not hand out, unknown or smart groups, a locale the tenant does not speak.
async fn check_defaults(app: &App, caller: &Caller, request: &StartRequest) -> Result<()> {
    let tenant = &caller.tenant;
    let defaults = &request.defaults;
    let grants = caller.grants(&app.db).await?;
    let mut problems = Vec::new();
    for key in &defaults.roles {
        match tenant.role(key) {
            None => problems.push(crate::members::unknown_role(tenant, "input.defaults.roles", key)),
            Some(role) if !role.default && !grants.can_hand_out(role, None) => problems.push(FieldError::new(
                "input.defaults.roles",
                format!("you may not hand out the role \"{key}\""),
            )),
            Some(_) => {}
        }
    }
    for id in &defaults.group_ids {
        let group = groups::Entity::find_by_id(*id)
            .filter(groups::Column::Tenant.eq(&tenant.slug))
            .one(&app.db)
            .await?;
        match group {
            None => problems.push(FieldError::new(
                "input.defaults.groupIds",
                format!("unknown group {id}"),
            )),
            Some(g) if g.rule.is_some() => problems.push(FieldError::new(
                "input.defaults.groupIds",
                format!("\"{}\" is a smart group: its members come from its rule", g.name),
            )),
            Some(_) => {}
        }
    }
    if let Some(locale) = &defaults.locale {
        if !tenant.locales.iter().any(|l| l == locale) {
            problems.push(FieldError::new(
                "input.defaults.locale",
                format!("one of {}", tenant.locales.join(", ")),
            ));
        }
    }
    if defaults
        .message
        .as_ref()
        .is_some_and(|m| m.chars().count() > MAX_MESSAGE)
    {
        problems.push(FieldError::new(
            "input.defaults.message",
            format!("at most {MAX_MESSAGE} characters"),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

/// How each column header was understood, as stored with the job.
fn columns_read(layout: &Layout) -> Vec<ColumnUse> {
    layout
        .headers
        .iter()
        .zip(&layout.fields)
        .map(|(header, field)| ColumnUse {
            header: header.clone(),
            field: field.map(|f| f.as_str().to_owned()),
        })
        .collect()
}

/// How many of a preview's statements run at once. Each one commits on its own (the plan
/// is not the member list: a preview that fails is marked FAILED, whatever it wrote), so
/// on PostgreSQL two run side by side, each on a connection of its own and a server
/// process of its own; SQLite takes one writer at a time, so a second would only wait.
fn statements_in_flight(backend: DbBackend) -> usize {
    match backend {
        DbBackend::Postgres => 2,
        _ => 1,
    }
}

/// What planning a sheet needs, moved onto a blocking thread.
struct Planning {
    tenant: std::sync::Arc<Tenant>,
    mode: Mode,
    caller_id: Uuid,
    grants: crate::auth::permissions::Grants,
    options: Options,
    layout: Layout,
    snapshot: plan::Snapshot,
}

impl Planning {
    /// What planning needs for the caller: the tenant's members as they are now, and
    /// what the caller may hand out.
    async fn load(app: &App, caller: &Caller, mode: Mode, options: &Options, layout: &Layout) -> Result<Self> {
        Ok(Planning {
            snapshot: load_snapshot(&app.db, &caller.tenant).await?,
            grants: caller.grants(&app.db).await?.clone(),
            tenant: caller.tenant.clone(),
            mode,
            caller_id: caller.member_id(),
            options: options.clone(),
            layout: layout.clone(),
        })
    }

    /// Plans every row off the async threads, then hashes the file's passwords, while a
    /// task writes the finished changes: planning (CPU) and writing (the database) run
    /// side by side, two batches at most waiting between them. Returns the plan and the
    /// sheet with only its failed rows (for the error report).
    async fn run(self, app: &App, job: &import_jobs::Model, sheet: Sheet) -> Result<(plan::Plan, Sheet)> {
        let job_id = job.id;
        let (batches, mut to_write) = tokio::sync::mpsc::channel::<Vec<PlannedRow>>(2);
        let (db, saved_job) = (app.db.clone(), job.clone());
        let writer = tokio::spawn(async move {
            let in_flight = statements_in_flight(db.get_database_backend());
            let batches = futures_util::stream::poll_fn(|cx| to_write.poll_recv(cx));
            // The first failure stops the writes; planning goes on unheard and the
            // preview fails with it.
            batches
                .map(|rows| {
                    let (db, saved_job) = (&db, &saved_job);
                    async move { save_changes(db, saved_job, &rows).await }
                })
                .buffer_unordered(in_flight)
                .try_for_each(|()| std::future::ready(Ok(())))
                .await
        });
        let (plan, sheet) = tokio::task::spawn_blocking(move || {
            let flush = |rows: Vec<PlannedRow>| {
                // A closed channel means the writer failed: its error is reported below.
                let _ = batches.blocking_send(rows);
            };
            let ctx = Context {
                tenant: &self.tenant,
                mode: self.mode,
                options: &self.options,
                caller_id: self.caller_id,
                grants: &self.grants,
                progress: &|done| progress::set(job_id, done as i32),
                flush: Some(&flush),
            };
            let mut plan = plan::plan(&ctx, &self.layout, &sheet, &self.snapshot);
            drop(batches);
            let without_hash = sheet.rows.len() - plan.passwords.len();
            progress::set(job_id, without_hash as i32);
            hash_passwords(&mut plan, job_id, without_hash);
            // Only the failed rows go on (into the error report): free the others now.
            let mut sheet = sheet;
            sheet.rows.retain(|row| plan.error_rows.contains(&row.number));
            sheet.rows.shrink_to_fit();
            (plan, sheet)
        })
        .await
        .map_err(|e| Error::Internal(format!("planning an import: {e}")))?;
        let flush_error = writer
            .await
            .map_err(|e| Error::Internal(format!("writing an import's plan: {e}")))?
            .err();
        match flush_error {
            Some(err) => Err(err),
            None => Ok((plan, sheet)),
        }
    }
}
