//! `invitations`: An invitation to join, or to activate a pre-created account.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant: String,
    pub kind: Kind,
    pub email: String,
    pub email_key: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub locale: String,
    #[sea_orm(column_type = "Text")]
    pub roles: String,
    #[sea_orm(column_type = "Text")]
    pub group_ids: String,
    #[sea_orm(column_type = "Text")]
    pub message: Option<String>,
    pub status: String,
    pub delivery_status: String,
    pub member_id: Option<Uuid>,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub expires_at: DateTimeUtc,
    pub reminders_sent: i32,
    pub last_reminded_at: Option<DateTimeUtc>,
    pub accepted_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub new_invitation_requested_at: Option<DateTimeUtc>,
    pub import_job_id: Option<Uuid>,
}

/// What accepting an invitation does; stored as `join` / `activation`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Brings a new person in.
    #[sea_orm(string_value = "join")]
    Join,
    /// Sets the password of a member created beforehand.
    #[sea_orm(string_value = "activation")]
    Activation,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
