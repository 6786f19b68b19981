//! Group queries: `groups`, `group`.

use async_graphql::{Context, Object, ID};

use super::types::GroupView;
use crate::graphql::ids::parse_id;
use crate::graphql::{app, caller, Result};
use crate::groups;

/// The group queries.
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
