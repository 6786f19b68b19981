//! The `auditLog` query.

use async_graphql::{Context, Object};

use super::inputs::AuditFilterInput;
use super::types::AuditEntryView;
use crate::audit;
use crate::graphql::connection::{id_cursor, page_size, parse_id_cursor, Connection, Total};
use crate::graphql::{app, caller, Result};

/// The audit query.
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
    ) -> Result<Connection<AuditEntryView>> {
        let caller = caller(ctx).await?;
        let filter = filter
            .map(AuditFilterInput::into_domain)
            .transpose()?
            .unwrap_or_default();
        let limit = page_size(first)?;
        let after = after.map(|c| parse_id_cursor("after", &c)).transpose()?;
        let (rows, more, condition) = audit::list(app(ctx), &caller, &filter, limit, after).await?;
        Ok(Connection::of(
            rows,
            |row| id_cursor(row.id),
            AuditEntryView,
            after.is_some(),
            more,
            Total::Deferred(condition),
        ))
    }
}
