//! `outbox`: Emails waiting to be delivered, written with the change that causes them.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant: String,
    pub recipient: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub text_body: String,
    #[sea_orm(column_type = "Text")]
    pub html_body: Option<String>,
    pub template: String,
    pub status: Status,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub invitation_id: Option<Uuid>,
    /// Template data (references, never secrets); the email is rendered when sent.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub locale: String,
}

/// Where a message stands; stored in lower case (`queued`, `sent`, `failed`, `dropped`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting to be delivered (or retried).
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Handed to the transport.
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Gave up: after the last attempt, or at once when no attempt could succeed.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// No longer wanted (e.g. the invitation was accepted or revoked meanwhile).
    #[sea_orm(string_value = "dropped")]
    Dropped,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
