//! `import_jobs`: A spreadsheet import: preview, then apply.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "import_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant: String,
    pub mode: Mode,
    pub status: JobStatus,
    pub file_name: String,
    pub format: String,
    pub total_rows: i32,
    pub processed_rows: i32,
    #[sea_orm(column_type = "Text")]
    pub columns: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    #[sea_orm(column_type = "Text")]
    pub options: String,
    #[sea_orm(column_type = "Text")]
    pub error: Option<String>,
    pub error_report: Option<Vec<u8>>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub applied_at: Option<DateTimeUtc>,
    pub undoable_until: Option<DateTimeUtc>,
    /// While VALIDATING or APPLYING: until when the running instance answers for the
    /// job; past it, the job is taken for abandoned and recovered.
    pub lease_until: Option<DateTimeUtc>,
}

/// What an import does with the file: CREATE adds its rows as members, INVITE invites
/// them, SYNC keeps the member list in step with it (creates, updates, (de)activates).
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mode {
    #[sea_orm(string_value = "CREATE")]
    Create,
    #[sea_orm(string_value = "INVITE")]
    Invite,
    #[sea_orm(string_value = "SYNC")]
    Sync,
}

/// Where an import job stands: VALIDATING while its file is read and planned, READY to
/// review, then APPLYING and DONE — or FAILED, CANCELLED, UNDONE.
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    #[sea_orm(string_value = "VALIDATING")]
    Validating,
    #[sea_orm(string_value = "READY")]
    Ready,
    #[sea_orm(string_value = "APPLYING")]
    Applying,
    #[sea_orm(string_value = "DONE")]
    Done,
    #[sea_orm(string_value = "FAILED")]
    Failed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    #[sea_orm(string_value = "UNDONE")]
    Undone,
}

impl JobStatus {
    /// Nothing more will happen to the job.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Done | JobStatus::Failed | JobStatus::Cancelled | JobStatus::Undone
        )
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::import_changes::Entity")]
    ImportChanges,
    #[sea_orm(has_many = "super::import_row_errors::Entity")]
    ImportRowErrors,
}

impl Related<super::import_changes::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ImportChanges.def()
    }
}

impl Related<super::import_row_errors::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ImportRowErrors.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
