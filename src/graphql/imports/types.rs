//! What imports show besides the job itself: modes, statuses, formats, the plan's
//! changes, row problems, columns and sheets.

use async_graphql::{Context, Enum, Object, SimpleObject};

use crate::graphql::connection::{Node, Words};
use crate::graphql::loaders;
use crate::graphql::members::MemberView;
use crate::graphql::Result;
use crate::imports::file::Format;
use crate::imports::plan::FieldChange as PlannedField;
use crate::imports::{self, JobStatus, Mode};
use entity::{import_changes, import_row_errors};

/// What an import does with the file's rows.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "Mode")]
pub enum ImportMode {
    /// Adds the rows as new members (activation invitations optional).
    Create,
    /// Sends an invitation per row; existing members are added to the row's groups.
    Invite,
    /// Adds new rows, updates matching members, and deactivates (or keeps) members absent from the file.
    Sync,
}

/// Where an import stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "JobStatus")]
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

/// The kind of file an import reads, or a template or export is written as.
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

impl From<FileFormat> for Format {
    fn from(format: FileFormat) -> Self {
        match format {
            FileFormat::Csv => Format::Csv,
            FileFormat::Xlsx => Format::Xlsx,
            FileFormat::Ods => Format::Ods,
            FileFormat::Xls => Format::Xls,
        }
    }
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
#[graphql(remote = "imports::ChangeKind")]
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

/// A sheet of an imported workbook.
#[derive(SimpleObject)]
pub struct ImportSheet {
    /// The sheet's name, as the workbook's tab shows it.
    pub name: String,
    /// Hidden (or very hidden) in the workbook.
    pub hidden: bool,
    /// The sheet this import read.
    pub read: bool,
}

/// A column of the imported file and how it was understood.
#[derive(SimpleObject)]
pub struct ImportColumn {
    /// The column's header, as written in the file.
    pub header: String,
    /// The member field it fills (login, email, secondary_email, phone, first_name,
    /// last_name, locale, groups, roles, admin, password, status); null when ignored.
    pub field: Option<String>,
}

/// How many changes of each kind the plan holds, and how many rows failed.
#[derive(SimpleObject)]
pub struct ImportSummary {
    /// Members to create (CREATE changes).
    pub create: i32,
    /// Existing members to change (UPDATE changes).
    pub update: i32,
    /// Members to deactivate, absent ones of a SYNC included (DEACTIVATE changes).
    pub deactivate: i32,
    /// Deactivated members to make active again (REACTIVATE changes).
    pub reactivate: i32,
    /// Invitations to send or refresh (INVITE changes).
    pub invite: i32,
    /// Existing members to add to groups instead of inviting (ADD_TO_GROUPS changes).
    pub add_to_groups: i32,
    /// Rows that match a member and change nothing.
    pub unchanged: i32,
    /// Rows with at least one error; applying needs skipInvalidRows while there are any.
    pub error_rows: i32,
}

/// A problem in one row (or one cell) of an imported file.
#[derive(SimpleObject, Clone)]
pub struct ImportRowError {
    /// Row number as the spreadsheet shows it (the header is row 1).
    pub row: i32,
    /// Column header as written in the file, or, for a value the file has no column for
    /// (REQUIRED), the column to add as the template heads it; null for a whole-row error.
    pub column: Option<String>,
    /// The cell's text as read; null when the problem is not about a value (e.g. REQUIRED).
    pub value: Option<String>,
    /// Stable code for programs, e.g. REQUIRED, INVALID_EMAIL, DUPLICATE_ROW, EMAIL_TAKEN,
    /// ROLE_NOT_ALLOWED; warnings PHONE_MISSING_ZERO, OWN_PASSWORD, STAYS_DEACTIVATED,
    /// DAMAGED_TEXT.
    pub code: String,
    /// The problem in a sentence, in the language of the request that started the import
    /// (French, or else English).
    pub message: String,
}

/// One field of a member as an import changes it.
#[derive(SimpleObject, Clone)]
pub struct FieldChange {
    /// The field, named as in the API: login, email, secondaryEmail, phone, firstName,
    /// lastName, locale, password, roles, groups or status.
    pub field: String,
    /// The value before; null for a new member or an empty field. A password shows as ********.
    pub before: Option<String>,
    /// The value after; roles and groups are comma-separated lists. A password shows as ********.
    pub after: Option<String>,
}

/// A planned or applied change as the API shows it.
#[derive(Clone)]
pub struct ImportChangeView(pub import_changes::Model);

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
        self.0.kind.into()
    }
    /// The member concerned, once it exists.
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<MemberView>> {
        Ok(loaders::member(ctx, self.0.member_id).await?.map(MemberView::from))
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
    async fn changes(&self) -> Result<Vec<FieldChange>> {
        let planned: Vec<PlannedField> =
            crate::stored::decode("import_changes", "changes", self.0.id, &self.0.changes)?;
        Ok(planned
            .into_iter()
            .map(|c| FieldChange {
                field: c.field,
                before: c.before,
                after: c.after,
            })
            .collect())
    }
}

impl From<import_row_errors::Model> for ImportRowError {
    fn from(e: import_row_errors::Model) -> Self {
        ImportRowError {
            row: e.row,
            column: e.column_name,
            value: e.value,
            code: e.code,
            message: e.message,
        }
    }
}

impl Node for ImportRowError {
    type Entity = import_row_errors::Entity;
    const WORDS: Words = Words {
        connection: "A page of an import's row problems, in file order (Relay).",
        edges: "The page's problems with their cursors.",
        nodes: "The page's problems, without cursors.",
        page_info: "Whether more problems follow this page, and its end cursors.",
        total_count: "How many problems of this kind the import has, all pages together.",
        edge: "A row problem and its cursor.",
        cursor: "Opaque position of this problem in the list, for `after`.",
        node: "The problem.",
    };
}

impl Node for ImportChangeView {
    type Entity = import_changes::Entity;
    const WORDS: Words = Words {
        connection: "A page of an import's changes, in plan order (Relay).",
        edges: "The page's changes with their cursors.",
        nodes: "The page's changes, without cursors.",
        page_info: "Whether more changes follow this page, and its end cursors.",
        total_count: "How many changes (of the kind asked for) the plan holds, all pages together.",
        edge: "A planned change and its cursor.",
        cursor: "Opaque position of this change in the plan, for `after`.",
        node: "The change.",
    };
}
