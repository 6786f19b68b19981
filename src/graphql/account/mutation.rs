//! Account mutations: password reset and email change.

use async_graphql::{Context, Object, ID};

use crate::account;
use crate::graphql::ids::parse_id;
use crate::graphql::members::MemberView;
use crate::graphql::session::AuthPayload;
use crate::graphql::{app, caller, visitor, Result};

/// The account mutations.
#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Always true, whether or not the identifier exists. Sends a reset link to a known, active member.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A login, an email or a confirmed secondary email.")] identifier: String,
    ) -> Result<bool> {
        Ok(account::request_password_reset(app(ctx), visitor(ctx), &identifier).await?)
    }

    /// No authentication needed. Sets a new password from a reset link (valid one hour, single
    /// use), ends every other session and signs the member in. TOKEN_INVALID for a bad link.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of the reset link (its `token` parameter).")] token: String,
        #[graphql(desc = "At least Tenant.passwordMinLength characters, at most 256, not only spaces.")]
        new_password: String,
    ) -> Result<AuthPayload> {
        let (session, member) = account::reset_password(app(ctx), visitor(ctx), &token, &new_password).await?;
        Ok(AuthPayload::opened(session, member))
    }

    /// Sends a confirmation link to the new address and a notice to the old one; nothing changes until confirmed.
    async fn request_email_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new main address; VALIDATION when it is already another member's or the caller's.")]
        new_email: String,
        #[graphql(desc = "The caller's current password, as proof; VALIDATION when wrong.")] current_password: String,
    ) -> Result<bool> {
        let caller = caller(ctx).await?;
        Ok(account::request_email_change(app(ctx), &caller, &new_email, &current_password).await?)
    }

    /// No authentication needed. From the link sent to an address (valid one day): a new main
    /// address replaces the old one, or a second address set on the profile starts to count;
    /// either way verified. VALIDATION when another member holds it by now.
    async fn confirm_email_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of the confirmation link; TOKEN_INVALID when unknown, used or expired.")]
        token: String,
    ) -> Result<MemberView> {
        Ok(MemberView::from(
            account::confirm_email_change(app(ctx), visitor(ctx), &token).await?.0,
        ))
    }

    /// From the link in the notice sent to the old address: puts the old address back, ends every session and sends a password reset link to it.
    async fn revert_email_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token of the \"this wasn't me\" link (valid 7 days); TOKEN_INVALID when unusable.")]
        token: String,
    ) -> Result<bool> {
        Ok(account::revert_email_change(app(ctx), visitor(ctx), &token).await?)
    }

    /// Needs members.update. Sends the member a password reset link.
    async fn send_password_reset(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member to send the link to; VALIDATION when they have no email or are deactivated.")]
        id: ID,
    ) -> Result<bool> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(account::send_password_reset(app(ctx), &caller, id).await?)
    }
}
