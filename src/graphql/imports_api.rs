//! Imports, templates, exports and downloads: thin resolvers over `imports`, `exports`
//! and `downloads`, plus the `importProgress` subscription.

use std::io::Read;
use std::time::Duration;

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject, Subscription, Upload, ID};
use chrono::{DateTime, Utc};
use futures_util::Stream;

use super::connection::{id_cursor, page_size, parse_id_cursor, parse_seq_cursor, seq_cursor, PageInfo};
use super::inputs::{parse_id, parse_ids, MemberFilterInput};
use super::member::MemberView;
use super::{app, caller, visitor, Result};
use crate::downloads::{self, Link, Target};
use crate::error::Error;
use crate::exports::{self, ExportFormat};
use crate::imports::jobs::progress;
use crate::imports::plan::FieldChange as PlannedField;
use crate::imports::{self, ColumnUse, Defaults, JobStatus, Mode, Options, StartRequest, Summary};
use crate::members;
use entity::{import_changes, import_jobs, import_row_errors};

/// What an import does with the file's rows.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImportMode {
    /// Adds the rows as new members (activation invitations optional).
    Create,
    /// Sends an invitation per row; existing members are added to the row's groups.
    Invite,
    /// Adds new rows, updates matching members, and deactivates (or keeps) members absent from the file.
    Sync,
}

impl ImportMode {
    fn domain(self) -> Mode {
        match self {
            ImportMode::Create => Mode::Create,
            ImportMode::Invite => Mode::Invite,
            ImportMode::Sync => Mode::Sync,
        }
    }

    fn of(mode: &str) -> ImportMode {
        match Mode::from_stored(mode) {
            Some(Mode::Invite) => ImportMode::Invite,
            Some(Mode::Sync) => ImportMode::Sync,
            _ => ImportMode::Create,
        }
    }
}

/// Where an import stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ImportStatus {
    /// startImport is reading, checking and planning the file.
    Validating,
    /// Previewed: the plan waits for applyImport or cancelImport.
    Ready,
    /// applyImport is carrying out the plan.
    Applying,
    /// Applied; undoImport works until undoableUntil.
    Done,
    /// The file could not be read or lacks columns, or the plan went stale: failure says why.
    Failed,
    /// Dropped by cancelImport before being applied; its plan is gone.
    Cancelled,
    /// Reverted by undoImport.
    Undone,
}

impl From<JobStatus> for ImportStatus {
    fn from(status: JobStatus) -> Self {
        match status {
            JobStatus::Validating => ImportStatus::Validating,
            JobStatus::Ready => ImportStatus::Ready,
            JobStatus::Applying => ImportStatus::Applying,
            JobStatus::Done => ImportStatus::Done,
            JobStatus::Failed => ImportStatus::Failed,
            JobStatus::Cancelled => ImportStatus::Cancelled,
            JobStatus::Undone => ImportStatus::Undone,
        }
    }
}

/// A spreadsheet file format.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum FileFormat {
    /// Delimited text (comma, semicolon or tab); exports and templates write UTF-8 with a
    /// BOM, `;`-separated in French.
    Csv,
    /// Excel workbook (Office Open XML).
    Xlsx,
    /// OpenDocument spreadsheet (LibreOffice); imports read it, templates and exports do not write it.
    Ods,
    /// Excel 97-2003 workbook; imports read it, templates and exports do not write it.
    Xls,
}

/// What a SYNC does with active members absent from the file.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AbsentPolicy {
    /// Deactivates them, except the admin running the import and holders of a protected role.
    Deactivate,
    /// Leaves them as they are.
    Keep,
}

/// What an import does to one member or address.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ChangeKind {
    /// Creates a member from the row.
    Create,
    /// Changes a matching member's fields, password, roles or groups.
    Update,
    /// Deactivates a member: the row says so, or (SYNC) the member is absent from the file.
    Deactivate,
    /// Makes a deactivated member active again, as the row's status says.
    Reactivate,
    /// INVITE: sends (or refreshes) an invitation to the row's address.
    Invite,
    /// INVITE: adds an existing member to the row's groups instead of inviting them.
    AddToGroups,
    /// The row matches a member and changes nothing.
    Unchanged,
}

