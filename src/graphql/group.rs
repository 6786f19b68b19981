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

#[Object(name = "Group")]
impl GroupView {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// True for a smart group (membership computed from its rule).
    async fn smart(&self) -> bool {
        self.0.rule.is_some()
    }
    async fn member_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let caller = caller(ctx).await?;
        let count = groups::member_count(&app(ctx).db, &caller, &self.0).await?;
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
    /// The group's members, by name. Needs members.read.
    async fn members(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Result<MemberConnection> {
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
    /// Needs members.read.
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<GroupView>> {
        let caller = caller(ctx).await?;
        Ok(groups::list_groups(app(ctx), &caller)
            .await?
            .into_iter()
            .map(GroupView)
            .collect())
    }

    async fn group(&self, ctx: &Context<'_>, id: ID) -> Result<Option<GroupView>> {
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
    async fn create_group(&self, ctx: &Context<'_>, input: GroupInputObject) -> Result<GroupView> {
        let caller = caller(ctx).await?;
        Ok(GroupView(
            groups::create_group(app(ctx), &caller, group_input(input)?).await?,
        ))
    }

    async fn update_group(&self, ctx: &Context<'_>, id: ID, input: GroupInputObject) -> Result<GroupView> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(GroupView(
            groups::update_group(app(ctx), &caller, id, group_input(input)?).await?,
        ))
    }

    async fn delete_group(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(groups::delete_group(app(ctx), &caller, id).await?)
    }

    async fn add_members_to_group(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
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

    async fn remove_members_from_group(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        selection: MemberSelectionInput,
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
