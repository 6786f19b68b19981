//! `one_time_tokens`: Single-use links (password reset, email change), stored by hash.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "one_time_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub tenant: String,
    pub purpose: String,
    pub member_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    /// Why it stopped working: `used`, `replaced` or `ended`; None while live (and on
    /// links that ended before the column existed).
    pub end_reason: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