impl ChangeKind {
    fn domain(self) -> imports::ChangeKind {
        use imports::ChangeKind as K;
        match self {
            ChangeKind::Create => K::Create,
            ChangeKind::Update => K::Update,
            ChangeKind::Deactivate => K::Deactivate,
            ChangeKind::Reactivate => K::Reactivate,
            ChangeKind::Invite => K::Invite,
            ChangeKind::AddToGroups => K::AddToGroups,
            ChangeKind::Unchanged => K::Unchanged,
        }
    }

    fn of(kind: &str) -> ChangeKind {
        use imports::ChangeKind as K;
        match K::from_stored(kind) {
            K::Create => ChangeKind::Create,
            K::Update => ChangeKind::Update,
            K::Deactivate => ChangeKind::Deactivate,
            K::Reactivate => ChangeKind::Reactivate,
            K::Invite => ChangeKind::Invite,
            K::AddToGroups => ChangeKind::AddToGroups,
            K::Unchanged => ChangeKind::Unchanged,
        }
    }
}

/// Values for the cells a row leaves empty, for the members and invitations the import
/// creates (and, in INVITE, the groups existing members join); a value in the file wins.
#[derive(InputObject)]
pub struct ImportDefaults {
    /// Role keys for rows without roles; each non-default one must be one the caller may hand out.
    pub roles: Option<Vec<String>>,
    /// Manual groups for rows without groups (a smart or unknown group is VALIDATION).
    pub group_ids: Option<Vec<ID>>,
    /// Language for rows without one (one of Tenant.locales); absent: the tenant's default locale.
    pub locale: Option<String>,
    /// CREATE and SYNC: send activation invitations to the members created.
    pub send_invitations: Option<bool>,
    /// Personal message for the invitation emails the import sends, plain text, at most 2000 characters.
    pub message: Option<String>,
}

/// A file to preview as an import (startImport).
#[derive(InputObject)]
pub struct StartImportInput {
    /// The file, as a GraphQL multipart upload: CSV/text, XLSX, XLS or ODS, told apart by
    /// content; at most the server's upload limit (20,000,000 bytes by default).
    pub file: Upload,
    /// What to do with the rows.
    pub mode: ImportMode,
    /// Applied where a row leaves the column empty; a value in the file wins.
    pub defaults: Option<ImportDefaults>,
    /// SYNC only. Default DEACTIVATE.
    pub absent_members: Option<AbsentPolicy>,
    /// Forces the text encoding of a CSV/text file (WHATWG label, e.g. "macintosh", "windows-1252", "utf-16le"); absent: detected.
    pub encoding: Option<String>,
    /// Spreadsheet files: the sheet to read, by name; absent: the first visible sheet.
    pub sheet: Option<String>,
}

/// A sheet of an imported workbook.
#[derive(SimpleObject)]
pub struct ImportSheet {
    /// The sheet's name, as the workbook's tab shows it.
    name: String,
    /// Hidden (or very hidden) in the workbook.
    hidden: bool,
    /// The sheet this import read.
    read: bool,
}

/// A column of the imported file and how it was understood.
#[derive(SimpleObject)]
pub struct ImportColumn {
    /// The column's header, as written in the file.
    header: String,
    /// The member field it fills (login, email, secondary_email, phone, first_name,
    /// last_name, locale, groups, roles, admin, password, status); null when ignored.
    field: Option<String>,
}

