//! Spreadsheet imports: a file is read (`file`, `text_file`), its columns understood
//! (`columns`), each row checked (`row`) and matched against the member list into a plan
//! (`plan`) that is stored and previewed (`store`); `apply` carries out exactly that plan
//! in one transaction, `undo` reverts it. `template` and `report` are the files around it.

pub mod apply;
pub mod columns;
mod display;
pub mod encoding;
pub mod file;
pub mod history;
pub mod jobs;
pub mod messages;
mod number_format;
pub mod plan;
pub mod report;
pub mod row;
pub mod running;
pub mod saved_plan;
pub mod start;
pub mod template;
pub mod text_file;
pub mod undo;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use entity::import_changes::ChangeKind;
pub use entity::import_jobs::{JobStatus, Mode};

/// `ImportDefaults`, ids parsed: what a row gets where its cell is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Defaults {
    pub roles: Vec<String>,
    pub group_ids: Vec<Uuid>,
    pub locale: Option<String>,
    pub send_invitations: bool,
    pub message: Option<String>,
}

/// What `startImport` was asked, kept with the job (`import_jobs.options`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Options {
    pub defaults: Defaults,
    /// SYNC: keep members absent from the file.
    pub keep_absent: bool,
    /// The admin's locale: row error messages and the error report speak it.
    pub locale: String,
    /// Groups the file names that do not exist yet.
    #[serde(default)]
    pub new_groups: Vec<String>,
    /// Groups that applying created (undo deletes those still unused).
    #[serde(default)]
    pub created_groups: Vec<Uuid>,
    /// After an undo: members changed since the import, left as they were.
    #[serde(default)]
    pub left_alone: Vec<Uuid>,
    /// The spreadsheet row read as the header (1 unless titles or blank lines were
    /// above it); None until the file is read.
    #[serde(default)]
    pub header_row: Option<usize>,
    /// The encoding a CSV/text file was read with (WHATWG label); None for spreadsheets.
    #[serde(default)]
    pub encoding: Option<String>,
    /// A workbook's sheets, and which was read; empty for CSV/text files.
    #[serde(default)]
    pub sheets: Vec<text_file::SheetInfo>,
}

/// How many rows of an import plan do each kind of change, and how many are refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: i32,
    pub update: i32,
    pub deactivate: i32,
    pub reactivate: i32,
    pub invite: i32,
    pub add_to_groups: i32,
    pub unchanged: i32,
    pub error_rows: i32,
}

impl Summary {
    pub fn count(&mut self, kind: ChangeKind) {
        match kind {
            ChangeKind::Create => self.create += 1,
            ChangeKind::Update => self.update += 1,
            ChangeKind::Deactivate => self.deactivate += 1,
            ChangeKind::Reactivate => self.reactivate += 1,
            ChangeKind::Invite => self.invite += 1,
            ChangeKind::AddToGroups => self.add_to_groups += 1,
            ChangeKind::Unchanged => self.unchanged += 1,
        }
    }
}

/// `ImportColumn`: a header and the field it was read as (None: ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnUse {
    pub header: String,
    pub field: Option<String>,
}

pub use history::{cancel_import, get_job, list_jobs};
pub use start::{start_import, StartRequest};
pub use {apply::apply_import, undo::undo_import};

impl Options {
    /// The options stored with `job` (`import_jobs.options`); INTERNAL when corrupt.
    pub fn of_job(job: &entity::import_jobs::Model) -> crate::error::Result<Self> {
        crate::stored::decode("import_jobs", "options", job.id, &job.options)
    }
}

impl Summary {
    /// The counts stored with `job` (`import_jobs.summary`); INTERNAL when corrupt.
    pub fn of_job(job: &entity::import_jobs::Model) -> crate::error::Result<Self> {
        crate::stored::decode("import_jobs", "summary", job.id, &job.summary)
    }
}

impl ColumnUse {
    /// How `job`'s file's columns were read (`import_jobs.columns`); INTERNAL when corrupt.
    pub fn of_job(job: &entity::import_jobs::Model) -> crate::error::Result<Vec<Self>> {
        crate::stored::decode("import_jobs", "columns", job.id, &job.columns)
    }
}
