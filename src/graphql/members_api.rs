//! Member administration: `member`, `members`, and the admin mutations.

use async_graphql::{Context, Object, SimpleObject, ID};
use sea_orm::Condition;

use super::inputs::{
    assignments, parse_id, CreateMemberInput, MemberFilterInput, MemberOrderInput, MemberSelectionInput,
    RoleAssignmentInput, UpdateMemberInput,
};
use super::member::MemberView;
use super::{app, caller, Result};
use crate::members::{self, list, MemberOrder, Page, PageRequest, Status};

/// A member and its cursor.
#[derive(SimpleObject, Clone)]
pub struct MemberEdge {
    pub cursor: String,
    pub node: MemberView,
}

/// A page of members; totalCount is counted only when asked for.
pub struct MemberConnection {
    page: Page<entity::members::Model>,
    condition: Condition,
}

impl MemberConnection {
    pub fn new(page: Page<entity::members::Model>, condition: Condition) -> Self {
        Self { page, condition }
    }
}

#[Object]
impl MemberConnection {
    async fn edges(&self) -> Vec<MemberEdge> {
        self.page
            .items
            .iter()
            .map(|(cursor, m)| MemberEdge {
                cursor: cursor.clone(),
                node: MemberView(m.clone()),
            })
            .collect()
    }
    async fn nodes(&self) -> Vec<MemberView> {
        self.page.items.iter().map(|(_, m)| MemberView(m.clone())).collect()
    }
    async fn page_info(&self) -> super::connection::PageInfo {
        super::connection::PageInfo {
            has_next_page: self.page.has_next_page,
            has_previous_page: self.page.has_previous_page,
            start_cursor: self.page.items.first().map(|(c, _)| c.clone()),
            end_cursor: self.page.items.last().map(|(c, _)| c.clone()),
        }
    }
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let total = list::count(&app(ctx).db, self.condition.clone()).await?;
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
    }
}

/// `BulkResult`.
#[derive(SimpleObject)]
pub struct BulkResult {
    /// Members the selection named or matched.
    pub matched: i32,
    /// Members whose state actually changed.
    pub changed: i32,
}

impl From<members::BulkResult> for BulkResult {
    fn from(r: members::BulkResult) -> Self {
        Self {
            matched: i32::try_from(r.matched).unwrap_or(i32::MAX),
            changed: i32::try_from(r.changed).unwrap_or(i32::MAX),
        }
    }
}

#[derive(Default)]
pub struct MembersQuery;

#[Object]
impl MembersQuery {
    /// Needs members.read (or a group-scoped members.read covering that member).
    async fn member(&self, ctx: &Context<'_>, id: ID) -> Result<Option<MemberView>> {
        let caller = caller(ctx).await?;
        caller.require_unrestricted()?;
        let id = parse_id("id", &id)?;
        Ok(members::get_member(app(ctx), &caller, id).await?.map(MemberView))
    }

    /// Cursor pagination (Relay). Needs members.read.
    #[allow(clippy::too_many_arguments)]
    async fn members(
        &self,
        ctx: &Context<'_>,
        filter: Option<MemberFilterInput>,
        order_by: Option<MemberOrderInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<MemberConnection> {
        let caller = caller(ctx).await?;
        let filter = filter.map(|f| f.into_domain("filter")).transpose()?.unwrap_or_default();
        let order = order_by.map(MemberOrder::from).unwrap_or_default();
        let request = PageRequest {
            first,
            after,
            last,
            before,
        };
        let (page, condition) = members::list_members(app(ctx), &caller, &filter, order, &request).await?;
        Ok(MemberConnection::new(page, condition))
    }
}

#[derive(Default)]
pub struct MembersMutation;

#[Object]
impl MembersMutation {
    /// Needs members.create. login is generated from the names when absent (DESIGN.md).
    async fn create_member(&self, ctx: &Context<'_>, input: CreateMemberInput) -> Result<MemberView> {
        let caller = caller(ctx).await?;
        let member = members::create_member(app(ctx), &caller, input.into_domain()?).await?;
        Ok(MemberView(member))
    }

    /// Needs members.update.
    async fn update_member(&self, ctx: &Context<'_>, id: ID, input: UpdateMemberInput) -> Result<MemberView> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        Ok(MemberView(
            members::update_member(app(ctx), &caller, id, input.into()).await?,
        ))
    }

    /// Needs roles.assign, and the roles given must be assignable by the caller.
    async fn set_member_roles(&self, ctx: &Context<'_>, id: ID, roles: Vec<RoleAssignmentInput>) -> Result<MemberView> {
        let caller = caller(ctx).await?;
        let id = parse_id("id", &id)?;
        let roles = assignments("roles", roles)?;
        Ok(MemberView(
            members::set_member_roles(app(ctx), &caller, id, roles).await?,
        ))
    }

    /// Needs members.deactivate. Deactivated members' sessions end at once. The caller is never deactivated by it.
    async fn deactivate_members(&self, ctx: &Context<'_>, selection: MemberSelectionInput) -> Result<BulkResult> {
        let caller = caller(ctx).await?;
        let result = members::set_status(app(ctx), &caller, selection.into_domain()?, Status::Deactivated).await?;
        Ok(result.into())
    }

    /// Needs members.deactivate.
    async fn activate_members(&self, ctx: &Context<'_>, selection: MemberSelectionInput) -> Result<BulkResult> {
        let caller = caller(ctx).await?;
        let result = members::set_status(app(ctx), &caller, selection.into_domain()?, Status::Active).await?;
        Ok(result.into())
    }

    /// Needs members.merge. Moves roles, groups, invitations, import history and audit references of `removeId` onto `keepId`, then deletes `removeId`.
    async fn merge_members(&self, ctx: &Context<'_>, keep_id: ID, remove_id: ID) -> Result<MemberView> {
        let caller = caller(ctx).await?;
        let keep = parse_id("keepId", &keep_id)?;
        let remove = parse_id("removeId", &remove_id)?;
        Ok(MemberView(
            members::merge_members(app(ctx), &caller, keep, remove).await?,
        ))
    }
}