/// How many changes of each kind the plan holds, and how many rows failed.
#[derive(SimpleObject)]
pub struct ImportSummary {
    /// Members to create (CREATE changes).
    create: i32,
    /// Existing members to change (UPDATE changes).
    update: i32,
    /// Members to deactivate, absent ones of a SYNC included (DEACTIVATE changes).
    deactivate: i32,
    /// Deactivated members to make active again (REACTIVATE changes).
    reactivate: i32,
    /// Invitations to send or refresh (INVITE changes).
    invite: i32,
    /// Existing members to add to groups instead of inviting (ADD_TO_GROUPS changes).
    add_to_groups: i32,
    /// Rows that match a member and change nothing.
    unchanged: i32,
    /// Rows with at least one error; applying needs skipInvalidRows while there are any.
    error_rows: i32,
}

/// A problem in one row (or one cell) of an imported file.
#[derive(SimpleObject, Clone)]
pub struct ImportRowError {
    /// Row number as the spreadsheet shows it (the header is row 1).
    row: i32,
    /// Column header as written in the file; null for a whole-row error.
    column: Option<String>,
    /// The cell's text as read; null when the problem is not about a value (e.g. REQUIRED).
    value: Option<String>,
    /// Stable code for programs, e.g. REQUIRED, INVALID_EMAIL, DUPLICATE_ROW, EMAIL_TAKEN,
    /// ROLE_NOT_ALLOWED, PHONE_MISSING_ZERO.
    code: String,
    /// The problem in a sentence, in the language of the request that started the import
    /// (French, or else English).
    message: String,
}

/// One field of a member as an import changes it.
#[derive(SimpleObject, Clone)]
pub struct FieldChange {
    /// The field, named as in the API: login, email, secondaryEmail, phone, firstName,
    /// lastName, locale, password, roles, groups or status.
    field: String,
    /// The value before; null for a new member or an empty field. A password shows as ********.
    before: Option<String>,
    /// The value after; roles and groups are comma-separated lists. A password shows as ********.
    after: Option<String>,
}

/// `ImportChange`.
#[derive(Clone)]
pub struct ImportChangeView(import_changes::Model);

/// One change an import plans (or made): to a member, or an invitation to send.
#[Object(name = "ImportChange")]
impl ImportChangeView {
    /// Row number as the spreadsheet shows it; null for a member a SYNC deactivates
    /// because no row names them.
    async fn row(&self) -> Option<i32> {
        self.0.row
    }
    /// What the change does.
    async fn kind(&self) -> ChangeKind {
        ChangeKind::of(&self.0.kind)
    }
    /// The member concerned, once it exists.
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<MemberView>> {
        let Some(id) = self.0.member_id else { return Ok(None) };
        Ok(members::find(&app(ctx).db, &self.0.tenant, id).await?.map(MemberView))
    }
    /// Login of the member concerned (the one planned, for a new member); null for an invitation.
    async fn login(&self) -> Option<&str> {
        self.0.login.as_deref()
    }
    /// Main address of the member concerned, or the address invited; null when none.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Field-by-field changes; empty when nothing changes.
    async fn changes(&self) -> Vec<FieldChange> {
        let planned: Vec<PlannedField> = serde_json::from_str(&self.0.changes).unwrap_or_default();
        planned
            .into_iter()
            .map(|c| FieldChange {
                field: c.field,
                before: c.before,
                after: c.after,
            })
            .collect()
    }
}

/// A row problem and its cursor.
#[derive(SimpleObject, Clone)]
pub struct ImportRowErrorEdge {
    /// Opaque position of this problem in the list, for `after`.
    cursor: String,
    /// The problem.
    node: ImportRowError,
}

/// A page of an import's row problems, in file order (Relay).
#[derive(SimpleObject)]
pub struct ImportRowErrorConnection {
    /// The page's problems with their cursors.
    edges: Vec<ImportRowErrorEdge>,
    /// The page's problems, without cursors.
    nodes: Vec<ImportRowError>,
    /// Whether more problems follow this page, and its end cursors.
    page_info: PageInfo,
    /// How many problems of this kind the import has, all pages together.
    total_count: i32,
}

/// A planned change and its cursor.
#[derive(SimpleObject, Clone)]
pub struct ImportChangeEdge {
    /// Opaque position of this change in the plan, for `after`.
    cursor: String,
    /// The change.
    node: ImportChangeView,
}

