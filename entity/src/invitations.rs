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
    pub status: Status,
    pub delivery_status: DeliveryStatus,
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

/// Where an invitation stands; stored in lower case (`pending`, `accepted`, …).
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the person (a pending one past `expires_at` reads as expired).
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Accepted, or settled because its address became a member's.
    #[sea_orm(string_value = "accepted")]
    Accepted,
    /// Past its lifetime without being accepted.
    #[sea_orm(string_value = "expired")]
    Expired,
    /// Withdrawn by an admin, or by a change to the account it was for.
    #[sea_orm(string_value = "revoked")]
    Revoked,
}

/// Where an invitation's latest email stands; stored as `queued` / `sent` / `failed`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting in the outbox, or being retried.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Handed to the mail transport.
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Given up on.
    #[sea_orm(string_value = "failed")]
    Failed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
