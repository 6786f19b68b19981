//! The `Group` type.

use async_graphql::{Context, Object, ID};

use crate::graphql::members::{member_connection, MemberConnection};
use crate::graphql::{app, caller, caller_even_restricted, Result};
use crate::groups;
use crate::members::{list_members, MemberFilter, MemberOrder, PageRequest};

/// A group of members.
#[derive(Clone)]
pub struct GroupView(pub entity::groups::Model);

/// A group of members: manual (members put in by hand, invitations or imports) or smart
/// (members selected by a rule).
#[Object(name = "Group")]
impl GroupView {
    /// Stable identifier of the group (a UUID), as groupIds and group(id:) take it.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Unique in the tenant, case-insensitively; at most 100 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Free text about the group, at most 2000 characters; null when none.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// True for a smart group (membership computed from its rule).
    async fn smart(&self) -> bool {
        self.0.rule.is_some()
    }
    /// How many members (active or not) the group holds now; for a smart group, how many its rule selects.
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i32> {
        // Readable from `me { groups }` in a restricted session too.
        let caller = caller_even_restricted(ctx).await?;
        let count = groups::member_count(&app(ctx).db, &caller, &self.0).await?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
    /// The group's members, by name. Needs members.read.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<MemberConnection> {
        let caller = caller(ctx).await?;
        let filter = MemberFilter {
            group_ids: Some(vec![self.0.id]),
            ..MemberFilter::default()
        };
        let request = PageRequest {
            first,
            after,
            ..PageRequest::default()
        };
        let (page, condition) = list_members(app(ctx), &caller, &filter, MemberOrder::default(), &request).await?;
        member_connection(ctx, page, condition).await
    }
}
