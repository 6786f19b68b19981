//! `import_row_errors`: One problem found in an import's file: an error that fails its
//! row, or a warning about a row that is imported all the same.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "import_row_errors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    pub tenant: String,
    pub seq: i32,
    pub row: i32,
    pub column_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub value: Option<String>,
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    #[sea_orm(column_type = "Text")]
    pub raw_row: Option<String>,
    /// A warning: the row is imported all the same.
    pub warning: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::import_jobs::Entity",
        from = "Column::JobId",
        to = "super::import_jobs::Column::Id",
        on_delete = "Cascade"
    )]
    ImportJobs,
}

impl Related<super::import_jobs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ImportJobs.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
