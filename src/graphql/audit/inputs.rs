//! What auditLog takes.

use async_graphql::{InputObject, ID};

use crate::audit::AuditFilter;
use crate::error::Result;
use crate::graphql::ids::parse_id;

/// Which audit entries to list: every field given must hold.
#[derive(InputObject)]
#[graphql(name = "AuditFilter")]
pub struct AuditFilterInput {
    /// An exact action (`member.created`) or a prefix ending in `*` (`member.*`).
    pub action: Option<String>,
    /// Entries made by this member.
    pub actor_id: Option<ID>,
    /// Entries about this member, group, invitation or import (AuditEntry.targetId).
    pub target_id: Option<ID>,
    /// Entries at or after this instant.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Entries before this instant (exclusive).
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

impl AuditFilterInput {
    /// The domain filter; bad ids are VALIDATION on `filter.actorId` or `filter.targetId`.
    pub fn into_domain(self) -> Result<AuditFilter> {
        Ok(AuditFilter {
            action: self.action,
            actor_id: self.actor_id.map(|id| parse_id("filter.actorId", &id)).transpose()?,
            target_id: self.target_id.map(|id| parse_id("filter.targetId", &id)).transpose()?,
            since: self.since,
            until: self.until,
        })
    }
}