/// A page of an import's changes, in plan order (Relay).
#[derive(SimpleObject)]
pub struct ImportChangeConnection {
    /// The page's changes with their cursors.
    edges: Vec<ImportChangeEdge>,
    /// The page's changes, without cursors.
    nodes: Vec<ImportChangeView>,
    /// Whether more changes follow this page, and its end cursors.
    page_info: PageInfo,
    /// How many changes (of the kind asked for) the plan holds, all pages together.
    total_count: i32,
}

/// An import and its cursor.
#[derive(SimpleObject, Clone)]
pub struct ImportJobEdge {
    /// Opaque position of this import in the list, for `after`.
    cursor: String,
    /// The import.
    node: ImportJobView,
}

/// A page of the tenant's imports, newest first (Relay).
#[derive(SimpleObject)]
pub struct ImportJobConnection {
    /// The page's imports with their cursors.
    edges: Vec<ImportJobEdge>,
    /// The page's imports, without cursors.
    nodes: Vec<ImportJobView>,
    /// Whether older imports follow this page, and its end cursors.
    page_info: PageInfo,
    /// How many imports the tenant has, all pages together.
    total_count: i32,
}

/// A file to fetch with a plain GET (no header needed) until expiresAt.
#[derive(SimpleObject)]
pub struct Download {
    /// Absolute URL of the file, signed and bound to this tenant (/t/{tenant}/downloads/…).
    url: String,
    /// The name to save the file under.
    file_name: String,
    /// The file's MIME type, e.g. "text/csv; charset=utf-8" or the XLSX type.
    content_type: String,
    /// When the link stops working: 10 minutes after it was made. Ask again for a new one.
    expires_at: DateTime<Utc>,
}

impl From<Link> for Download {
    fn from(link: Link) -> Self {
        Download {
            url: link.url,
            file_name: link.file_name,
            content_type: link.content_type,
            expires_at: link.expires_at,
        }
    }
}

fn page_info(has_next_page: bool, after: bool, first: Option<&String>, last: Option<&String>) -> PageInfo {
    PageInfo {
        has_next_page,
        has_previous_page: after,
        start_cursor: first.cloned(),
        end_cursor: last.cloned(),
    }
}

/// `ImportJob`.
#[derive(Clone)]
pub struct ImportJobView(pub import_jobs::Model);

impl ImportJobView {
    fn options(&self) -> Options {
        serde_json::from_str(&self.0.options).unwrap_or_default()
    }

