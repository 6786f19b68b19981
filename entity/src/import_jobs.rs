//! `import_jobs`: A spreadsheet import: preview, then apply.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "import_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant: String,
    pub mode: String,
    pub status: String,
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
