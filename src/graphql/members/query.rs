//! Member queries: `myData`, `memberData`, `member`, `members`.

use async_graphql::{Context, Object, ID};

use super::inputs::{MemberFilterInput, MemberOrderInput};
use super::types::{member_connection, MemberConnection, MemberView};
use crate::graphql::download::Download;
use crate::graphql::ids::parse_id;
use crate::graphql::{app, caller, caller_even_restricted, Result};
use crate::members::{self, MemberOrder, PageRequest};

/// The member queries.
#[derive(Default)]
pub struct MembersQuery;

#[Object]
impl MembersQuery {
    /// Everything Roster holds about the signed-in member, as a JSON file: profile, roles,
    /// groups, invitations, the audit entries about them or by them, the imports that
    /// touched them. UNAUTHENTICATED without a session.
    async fn my_data(&self, ctx: &Context<'_>) -> Result<Download> {
        let caller = caller_even_restricted(ctx).await?;
        Ok(members::personal_data::my_data(app(ctx), &caller).await?.into())
    }

    /// Everything Roster holds about one member, as a JSON file (the same shape as myData).
    /// Needs members.read and members.export; null for a member unknown or outside the
    /// caller's reach.
    async fn member_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's id (Member.id).")] id: ID,
    ) -> Result<Option<Download>> {
        let caller = caller(ctx).await?;
        let Ok(id) = uuid::Uuid::parse_str(&id) else {
            return Ok(None);
        };
        match members::personal_data::member_data(app(ctx), &caller, id).await {
            Ok(link) => Ok(Some(link.into())),
            Err(crate::error::Error::NotFound(_)) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Needs members.read (or a group-scoped members.read covering that member).
    /// Null when unknown or outside the caller's reach; the caller may always read themselves.
    async fn member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's id (Member.id).")] id: ID,
    ) -> Result<Option<MemberView>> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(members::get_member(app(ctx), &caller, id).await?.map(MemberView::from))
    }

    /// The members the caller may read, a page at a time (Relay cursors). Needs members.read.
    #[allow(clippy::too_many_arguments)]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which members; absent: every member the caller may read.")] filter: Option<MemberFilterInput>,
        #[graphql(desc = "Sort order; absent: LAST_NAME, ascending.")] order_by: Option<MemberOrderInput>,
        #[graphql(desc = "Page size going forward: 0 to 500, default 50. Not together with last.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor; it must come from a list in the same order.")] after: Option<String>,
        #[graphql(desc = "Page size going backward (the page ending at before, or at the list's end): 0 to 500.")]
        last: Option<i32>,
        #[graphql(desc = "End the backward page just before this cursor (same order).")] before: Option<String>,
    ) -> Result<MemberConnection> {
        let caller = caller(ctx).await?;
        let filter = filter.map(|f| f.into_domain("filter")).transpose()?.unwrap_or_default();
        let order = order_by.map(MemberOrder::from).unwrap_or_default();
        let request = PageRequest {
            first,
            after,
            last,
            before,
        };
        let (page, condition) = members::list_members(app(ctx), &caller, &filter, order, &request).await?;
        member_connection(ctx, page, condition).await
    }
}
