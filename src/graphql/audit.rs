//! `auditLog` and the `AuditEntry` type.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};

use super::connection::{id_cursor, page_size, parse_id_cursor, PageInfo};
use super::inputs::{parse_id, AuditFilterInput};
use super::member::MemberView;
use super::{app, caller, visitor, Result};
use crate::audit::{self, AuditFilter};
use crate::members;

/// Who did what, when.
#[derive(Clone)]
pub struct AuditEntryView(entity::audit_log::Model);

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
        let Some(actor) = self.0.actor_id else { return Ok(None) };
        Ok(members::find(&app(ctx).db, &visitor(ctx).tenant.slug, actor)
            .await?
            .map(MemberView))
    }
    /// Dotted verb, e.g. member.created, member.deactivated, invitation.sent, import.applied.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// Id of what the action was about (a member, group, invitation or import); null when nothing in particular.
    async fn target_id(&self) -> Option<ID> {
        self.0.target_id.map(|t| ID(t.to_string()))
    }
    /// JSON object with the action's details.
    async fn details(&self) -> &str {
        &self.0.details
    }
}

/// An audit entry and its cursor.
#[derive(SimpleObject, Clone)]
pub struct AuditEntryEdge {
    /// Opaque position of this entry in the log, for `after`.
    pub cursor: String,
    /// The entry.
    pub node: AuditEntryView,
}

/// A page of the audit log, newest first.
pub struct AuditEntryConnection {
    edges: Vec<AuditEntryEdge>,
    has_next_page: bool,
    has_previous_page: bool,
    condition: sea_orm::Condition,
}

/// A page of the audit log, newest first (Relay).
#[Object]
impl AuditEntryConnection {
    /// The page's entries with their cursors.
    async fn edges(&self) -> &[AuditEntryEdge] {
        &self.edges
    }
    /// The page's entries, without cursors.
    async fn nodes(&self) -> Vec<AuditEntryView> {
        self.edges.iter().map(|e| e.node.clone()).collect()
    }
    /// Whether older entries follow this page, and its end cursors.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }
    /// How many entries match the filter, all pages together.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let total = entity::audit_log::Entity::find()
            .filter(self.condition.clone())
            .count(&app(ctx).db)
            .await?;
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Needs audit.read. The tenant's audit log, newest first.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries; absent: all of them.")] filter: Option<AuditFilterInput>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<AuditEntryConnection> {
        let caller = caller(ctx).await?;
        caller.require_unrestricted()?;
        let filter = match filter {
            None => AuditFilter::default(),
            Some(f) => AuditFilter {
                action: f.action,
                actor_id: f.actor_id.map(|id| parse_id("filter.actorId", &id)).transpose()?,
                target_id: f.target_id.map(|id| parse_id("filter.targetId", &id)).transpose()?,
                since: f.since,
                until: f.until,
            },
        };
        let limit = page_size(first)?;
        let after = after.map(|c| parse_id_cursor("after", &c)).transpose()?;
        let (rows, more, condition) = audit::list(app(ctx), &caller, &filter, limit, after).await?;
        let edges = rows
            .into_iter()
            .map(|row| AuditEntryEdge {
                cursor: id_cursor(row.id),
                node: AuditEntryView(row),
            })
            .collect();
        Ok(AuditEntryConnection {
            edges,
            has_next_page: more,
            has_previous_page: after.is_some(),
            condition,
        })
    }
}
