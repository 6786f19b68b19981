//! Member administration: `member`, `members`, and the admin mutations.

use async_graphql::{Context, Object, SimpleObject, ID};
use sea_orm::Condition;

use super::imports_api::Download;
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
    /// Opaque position of this member in the list's order, for `after` and `before`.
    pub cursor: String,
    /// The member.
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

/// A page of members, with cursors to move on (Relay).
#[Object]
impl MemberConnection {
    /// The page's members with their cursors.
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
    /// The page's members, without cursors.
    async fn nodes(&self) -> Vec<MemberView> {
        self.page.items.iter().map(|(_, m)| MemberView(m.clone())).collect()
    }
    /// Whether more members come after or before this page, and its end cursors.
    async fn page_info(&self) -> super::connection::PageInfo {
        super::connection::PageInfo {
            has_next_page: self.page.has_next_page,
            has_previous_page: self.page.has_previous_page,
            start_cursor: self.page.items.first().map(|(c, _)| c.clone()),
            end_cursor: self.page.items.last().map(|(c, _)| c.clone()),
        }
    }
    /// How many members the whole list holds, all pages together (counted only when asked for).
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let total = list::count(&app(ctx).db, self.condition.clone()).await?;
        Ok(i32::try_from(total).unwrap_or(i32::MAX))
    }
}

/// What a bulk action did to the selected members.
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
    /// Everything Roster holds about the signed-in member, as a JSON file: profile, roles,
    /// groups, invitations, the audit entries about them or by them, the imports that
    /// touched them. UNAUTHENTICATED without a session.
    async fn my_data(&self, ctx: &Context<'_>) -> Result<Download> {
        let caller = caller(ctx).await?;
        Ok(members::personal_data::my_data(app(ctx), &caller).await?.into())
    }

    /// Everything Roster holds about one member, as a JSON file (the same shape as myData).
    /// Needs members.read and members.export; null for a member unknown or outside the
    /// caller's reach.
    async fn member_data(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's id (Member.id).")] id: ID,
    ) -> Result<Option<Download>> {
        let caller = caller(ctx).await?;
        let Ok(id) = uuid::Uuid::parse_str(&id) else {
            return Ok(None);
        };
        match members::personal_data::member_data(app(ctx), &caller, id).await {
            Ok(link) => Ok(Some(link.into())),
            Err(crate::error::Error::NotFound(_)) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Needs members.read (or a group-scoped members.read covering that member).
    /// Null when unknown or outside the caller's reach; the caller may always read themselves.
    async fn member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The member's id (Member.id).")] id: ID,
    ) -> Result<Option<MemberView>> {
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
        #[graphql(desc = "Which members; absent: every member the caller may read.")] filter: Option<MemberFilterInput>,
        #[graphql(desc = "Sort order; absent: LAST_NAME, ascending.")] order_by: Option<MemberOrderInput>,
        #[graphql(desc = "Page size going forward: 0 to 500, default 50. Not together with last.")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor; it must come from a list in the same order.")] after: Option<String>,
        #[graphql(desc = "Page size going backward (the page ending at before, or at the list's end): 0 to 500.")]
        last: Option<i32>,
        #[graphql(desc = "End the backward page just before this cursor (same order).")] before: Option<String>,
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
    async fn create_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new member's fields, roles and groups.")] input: CreateMemberInput,
    ) -> Result<MemberView> {
        let caller = caller(ctx).await?;
        let member = members::create_member(app(ctx), &caller, input.into_domain()?).await?;
        Ok(MemberView(member))
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
        Ok(MemberView(
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
        Ok(MemberView(
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
        Ok(MemberView(
            members::merge_members(app(ctx), &caller, keep, remove).await?,
        ))
    }
}
