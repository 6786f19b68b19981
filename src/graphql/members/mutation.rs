//! Member mutations: create, update, roles, erase, (de)activate, merge.

use async_graphql::{Context, Object, ID};

use super::inputs::{assignments, CreateMemberInput, MemberSelectionInput, RoleAssignmentInput, UpdateMemberInput};
use super::types::{BulkResult, MemberView};
use crate::graphql::ids::parse_id;
use crate::graphql::{app, caller, Result};
use crate::members::{self, Status};

/// The member mutations.
#[derive(Default)]
pub struct MembersMutation;

#[Object]
impl MembersMutation {
    /// Needs members.create. login is generated from the names when absent (DESIGN.md).
    async fn create_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new member's fields, roles and groups.")] input: CreateMemberInput,
    ) -> Result<MemberView> {
        let caller = caller(ctx).await?;
        let member = members::create_member(app(ctx), &caller, input.into_domain()?).await?;
        Ok(MemberView::from(member))
    }

    /// Needs members.update (or a group-scoped members.update covering that member).
    async fn update_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member to change.")] id: ID,
        #[graphql(desc = "The fields to change; absent ones stay as they are.")] input: UpdateMemberInput,
    ) -> Result<MemberView> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(MemberView::from(
            members::update_member(app(ctx), &caller, id, input.into()).await?,
        ))
    }

    /// Needs roles.assign, and the roles given must be assignable by the caller.
    async fn set_member_roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member whose roles change; never the caller (FORBIDDEN).")] id: ID,
        #[graphql(
            desc = "The member's complete new set of roles: it replaces all current ones, default roles included."
        )]
        roles: Vec<RoleAssignmentInput>,
    ) -> Result<MemberView> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        let roles = assignments("roles", roles)?;
        Ok(MemberView::from(
            members::set_member_roles(app(ctx), &caller, id, roles).await?,
        ))
    }

    /// Needs members.erase. Removes the selected members' personal data everywhere; kept
    /// records (audit entries, import counts) keep only their id, a pseudonymous reference.
    /// The caller is never erased by it. Cannot be undone. Members holding a protected
    /// role (the tenant's [import] protected_roles) need allowProtected, else VALIDATION.
    async fn erase_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The members to erase.")] selection: MemberSelectionInput,
        #[graphql(
            default = false,
            desc = "Also erase members holding a protected role (admins by default); without it such a selection is VALIDATION and nothing is erased."
        )]
        allow_protected: bool,
    ) -> Result<BulkResult> {
        let caller = caller(ctx).await?;
        let selection = selection.into_domain()?;
        let result = members::erase::erase_members(app(ctx), &caller, selection, allow_protected).await?;
        Ok(result.into())
    }

    /// Needs members.deactivate. Deactivated members' sessions end at once. The caller is never deactivated by it.
    async fn deactivate_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The members to deactivate.")] selection: MemberSelectionInput,
    ) -> Result<BulkResult> {
        let caller = caller(ctx).await?;
        let result = members::set_status(app(ctx), &caller, selection.into_domain()?, Status::Deactivated).await?;
        Ok(result.into())
    }

    /// Needs members.deactivate. Makes the selected members ACTIVE again: they can sign in.
    async fn activate_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The members to reactivate.")] selection: MemberSelectionInput,
    ) -> Result<BulkResult> {
        let caller = caller(ctx).await?;
        let result = members::set_status(app(ctx), &caller, selection.into_domain()?, Status::Active).await?;
        Ok(result.into())
    }

    /// Needs members.merge. Moves roles, groups, invitations, import history and audit references of `removeId` onto `keepId`, then deletes `removeId`.
    async fn merge_members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member that stays; its empty fields are filled from the other.")] keep_id: ID,
        #[graphql(desc = "The member that is deleted; neither keepId nor the caller (VALIDATION).")] remove_id: ID,
    ) -> Result<MemberView> {
        let caller = caller(ctx).await?;
        let keep = parse_id("keepId", &keep_id)?;
        let remove = parse_id("removeId", &remove_id)?;
        Ok(MemberView::from(
            members::merge_members(app(ctx), &caller, keep, remove).await?,
        ))
    }
}
