//! The `Invitation` type.

use async_graphql::{Context, Enum, Object, ID};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::group::GroupView;
use super::member::MemberView;
use super::Result;
use super::{app, visitor};
use crate::members;
use entity::groups;

/// Where an invitation stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

/// JOIN brings a new person in; ACTIVATION sets a pre-created member's password.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum InvitationKind {
    /// Brings a new person in: accepting creates the member.
    Join,
    /// For a member created beforehand: accepting sets the password.
    Activation,
}

/// Where the invitation email stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum DeliveryStatus {
    Queued,
    Sent,
    Failed,
}

/// An invitation as admins see it.
#[derive(Clone)]
pub struct InvitationView(pub entity::invitations::Model);

#[Object(name = "Invitation")]
impl InvitationView {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> InvitationKind {
        match self.0.kind.as_str() {
            "activation" => InvitationKind::Activation,
            _ => InvitationKind::Join,
        }
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    async fn roles(&self) -> Vec<String> {
        serde_json::from_str(&self.0.roles).unwrap_or_default()
    }
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<GroupView>> {
        let ids: Vec<Uuid> = serde_json::from_str(&self.0.group_ids).unwrap_or_default();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = groups::Entity::find()
            .filter(groups::Column::Tenant.eq(&visitor(ctx).tenant.slug))
            .filter(groups::Column::Id.is_in(ids))
            .order_by_asc(groups::Column::NameKey)
            .all(&app(ctx).db)
            .await?;
        Ok(rows.into_iter().map(GroupView).collect())
    }
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    async fn status(&self) -> InvitationStatus {
        match self.0.status.as_str() {
            "accepted" => InvitationStatus::Accepted,
            "revoked" => InvitationStatus::Revoked,
            // Past its lifetime reads as expired even before the job marks it.
            "expired" => InvitationStatus::Expired,
            _ if self.0.expires_at <= Utc::now() => InvitationStatus::Expired,
            _ => InvitationStatus::Pending,
        }
    }
    async fn delivery_status(&self) -> DeliveryStatus {
        match self.0.delivery_status.as_str() {
            "sent" => DeliveryStatus::Sent,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Queued,
        }
    }
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<MemberView>> {
        member_by_id(ctx, self.0.member_id).await
    }
    async fn invited_by(&self, ctx: &Context<'_>) -> Result<Option<MemberView>> {
        member_by_id(ctx, self.0.invited_by).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    async fn reminders_sent(&self) -> i32 {
        self.0.reminders_sent
    }
    async fn last_reminded_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_reminded_at
    }
    async fn accepted_at(&self) -> Option<DateTime<Utc>> {
        self.0.accepted_at
    }
}

async fn member_by_id(ctx: &Context<'_>, id: Option<Uuid>) -> Result<Option<MemberView>> {
    let Some(id) = id else { return Ok(None) };
    let found = members::find(&app(ctx).db, &visitor(ctx).tenant.slug, id).await?;
    Ok(found.map(MemberView))
}