    /// A page of the job's row errors, or of its row warnings.
    async fn problems(
        &self,
        ctx: &Context<'_>,
        warnings: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ImportRowErrorConnection> {
        let limit = page_size(first)?;
        let after_seq = after.as_deref().map(|c| parse_seq_cursor("after", c)).transpose()?;
        let (rows, more, total) =
            imports::history::row_errors(&app(ctx).db, &self.0, warnings, after_seq, limit).await?;
        let edges: Vec<ImportRowErrorEdge> = rows.into_iter().map(row_error_edge).collect();
        Ok(ImportRowErrorConnection {
            page_info: page_info(
                more,
                after_seq.is_some(),
                edges.first().map(|e| &e.cursor),
                edges.last().map(|e| &e.cursor),
            ),
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            total_count: total as i32,
        })
    }
}

/// An import: the file, its preview (plan, row problems) and, once applied, what it did.
#[Object(name = "ImportJob")]
impl ImportJobView {
    /// Stable identifier of the import, as applyImport, undoImport and importProgress take it.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// What the import does with the rows.
    async fn mode(&self) -> ImportMode {
        ImportMode::of(&self.0.mode)
    }
    /// Where the import stands.
    async fn status(&self) -> ImportStatus {
        JobStatus::from_stored(&self.0.status).into()
    }
    /// The uploaded file's name (without folders, at most 200 characters).
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// The file's format, told from its content.
    async fn format(&self) -> FileFormat {
        match self.0.format.as_str() {
            "XLSX" => FileFormat::Xlsx,
            "ODS" => FileFormat::Ods,
            "XLS" => FileFormat::Xls,
            _ => FileFormat::Csv,
        }
    }
    /// Data rows read below the header, blank rows not counted; 0 until the file is read.
    async fn total_rows(&self) -> i32 {
        self.0.total_rows
    }
    /// Progress of the step under way (VALIDATING or APPLYING): rows or changes handled so
    /// far; totalRows once the step is over.
    async fn processed_rows(&self) -> i32 {
        progress::get(self.0.id).unwrap_or(self.0.processed_rows)
    }
    /// How each column header of the file was understood: field name, or null when ignored.
    async fn columns(&self) -> Vec<ImportColumn> {
        let columns: Vec<ColumnUse> = serde_json::from_str(&self.0.columns).unwrap_or_default();
        columns
            .into_iter()
            .map(|c| ImportColumn {
                header: c.header,
                field: c.field,
            })
            .collect()
    }
    /// What the plan holds, by kind of change, and how many rows failed.
    async fn summary(&self) -> ImportSummary {
        let s: Summary = serde_json::from_str(&self.0.summary).unwrap_or_default();
        ImportSummary {
            create: s.create,
            update: s.update,
            deactivate: s.deactivate,
            reactivate: s.reactivate,
            invite: s.invite,
            add_to_groups: s.add_to_groups,
            unchanged: s.unchanged,
            error_rows: s.error_rows,
        }
    }
    /// Rows that failed their checks, in file order; they are left out when applying with skipInvalidRows.
    async fn row_errors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<ImportRowErrorConnection> {
        self.problems(ctx, false, first, after).await
    }
    /// Rows that are imported all the same but look wrong, e.g. a phone that lost its
    /// leading zero in a spreadsheet (`PHONE_MISSING_ZERO`): same shape as rowErrors.
    async fn row_warnings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<ImportRowErrorConnection> {
        self.problems(ctx, true, first, after).await
    }
    /// The plan, change by change, in plan order: what applying does (or did).
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes of this kind; absent: all.")] kind: Option<ChangeKind>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<ImportChangeConnection> {
        let limit = page_size(first)?;
        let after_seq = after.as_deref().map(|c| parse_seq_cursor("after", c)).transpose()?;
        let kind = kind.map(ChangeKind::domain);
        let (rows, more, total) = imports::history::changes(&app(ctx).db, &self.0, kind, after_seq, limit).await?;
        let edges: Vec<ImportChangeEdge> = rows
            .into_iter()
            .map(|c| ImportChangeEdge {
                cursor: seq_cursor(c.seq),
                node: ImportChangeView(c),
            })
            .collect();
        Ok(ImportChangeConnection {
            page_info: page_info(
                more,
                after_seq.is_some(),
                edges.first().map(|e| &e.cursor),
                edges.last().map(|e| &e.cursor),
            ),
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            total_count: total as i32,
        })
    }
    /// The file's rows that failed, each with an added error column, as CSV. Null when none failed.
    async fn error_report(&self, ctx: &Context<'_>) -> Option<Download> {
        self.0.error_report.as_ref()?;
        let link = downloads::link(
            app(ctx),
            &visitor(ctx).tenant,
            Target::ErrorReport { job: self.0.id },
            &imports::report::file_name(&self.0.file_name),
            downloads::CSV,
        );
        Some(link.into())
    }
    /// The member who started the import; null when since removed.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<MemberView>> {
        let Some(id) = self.0.created_by else { return Ok(None) };
        Ok(members::find(&app(ctx).db, &self.0.tenant, id).await?.map(MemberView))
    }
    /// When startImport was called.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When applyImport finished; null until then.
    async fn applied_at(&self) -> Option<DateTime<Utc>> {
        self.0.applied_at
    }
    /// Until when undoImport works; null when it no longer can.
    async fn undoable_until(&self) -> Option<DateTime<Utc>> {
        let done = JobStatus::from_stored(&self.0.status) == JobStatus::Done;
        self.0.undoable_until.filter(|until| done && *until > Utc::now())
    }
    /// Why the job FAILED (a file that cannot be read, missing columns, a stale plan).
    async fn failure(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// Spreadsheet files: the workbook's sheets, and which one was read.
    async fn sheets(&self) -> Vec<ImportSheet> {
        self.options()
            .sheets
            .into_iter()
            .map(|s| ImportSheet {
                name: s.name,
                hidden: s.hidden,
                read: s.read,
            })
            .collect()
    }

    /// CSV/text files: the encoding the file was read with (WHATWG label). Null for spreadsheets.
    async fn encoding(&self) -> Option<String> {
        self.options().encoding
    }

    /// The spreadsheet row read as the header: 1, unless title, note or blank lines were
    /// above it (the first of the top 20 rows with known column names). Null until read.
    async fn header_row(&self) -> Option<i32> {
        self.options().header_row.map(|row| row as i32)
    }

    /// Groups the file names that do not exist yet; applying creates them.
    async fn new_groups(&self) -> Vec<String> {
        self.options().new_groups
    }
    /// After undoImport: members changed since the import, which the undo left as they were.
    async fn undo_left_alone(&self, ctx: &Context<'_>) -> Result<Vec<MemberView>> {
        let mut out = Vec::new();
        for id in self.options().left_alone {
            if let Some(m) = members::find(&app(ctx).db, &self.0.tenant, id).await? {
                out.push(MemberView(m));
            }
        }
        Ok(out)
    }
}

