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

#[Object(name = "AuditEntry")]
impl AuditEntryView {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
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
    pub cursor: String,
    pub node: AuditEntryView,
}

/// A page of the audit log, newest first.
pub struct AuditEntryConnection {
    edges: Vec<AuditEntryEdge>,
    has_next_page: bool,
    has_previous_page: bool,
    condition: sea_orm::Condition,
}

#[Object]
impl AuditEntryConnection {
    async fn edges(&self) -> &[AuditEntryEdge] {
        &self.edges
    }
    async fn nodes(&self) -> Vec<AuditEntryView> {
        self.edges.iter().map(|e| e.node.clone()).collect()
    }
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }
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
    /// Needs audit.read.
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilterInput>,
        first: Option<i32>,
        after: Option<String>,
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
