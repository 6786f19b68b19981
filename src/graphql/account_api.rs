//! Password reset and email change.

use async_graphql::{Context, Object, ID};

use super::inputs::parse_id;
use super::member::MemberView;
use super::session::AuthPayload;
use super::{app, caller, visitor, Result};
use crate::account;

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Always true, whether or not the identifier exists. Sends a reset link to a known, active member.
    async fn request_password_reset(&self, ctx: &Context<'_>, identifier: String) -> Result<bool> {
        Ok(account::request_password_reset(app(ctx), visitor(ctx), &identifier).await?)
    }

    async fn reset_password(&self, ctx: &Context<'_>, token: String, new_password: String) -> Result<AuthPayload> {
        let (session, member) = account::reset_password(app(ctx), visitor(ctx), &token, &new_password).await?;
        Ok(AuthPayload::opened(session, member))
    }

    /// Sends a confirmation link to the new address and a notice to the old one; nothing changes until confirmed.
    async fn request_email_change(
        &self,
        ctx: &Context<'_>,
        new_email: String,
        current_password: String,
    ) -> Result<bool> {
        let caller = caller(ctx).await?;
        Ok(account::request_email_change(app(ctx), &caller, &new_email, &current_password).await?)
    }

    async fn confirm_email_change(&self, ctx: &Context<'_>, token: String) -> Result<MemberView> {
        Ok(MemberView(
            account::confirm_email_change(app(ctx), visitor(ctx), &token).await?.0,
        ))
    }

    /// From the link in the notice sent to the old address: puts the old address back, ends every session and sends a password reset link to it.
    async fn revert_email_change(&self, ctx: &Context<'_>, token: String) -> Result<bool> {
        Ok(account::revert_email_change(app(ctx), visitor(ctx), &token).await?)
    }

    /// Needs members.update. Sends the member a password reset link.
    async fn send_password_reset(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(account::send_password_reset(app(ctx), &caller, id).await?)
    }
}