fn row_error_edge(e: import_row_errors::Model) -> ImportRowErrorEdge {
    ImportRowErrorEdge {
        cursor: seq_cursor(e.seq),
        node: ImportRowError {
            row: e.row,
            column: e.column_name,
            value: e.value,
            code: e.code,
            message: e.message,
        },
    }
}

fn job_id(id: &ID) -> crate::error::Result<uuid::Uuid> {
    parse_id("id", id)
}

#[derive(Default)]
pub struct ImportsQuery;

#[Object]
impl ImportsQuery {
    /// Needs imports.run. Null when unknown in this tenant.
    async fn import_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import's id (ImportJob.id).")] id: ID,
    ) -> Result<Option<ImportJobView>> {
        let caller = caller(ctx).await?;
        let id = job_id(&id)?;
        Ok(imports::get_job(app(ctx), &caller, id).await?.map(ImportJobView))
    }

    /// Needs imports.run. The tenant's imports, newest first.
    async fn import_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<ImportJobConnection> {
        let caller = caller(ctx).await?;
        let limit = page_size(first)?;
        let after_id = after.as_deref().map(|c| parse_id_cursor("after", c)).transpose()?;
        let (rows, more, total) = imports::list_jobs(app(ctx), &caller, after_id, limit).await?;
        let edges: Vec<ImportJobEdge> = rows
            .into_iter()
            .map(|j| ImportJobEdge {
                cursor: id_cursor(j.id),
                node: ImportJobView(j),
            })
            .collect();
        Ok(ImportJobConnection {
            page_info: page_info(
                more,
                after_id.is_some(),
                edges.first().map(|e| &e.cursor),
                edges.last().map(|e| &e.cursor),
            ),
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            total_count: total as i32,
        })
    }

    /// An empty spreadsheet with the columns of that mode, required ones marked. Needs imports.run.
    async fn import_template(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import mode whose columns the template lists.")] mode: ImportMode,
        #[graphql(
            default_with = "FileFormat::Xlsx",
            desc = "XLSX (required headers in bold, optional ones in italic) or CSV; ODS and XLS are VALIDATION."
        )]
        format: FileFormat,
        #[graphql(desc = "Language of the headers (one of Tenant.locales); absent: the request's language.")]
        locale: Option<String>,
    ) -> Result<Download> {
        let caller = caller(ctx).await?;
        let app = app(ctx);
        crate::auth::permissions::require(&app.db, &caller, crate::config::Permission::ImportsRun).await?;
        let tenant = &caller.tenant;
        let locale = match locale {
            Some(l) => tenant
                .locales
                .iter()
                .find(|t| t.eq_ignore_ascii_case(&l))
                .cloned()
                .ok_or_else(|| Error::invalid("locale", format!("one of {}", tenant.locales.join(", "))))?,
            None => visitor(ctx).locale().to_owned(),
        };
        let (format_name, xlsx) = match format {
            FileFormat::Xlsx => ("XLSX", true),
            FileFormat::Csv => ("CSV", false),
            FileFormat::Ods | FileFormat::Xls => {
                return Err(Error::invalid("format", "templates come as XLSX or CSV").into())
            }
        };
        // Built now to know its name; served by building it again from the link's words.
        let file = imports::template::build(tenant, mode.domain(), xlsx, &locale)?;
        let target = Target::Template {
            mode: mode.domain().as_str().to_owned(),
            format: format_name.to_owned(),
            locale,
        };
        Ok(downloads::link(app, tenant, target, &file.name, &file.content_type).into())
    }

    /// The members that the filter selects, in the same columns that a SYNC import reads back. Needs members.export.
    async fn export_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which members; absent: all the caller may export.")] filter: Option<MemberFilterInput>,
        #[graphql(
            default_with = "FileFormat::Csv",
            desc = "CSV (UTF-8 with BOM, `;`-separated in French) or XLSX; ODS and XLS are VALIDATION."
        )]
        format: FileFormat,
    ) -> Result<Download> {
        let caller = caller(ctx).await?;
        let filter = filter.map(|f| f.into_domain("filter")).transpose()?.unwrap_or_default();
        let format = match format {
            FileFormat::Csv => ExportFormat::Csv,
            FileFormat::Xlsx => ExportFormat::Xlsx,
            FileFormat::Ods | FileFormat::Xls => {
                return Err(Error::invalid("format", "exports come as CSV or XLSX").into())
            }
        };
        let locale = visitor(ctx).locale().to_owned();
        Ok(exports::export_members(app(ctx), &caller, &filter, format, &locale)
            .await?
            .into())
    }
}

