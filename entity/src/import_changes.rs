//! `import_changes`: One planned change of an import.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "import_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    pub tenant: String,
    pub seq: i32,
    pub row: Option<i32>,
    pub kind: ChangeKind,
    pub member_id: Option<Uuid>,
    pub login: Option<String>,
    pub email: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub changes: String,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub member_version: Option<i64>,
}

/// What applying the plan does to one row's member; stored in upper case (`CREATE`,
/// `ADD_TO_GROUPS`, …).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    #[sea_orm(string_value = "CREATE")]
    Create,
    #[sea_orm(string_value = "UPDATE")]
    Update,
    #[sea_orm(string_value = "DEACTIVATE")]
    Deactivate,
    #[sea_orm(string_value = "REACTIVATE")]
    Reactivate,
    #[sea_orm(string_value = "INVITE")]
    Invite,
    #[sea_orm(string_value = "ADD_TO_GROUPS")]
    AddToGroups,
    #[sea_orm(string_value = "UNCHANGED")]
    Unchanged,
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
