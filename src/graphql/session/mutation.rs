//! Session mutations: login, logout, register, change of password and profile, erasure
//! of one's own account.

use async_graphql::{Context, Object};

use super::inputs::{ProfileInput, RegisterInput};
use super::types::AuthPayload;
use crate::auth;
use crate::graphql::members::MemberView;
use crate::graphql::{app, caller, caller_even_restricted, visitor, Result};
use crate::members::profile;

/// The session mutations.
#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// identifier is a login, an email or a secondary email. Wrong identifier and wrong password give the same INVALID_CREDENTIALS error.
    /// A right password on a deactivated account gets ACCOUNT_DEACTIVATED; too many failures RATE_LIMITED.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A login, an email or a confirmed secondary email; case-insensitive.")] identifier: String,
        #[graphql(desc = "The member's password (or the tenant's default password, for a restricted session).")]
        password: String,
    ) -> Result<AuthPayload> {
        Ok(auth::login(app(ctx), visitor(ctx), &identifier, &password)
            .await?
            .into())
    }

    /// Ends the session that made the request.
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(auth::logout(app(ctx), &caller_even_restricted(ctx).await?).await?)
    }

    /// Open registration, where the tenant allows it. An email with a pending invitation gets INVITATION_REQUIRED: that person must use the link.
    async fn register(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account's address, names, password and locale.")] input: RegisterInput,
    ) -> Result<AuthPayload> {
        let (session, member) = profile::register(app(ctx), visitor(ctx), input.into()).await?;
        Ok(AuthPayload::opened(session, member))
    }

    /// Where the tenant allows it ([privacy] self_erasure; FORBIDDEN otherwise): erases the
    /// signed-in member's account and personal data, as eraseMembers does, and ends their
    /// sessions. VALIDATION for a wrong password; CONFLICT for the tenant's last admin.
    async fn erase_my_account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The password the member signs in with now; VALIDATION when wrong.")] current_password: String,
    ) -> Result<bool> {
        let caller = caller_even_restricted(ctx).await?;
        Ok(crate::members::erase::erase_my_account(app(ctx), &caller, &current_password).await?)
    }

    /// Clears mustChangePassword and returns a fresh session; the member's other sessions end.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The password the member signs in with now; VALIDATION when wrong.")] current_password: String,
        #[graphql(desc = "At least Tenant.passwordMinLength characters, at most 256, and not the current one.")]
        new_password: String,
    ) -> Result<AuthPayload> {
        let caller = caller_even_restricted(ctx).await?;
        let (session, member) = profile::change_password(app(ctx), &caller, &current_password, &new_password).await?;
        Ok(AuthPayload::opened(session, member))
    }

    /// Changes the signed-in member's own names, second address, phone or locale; not in a
    /// restricted session (PASSWORD_CHANGE_REQUIRED).
    async fn update_my_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to change; absent ones stay as they are.")] input: ProfileInput,
    ) -> Result<MemberView> {
        let caller = caller(ctx).await?;
        Ok(MemberView::from(
            profile::update_my_profile(app(ctx), &caller, input.into()).await?,
        ))
    }

    /// Ends every session of the signed-in member; returns how many ended.
    async fn logout_everywhere(&self, ctx: &Context<'_>) -> Result<i32> {
        let ended = auth::logout_everywhere(app(ctx), &caller(ctx).await?).await?;
        Ok(i32::try_from(ended).unwrap_or(i32::MAX))
    }
}