#[derive(Default)]
pub struct ImportsMutation;

#[Object]
impl ImportsMutation {
    /// Needs imports.run. Reads and validates the file and computes what would change; nothing changes yet (status READY).
    async fn start_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The file, the mode and the options of the import.")] input: StartImportInput,
    ) -> Result<ImportJobView> {
        let caller = caller(ctx).await?;
        let app = app(ctx);
        let upload = input
            .file
            .value(ctx)
            .map_err(|_| Error::invalid("input.file", "the file did not arrive; send it as a multipart upload"))?;
        let limit = app.settings.limits.upload_bytes;
        let mut bytes = Vec::new();
        upload
            .into_read()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Internal(format!("reading an upload: {e}")))?;
        let defaults = input.defaults.map(|d| -> crate::error::Result<Defaults> {
            Ok(Defaults {
                roles: d.roles.unwrap_or_default(),
                group_ids: d
                    .group_ids
                    .map(|ids| parse_ids("input.defaults.groupIds", &ids))
                    .transpose()?
                    .unwrap_or_default(),
                locale: d.locale,
                send_invitations: d.send_invitations.unwrap_or(false),
                message: d.message,
            })
        });
        let request = StartRequest {
            file_name: input.file.value(ctx).map(|u| u.filename).unwrap_or_default(),
            bytes,
            mode: input.mode.domain(),
            defaults: defaults.transpose()?.unwrap_or_default(),
            keep_absent: input.absent_members == Some(AbsentPolicy::Keep),
            locale: visitor(ctx).locale().to_owned(),
            encoding: input.encoding,
            sheet: input.sheet,
        };
        Ok(ImportJobView(imports::start_import(app, &caller, request).await?))
    }

    /// Applies exactly the previewed plan of a READY import, in one transaction. Refuses with VALIDATION when rows have errors (unless skipInvalidRows),
    /// or when a SYNC would deactivate more than the tenant's threshold (unless allowMassDeactivation); with CONFLICT when a member it touches changed since the preview.
    async fn apply_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The READY import to apply; CONFLICT in any other status.")] id: ID,
        #[graphql(default = false, desc = "Apply the valid rows and leave out the rows with errors.")]
        skip_invalid_rows: bool,
        #[graphql(
            default = false,
            desc = "Let a SYNC deactivate more than the tenant's max_deactivate_percent of the active members (when over 10)."
        )]
        allow_mass_deactivation: bool,
    ) -> Result<ImportJobView> {
        let caller = caller(ctx).await?;
        let id = job_id(&id)?;
        let job = imports::apply_import(app(ctx), &caller, id, skip_invalid_rows, allow_mass_deactivation).await?;
        Ok(ImportJobView(job))
    }

    /// Needs imports.run. Drops a READY or FAILED import and its plan (status CANCELLED);
    /// CONFLICT in any other status.
    async fn cancel_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import to cancel.")] id: ID,
    ) -> Result<ImportJobView> {
        let caller = caller(ctx).await?;
        let id = job_id(&id)?;
        Ok(ImportJobView(imports::cancel_import(app(ctx), &caller, id).await?))
    }

    /// Reverts a DONE import within the tenant's undo window: created members are deactivated, updated fields restored, deactivated members reactivated,
    /// pending invitations revoked. Members changed since are left as they are (undoLeftAlone); CONFLICT once the window has passed.
    async fn undo_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The DONE import to revert.")] id: ID,
    ) -> Result<ImportJobView> {
        let caller = caller(ctx).await?;
        let id = job_id(&id)?;
        Ok(ImportJobView(imports::undo_import(app(ctx), &caller, id).await?))
    }
}

