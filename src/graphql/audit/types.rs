//! The `AuditEntry` type.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

use crate::graphql::connection::{Node, Words};
use crate::graphql::loaders;
use crate::graphql::members::MemberView;
use crate::graphql::Result;

/// Who did what, when.
#[derive(Clone)]
pub struct AuditEntryView(pub entity::audit_log::Model);

/// One entry of the audit log: who did what, when, to what.
#[Object(name = "AuditEntry")]
impl AuditEntryView {
    /// Stable identifier of the entry.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Null for the system (reminders, expiry, bootstrap).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<MemberView>> {
        Ok(loaders::member(ctx, self.0.actor_id).await?.map(MemberView::from))
    }
    /// Dotted verb, e.g. member.created, member.deactivated, invitation.sent, import.applied.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// Id of what the action was about (a member, group, invitation or import); null when nothing in particular.
    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.map(|t| ID(t.to_string()))
    }
    /// The member the action was about, so that a reader sees a name rather than an id;
    /// null when the target is no member of this organization (a group, an invitation,
    /// an import) or the member was since erased.
    async fn target_member(&self, ctx: &Context<'_>) -> Result<Option<MemberView>> {
        Ok(loaders::member(ctx, self.0.target_id).await?.map(MemberView::from))
    }
    /// JSON object with the action's details.
    async fn details(&self) -> &str {
        &self.0.details
    }
}

impl Node for AuditEntryView {
    type Entity = entity::audit_log::Entity;
    const WORDS: Words = Words {
        connection: "A page of the audit log, newest first (Relay).",
        edges: "The page's entries with their cursors.",
        nodes: "The page's entries, without cursors.",
        page_info: "Whether older entries follow this page, and its end cursors.",
        total_count: "How many entries match the filter, all pages together.",
        edge: "An audit entry and its cursor.",
        cursor: "Opaque position of this entry in the log, for `after`.",
        node: "The entry.",
    };
}
