//! The `ImportJob` type: the file, its plan and row problems, and what applying did.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

use super::types::{
    ChangeKind, FileFormat, ImportChangeView, ImportColumn, ImportMode, ImportRowError, ImportSheet, ImportStatus,
    ImportSummary,
};
use crate::downloads::{self, Target};
use crate::graphql::connection::{page_size, parse_seq_cursor, seq_cursor, Connection, Node, Total, Words};
use crate::graphql::download::Download;
use crate::graphql::loaders::{self, relations, MemberById};
use crate::graphql::members::MemberView;
use crate::graphql::{app, visitor, Result};
use crate::imports::jobs::progress;
use crate::imports::{self, ColumnUse, JobStatus, Options, Summary};
use entity::import_jobs;

/// An import job as the API shows it.
#[derive(Clone)]
pub struct ImportJobView(pub import_jobs::Model);

impl ImportJobView {
    fn options(&self) -> Result<Options> {
        Ok(Options::of_job(&self.0)?)
    }

    /// A page of the job's row errors, or of its row warnings.
    async fn problems(
        &self,
        ctx: &Context<'_>,
        warnings: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<ImportRowError>> {
        let limit = page_size(first)?;
        let after_seq = after.as_deref().map(|c| parse_seq_cursor("after", c)).transpose()?;
        let (rows, more, total) =
            imports::history::row_errors(&app(ctx).db, &self.0, warnings, after_seq, limit).await?;
        Ok(Connection::of(
            rows,
            |e| seq_cursor(e.seq),
            ImportRowError::from,
            after_seq.is_some(),
            more,
            Total::Known(total),
        ))
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
        self.0.mode.into()
    }
    /// Where the import stands.
    async fn status(&self) -> ImportStatus {
        self.0.status.into()
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
    async fn columns(&self) -> Result<Vec<ImportColumn>> {
        Ok(ColumnUse::of_job(&self.0)?
            .into_iter()
            .map(|c| ImportColumn {
                header: c.header,
                field: c.field,
            })
            .collect())
    }
    /// What the plan holds, by kind of change, and how many rows failed.
    async fn summary(&self) -> Result<ImportSummary> {
        let s = Summary::of_job(&self.0)?;
        Ok(ImportSummary {
            create: s.create,
            update: s.update,
            deactivate: s.deactivate,
            reactivate: s.reactivate,
            invite: s.invite,
            add_to_groups: s.add_to_groups,
            unchanged: s.unchanged,
            error_rows: s.error_rows,
        })
    }
    /// Rows that failed their checks, in file order; they are left out when applying with skipInvalidRows.
    async fn row_errors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<Connection<ImportRowError>> {
        self.problems(ctx, false, first, after).await
    }
    /// Rows that are imported all the same but look wrong, e.g. a phone that lost its
    /// leading zero in a spreadsheet (`PHONE_MISSING_ZERO`): same shape as rowErrors.
    async fn row_warnings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<Connection<ImportRowError>> {
        self.problems(ctx, true, first, after).await
    }
    /// The plan, change by change, in plan order: what applying does (or did).
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes of this kind; absent: all.")] kind: Option<ChangeKind>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<Connection<ImportChangeView>> {
        let limit = page_size(first)?;
        let after_seq = after.as_deref().map(|c| parse_seq_cursor("after", c)).transpose()?;
        let kind = kind.map(Into::into);
        let (rows, more, total) = imports::history::changes(&app(ctx).db, &self.0, kind, after_seq, limit).await?;
        Ok(Connection::of(
            rows,
            |c| seq_cursor(c.seq),
            ImportChangeView,
            after_seq.is_some(),
            more,
            Total::Known(total),
        ))
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
        Ok(loaders::member(ctx, self.0.created_by).await?.map(MemberView::from))
    }
    /// When startImport was called.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When applyImport finished; null until then.
    async fn applied_at(&self) -> Option<DateTime<Utc>> {
        self.0.applied_at
    }
    /// When undoImport put its changes back (status UNDONE); null otherwise.
    async fn undone_at(&self) -> Option<DateTime<Utc>> {
        // Undoing is the last write to a job: its time is the job's last update.
        (self.0.status == JobStatus::Undone).then_some(self.0.updated_at)
    }
    /// Until when undoImport works; null when it no longer can.
    async fn undoable_until(&self) -> Option<DateTime<Utc>> {
        let done = self.0.status == JobStatus::Done;
        self.0
            .undoable_until
            .filter(|until| done && *until > crate::stored::now())
    }
    /// Why the job FAILED (a file that cannot be read, missing columns, a stale plan).
    async fn failure(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// Spreadsheet files: the workbook's sheets, and which one was read.
    async fn sheets(&self) -> Result<Vec<ImportSheet>> {
        Ok(self
            .options()?
            .sheets
            .into_iter()
            .map(|s| ImportSheet {
                name: s.name,
                hidden: s.hidden,
                read: s.read,
            })
            .collect())
    }

    /// CSV/text files: the encoding the file was read with (WHATWG label). Null for spreadsheets.
    async fn encoding(&self) -> Result<Option<String>> {
        Ok(self.options()?.encoding)
    }

    /// The spreadsheet row read as the header: 1, unless title, note or blank lines were
    /// above it (the first of the top 20 rows with known column names). Null until read.
    async fn header_row(&self) -> Result<Option<i32>> {
        Ok(self.options()?.header_row.map(|row| row as i32))
    }

    /// Groups the file names that do not exist yet; applying creates them.
    async fn new_groups(&self) -> Result<Vec<String>> {
        Ok(self.options()?.new_groups)
    }
    /// After undoImport: members changed since the import, which the undo left as they were.
    async fn undo_left_alone(&self, ctx: &Context<'_>) -> Result<Vec<MemberView>> {
        let ids = self.options()?.left_alone;
        let found = relations(ctx).load_many(ids.iter().map(|id| MemberById(*id))).await?;
        // In the order the undo recorded them; members since removed are left out.
        Ok(ids
            .iter()
            .filter_map(|id| found.get(&MemberById(*id)).cloned())
            .map(MemberView::from)
            .collect())
    }
}

impl Node for ImportJobView {
    type Entity = entity::import_jobs::Entity;
    const WORDS: Words = Words {
        connection: "A page of the tenant's imports, newest first (Relay).",
        edges: "The page's imports with their cursors.",
        nodes: "The page's imports, without cursors.",
        page_info: "Whether older imports follow this page, and its end cursors.",
        total_count: "How many imports the tenant has, all pages together.",
        edge: "An import and its cursor.",
        cursor: "Opaque position of this import in the list, for `after`.",
        node: "The import.",
    };
}
