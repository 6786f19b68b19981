//! Groups: the `Group` type, `groups`, `group`, and the group mutations.

use async_graphql::{Context, Object, ID};

use super::inputs::{parse_id, GroupInputObject, MemberSelectionInput};
use super::members_api::{BulkResult, MemberConnection};
use super::{app, caller, Result};
use crate::groups::{self, GroupInput};
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
        let caller = caller(ctx).await?;
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
        Ok(MemberConnection::new(page, condition))
    }
}

fn group_input(input: GroupInputObject) -> crate::error::Result<GroupInput> {
    Ok(GroupInput {
        name: input.name,
        description: input.description,
        rule: input.rule.map(|r| r.into_domain("rule")).transpose()?,
    })
}

#[derive(Default)]
pub struct GroupsQuery;

#[Object]
impl GroupsQuery {
    /// Needs members.read. Every group of the tenant, by name.
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<GroupView>> {
        let caller = caller(ctx).await?;
        Ok(groups::list_groups(app(ctx), &caller)
            .await?
            .into_iter()
            .map(GroupView)
            .collect())
    }

    /// Needs members.read. One group; null when unknown in this tenant.
    async fn group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group's id (Group.id).")] id: ID,
    ) -> Result<Option<GroupView>> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(groups::get_group(app(ctx), &caller, id).await?.map(GroupView))
    }
}

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
            groups::create_group(app(ctx), &caller, group_input(input)?).await?,
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
            groups::update_group(app(ctx), &caller, id, group_input(input)?).await?,
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