/// How often a subscription looks at its job.
const PROGRESS_POLL: Duration = Duration::from_millis(200);

#[derive(Default)]
pub struct Subscription;

/// Live updates, over graphql-transport-ws at /t/{tenant}/graphql/ws.
#[Subscription]
impl Subscription {
    /// Progress of an import while it validates or applies (graphql-transport-ws at /t/{tenant}/graphql/ws).
    /// Sends the job now and at each change of status or processedRows; ends once DONE, FAILED, CANCELLED or UNDONE.
    async fn import_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import to follow; NOT_FOUND when unknown. Needs imports.run.")] id: ID,
    ) -> Result<impl Stream<Item = ImportJobView>> {
        let caller = caller(ctx).await?;
        let app = app(ctx).clone();
        let id = job_id(&id)?;
        let first = imports::get_job(&app, &caller, id)
            .await?
            .ok_or_else(|| Error::NotFound("There is no such import.".into()))?;
        let tenant = caller.tenant.slug.clone();
        // Polls the job (progress of this process first, the database otherwise, so any
        // instance can follow any job) and sends each change, until it reaches a final state.
        Ok(progress_stream(app, tenant, first))
    }
}

fn progress_stream(
    app: crate::app::App,
    tenant: String,
    first: import_jobs::Model,
) -> impl Stream<Item = ImportJobView> {
    let state = (app, tenant, Some(first), None::<(String, i32)>);
    futures_util::stream::unfold(state, |(app, tenant, job, last)| async move {
        let mut job = job?;
        loop {
            let seen = (job.status.clone(), progress::get(job.id).unwrap_or(job.processed_rows));
            let finished = JobStatus::from_stored(&job.status).is_final();
            if last.as_ref() != Some(&seen) {
                let next = (!finished).then(|| job.clone());
                return Some((ImportJobView(job), (app, tenant, next, Some(seen))));
            }
            tokio::time::sleep(PROGRESS_POLL).await;
            job = imports::history::find(&app.db, &tenant, job.id).await.ok().flatten()?;
        }
    })
}
