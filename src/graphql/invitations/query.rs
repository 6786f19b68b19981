//! Invitation queries: `invitations`, `invitation`, `invitationByToken`.

use async_graphql::{Context, Object, ID};

use super::inputs::InvitationFilterInput;
use super::types::{InvitationPreview, InvitationView};
use crate::graphql::connection::{id_cursor, page_size, parse_id_cursor, Connection, Total};
use crate::graphql::ids::parse_id;
use crate::graphql::{app, caller, visitor, Result};
use crate::invitations;

/// The invitation queries.
#[derive(Default)]
pub struct InvitationsQuery;

#[Object]
impl InvitationsQuery {
    /// Needs invitations.manage. The tenant's invitations, newest first.
    async fn invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which invitations; absent: all of them.")] filter: Option<InvitationFilterInput>,
        #[graphql(desc = "Page size: 0 to 500, default 50.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's cursor or pageInfo.endCursor).")] after: Option<String>,
    ) -> Result<Connection<InvitationView>> {
        let caller = caller(ctx).await?;
        let filter = filter.map(InvitationFilterInput::into_domain).unwrap_or_default();
        let limit = page_size(first)?;
        let after = after.map(|c| parse_id_cursor("after", &c)).transpose()?;
        let (rows, more, total) = invitations::list_invitations(app(ctx), &caller, &filter, limit, after).await?;
        Ok(Connection::of(
            rows,
            |r| id_cursor(r.id),
            InvitationView,
            after.is_some(),
            more,
            Total::Known(total),
        ))
    }

    /// Needs invitations.manage. One invitation; null when unknown in this tenant.
    async fn invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation's id (Invitation.id).")] id: ID,
    ) -> Result<Option<InvitationView>> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(invitations::get_invitation(app(ctx), &caller, id)
            .await?
            .map(InvitationView))
    }

    /// What the holder of an invitation link sees: before accepting, and also once it was accepted, revoked or expired (status says which), so a page can show the way on. No authentication needed. Null for an unknown token.
    async fn invitation_by_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of the invitation link (its `token` parameter).")] token: String,
    ) -> Result<Option<InvitationPreview>> {
        let found = invitations::preview(app(ctx), visitor(ctx), &token).await?;
        // A link replaced by a newer one reads as unknown (see LinkState::invitation_status).
        Ok(found.and_then(|p| {
            let status = p.state.invitation_status()?;
            Some(InvitationPreview {
                tenant_name: p.tenant_name,
                email: p.email,
                first_name: p.first_name,
                last_name: p.last_name,
                status: status.into(),
                expires_at: p.expires_at,
            })
        }))
    }
}
