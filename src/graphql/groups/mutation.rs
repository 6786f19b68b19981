//! Group mutations: create, update, delete, add and remove members.

use async_graphql::{Context, Object, ID};

use super::inputs::GroupInputObject;
use super::types::GroupView;
use crate::graphql::ids::parse_id;
use crate::graphql::members::{BulkResult, MemberSelectionInput};
use crate::graphql::{app, caller, Result};
use crate::groups;

/// The group mutations.
#[derive(Default)]
pub struct GroupsMutation;

#[Object]
impl GroupsMutation {
    /// Needs groups.manage. A group with a rule is a smart group: its members are whoever the rule selects.
    async fn create_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group's name, description and, for a smart group, rule.")] input: GroupInputObject,
    ) -> Result<GroupView> {
        let caller = caller(ctx).await?;
        Ok(GroupView(
            groups::create_group(app(ctx), &caller, input.into_domain()?).await?,
        ))
    }

    /// Needs groups.manage. Replaces the group's name, description and rule; a manual group
    /// given a rule loses its hand-made membership. NOT_FOUND for an unknown id.
    async fn update_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to change.")] id: ID,
        #[graphql(desc = "The group's new name, description and rule: all three are replaced.")]
        input: GroupInputObject,
    ) -> Result<GroupView> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(GroupView(
            groups::update_group(app(ctx), &caller, id, input.into_domain()?).await?,
        ))
    }

    /// Needs groups.manage. Deletes the group, its memberships and the roles held for it;
    /// members stay. Always true; NOT_FOUND for an unknown id.
    async fn delete_group(&self, ctx: &Context<'_>, #[graphql(desc = "The group to delete.")] id: ID) -> Result<bool> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(groups::delete_group(app(ctx), &caller, id).await?)
    }

    /// Needs groups.manage. Puts the selected members the caller may read into a manual
    /// group (a smart group is VALIDATION); changed counts the members newly added.
    async fn add_members_to_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The manual group to add members to.")] group_id: ID,
        #[graphql(desc = "The members to add; those already in the group are left as they are.")]
        selection: MemberSelectionInput,
    ) -> Result<BulkResult> {
        let caller = caller(ctx).await?;
        let group_id = parse_id("groupId", &group_id)?;
        Ok(
            groups::add_members(app(ctx), &caller, group_id, selection.into_domain()?)
                .await?
                .into(),
        )
    }

    /// Needs groups.manage. Takes the selected members the caller may read out of a manual
    /// group (a smart group is VALIDATION); changed counts the members removed.
    async fn remove_members_from_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The manual group to remove members from.")] group_id: ID,
        #[graphql(desc = "The members to remove; those not in the group are ignored.")] selection: MemberSelectionInput,
    ) -> Result<BulkResult> {
        let caller = caller(ctx).await?;
        let group_id = parse_id("groupId", &group_id)?;
        Ok(
            groups::remove_members(app(ctx), &caller, group_id, selection.into_domain()?)
                .await?
                .into(),
        )
    }
}
