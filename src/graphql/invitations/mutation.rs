//! Invitation mutations: the admins' (invite, activate, resend, revoke, link) and the
//! invited person's (accept, ask for a new one).

use async_graphql::{Context, Object, ID};

use super::inputs::{AcceptInvitationInput, InviteInput};
use super::types::{InvitationView, InviteResult};
use crate::graphql::ids::{parse_id, parse_ids};
use crate::graphql::members::MemberSelectionInput;
use crate::graphql::session::AuthPayload;
use crate::graphql::{app, caller, visitor, Result};
use crate::invitations;

/// The invitation mutations.
#[derive(Default)]
pub struct InvitationsMutation;

#[Object]
impl InvitationsMutation {
    /// Needs invitations.send. Existing members are added to the groups instead of invited. A pending invitation for the same email is refreshed, not duplicated.
    async fn invite_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The addresses, and the roles, groups, locale and message they come with.")]
        input: InviteInput,
    ) -> Result<InviteResult> {
        let caller = caller(ctx).await?;
        let request = input.into_domain()?;
        Ok(invitations::invite_members(app(ctx), &caller, request).await?.into())
    }

    /// Needs invitations.send. Sends set-your-password invitations to existing members who have never signed in (e.g. selection: {filter: {neverLoggedIn: true}}).
    async fn send_activation_invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The members to invite; those without an email are left out.")]
        selection: MemberSelectionInput,
        #[graphql(desc = "Personal message, plain text, at most 2000 characters.")] message: Option<String>,
    ) -> Result<InviteResult> {
        let caller = caller(ctx).await?;
        let outcome =
            invitations::send_activation_invitations(app(ctx), &caller, selection.into_domain()?, message).await?;
        Ok(outcome.into())
    }

    /// Needs invitations.manage. New token, new expiry, email sent again; works on expired invitations too.
    async fn resend_invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The invitations to resend, at most 10000: NOT_FOUND for an unknown one, VALIDATION for an accepted or revoked one."
        )]
        ids: Vec<ID>,
    ) -> Result<Vec<InvitationView>> {
        let caller = caller(ctx).await?;
        let ids = parse_ids("ids", &ids)?;
        let rows = invitations::resend_invitations(app(ctx), &caller, &ids).await?;
        Ok(rows.into_iter().map(InvitationView).collect())
    }

    /// Needs invitations.manage. Revoked invitations' links stop working. Returns how many were revoked.
    async fn revoke_invitations(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The invitations to revoke, at most 10000 (NOT_FOUND for an unknown one); accepted or revoked ones are left as they are."
        )]
        ids: Vec<ID>,
    ) -> Result<i32> {
        let caller = caller(ctx).await?;
        let ids = parse_ids("ids", &ids)?;
        let revoked = invitations::revoke_invitations(app(ctx), &caller, &ids).await?;
        Ok(i32::try_from(revoked).unwrap_or(i32::MAX))
    }

    /// Needs invitations.manage. Issues a new link for the admin to pass on by hand; the previous link stops working.
    async fn invitation_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A PENDING invitation not past its expiry (VALIDATION otherwise: resend an expired one).")]
        id: ID,
    ) -> Result<String> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(invitations::invitation_link(app(ctx), &caller, id).await?)
    }

    /// No authentication needed. Creates or completes the account, marks the email verified, and signs the member in.
    /// TOKEN_INVALID for an unknown, used or revoked link; INVITATION_EXPIRED for an expired one.
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link's token, the password to set and, for a JOIN, the names and locale.")]
        input: AcceptInvitationInput,
    ) -> Result<AuthPayload> {
        let (session, member) = invitations::accept_invitation(app(ctx), visitor(ctx), input.into()).await?;
        Ok(AuthPayload::opened(session, member))
    }

    /// No authentication needed. From an expired invitation's link: tells the inviter (or the tenant's admins) that this person asks for a new invitation. Always true.
    async fn request_new_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of the expired invitation's link.")] token: String,
    ) -> Result<bool> {
        Ok(invitations::request_new_invitation(app(ctx), visitor(ctx), &token).await?)
    }
}
