//! `downloads`: what a signed download link serves: a file kept whole (personal data),
//! or the recipe of an export built when the link is fetched.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "downloads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant: String,
    pub file_name: String,
    pub content_type: String,
    /// The file; empty for an export, which has a recipe instead.
    pub content: Vec<u8>,
    pub expires_at: DateTimeUtc,
    /// An export's recipe (`exports::Recipe` as JSON); null for a file kept whole.
    pub recipe: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
