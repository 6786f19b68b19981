//! The `Member` type, its related fields, and what member lists and bulk actions return.

use async_graphql::{ComplexObject, Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::graphql::connection::{self, Words};
use crate::graphql::groups::GroupView;
use crate::graphql::imports::ImportJobView;
use crate::graphql::invitations::InvitationView;
use crate::graphql::loaders::{
    preload_page, preloaded_or_loaded, relations, GroupsOf, PendingInvitationOf, Preloaded, RolesOf,
};
use crate::graphql::tenant::RoleView;
use crate::graphql::{app, caller, caller_even_restricted, visitor, Result};
use crate::members;

/// Whether a member can sign in.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "members::Status")]
pub enum MemberStatus {
    /// Can sign in.
    Active,
    /// Cannot sign in, and every session they hold stops working at its next request;
    /// activateMembers (or an import) makes them ACTIVE again.
    Deactivated,
}

/// How a member came in.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "members::Origin")]
pub enum MemberOrigin {
    /// The admin created at first start from the tenant file's `[bootstrap] admin_email`.
    Bootstrap,
    /// Created by hand: createMember, or `roster create-admin` on the command line.
    Manual,
    /// Created by an import (see originImport).
    Import,
    /// Accepted a JOIN invitation.
    Invitation,
    /// Registered themselves on a tenant with OPEN registration.
    Registration,
}

/// A member as the API shows it, with the related rows its list loaded beside it.
#[derive(Clone)]
pub struct MemberView {
    member: entity::members::Model,
    preloaded: Preloaded,
}

impl From<entity::members::Model> for MemberView {
    /// A member shown on its own: its related fields load through the request's loaders.
    fn from(member: entity::members::Model) -> Self {
        Self {
            member,
            preloaded: Preloaded::default(),
        }
    }
}

/// A person on the organization's member list.
#[Object(name = "Member")]
impl MemberView {
    /// Stable identifier of the member (a UUID), as member(id:) and selections take it.
    async fn id(&self) -> ID {
        ID(self.member.id.to_string())
    }
    /// Sign-in name, unique in the tenant: lower-case a-z, 0-9, '.', '-' and '_'.
    async fn login(&self) -> &str {
        &self.member.login
    }
    /// Main address, as typed: signs in and receives the member's emails. Null when the
    /// member has none (possible where the tenant does not require one).
    async fn email(&self) -> Option<&str> {
        self.member.email.as_deref()
    }
    /// A second address, also usable to sign in once it counts (see secondaryEmailVerified).
    async fn secondary_email(&self) -> Option<&str> {
        self.member.secondary_email.as_deref()
    }
    /// True once a link sent to the main address was used (invitation accepted, email
    /// change confirmed); false again whenever the main address changes.
    async fn email_verified(&self) -> bool {
        self.member.email_verified
    }
    /// False while a second email set by the member awaits confirmation; such an
    /// address matches nothing (sign-in, invitations, imports) until confirmed.
    async fn secondary_email_verified(&self) -> bool {
        self.member.secondary_email_verified
    }
    /// Phone number as written (digits, spaces and + . - ( ) /); null when none.
    async fn phone(&self) -> Option<&str> {
        self.member.phone.as_deref()
    }
    /// Given name, as the member writes it; shown before lastName.
    async fn first_name(&self) -> &str {
        &self.member.first_name
    }
    /// Family name; member lists sort by it by default.
    async fn last_name(&self) -> &str {
        &self.member.last_name
    }
    /// "firstName lastName", or the login when both names are empty.
    async fn display_name(&self) -> String {
        members::display_name(&self.member)
    }
    /// Language of the member's emails and pages: one of Tenant.locales, the tenant's
    /// default when the member chose none.
    async fn locale(&self, ctx: &Context<'_>) -> String {
        members::locale_or(&self.member, &visitor(ctx).tenant.default_locale).to_owned()
    }
    /// The language the member chose (one of Tenant.locales); null when they chose none,
    /// where `locale` falls back to the tenant's default and a page may follow the
    /// browser's instead.
    async fn chosen_locale(&self) -> Option<&str> {
        Some(self.member.locale.as_str()).filter(|l| !l.is_empty())
    }
    /// Whether the member can sign in.
    async fn status(&self) -> MemberStatus {
        self.member.status.into()
    }
    /// How the member came in.
    async fn origin(&self) -> MemberOrigin {
        self.member.origin.into()
    }
    /// The import that brought the member in (origin IMPORT); null without imports.run.
    async fn origin_import(&self, ctx: &Context<'_>) -> Result<Option<ImportJobView>> {
        let Some(job) = self.member.origin_import_id else {
            return Ok(None);
        };
        let caller = caller(ctx).await?;
        match crate::imports::get_job(app(ctx), &caller, job).await {
            Ok(found) => Ok(found.map(ImportJobView)),
            Err(crate::error::Error::Forbidden(_)) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }
    /// Roles held, in the tenant file's order of roles (one role held tenant-wide comes
    /// before the same role held within groups, which follow by group name); a role since
    /// removed from the tenant file is left out.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<RoleAssignmentView>> {
        let visitor = visitor(ctx);
        let preloaded = self.preloaded.roles.clone().map(Some);
        let held = preloaded_or_loaded(ctx, preloaded, RolesOf(self.member.id))
            .await?
            .unwrap_or_default();
        Ok(held
            .into_iter()
            .filter_map(|(assignment, group)| {
                let role = visitor.tenant.roles.get(&assignment.role)?;
                Some(RoleAssignmentView {
                    role: RoleView::new(role, &visitor.tenant, visitor.locale()),
                    group: group.map(GroupView),
                })
            })
            .collect())
    }
    /// Manual groups the member was put in, and smart groups whose rule selects them.
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<GroupView>> {
        let preloaded = self.preloaded.groups.clone().map(Some);
        let found = preloaded_or_loaded(ctx, preloaded, GroupsOf(self.member.id))
            .await?
            .unwrap_or_default();
        Ok(found.into_iter().map(GroupView).collect())
    }
    /// True while the member signs in with the tenant's default password or an admin-set one.
    async fn must_change_password(&self) -> bool {
        members::must_change_password(&self.member)
    }
    /// False for a member created without password who has not yet accepted an invitation.
    async fn has_password(&self) -> bool {
        self.member.password_hash.is_some() || self.member.uses_default_password
    }
    /// Last time the member signed in (by login, accepting an invitation, registering or
    /// resetting their password); null if never.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.member.last_login_at
    }
    /// When the member was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.member.created_at
    }
    /// Last change to the member's fields, password, roles or status.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.member.updated_at
    }
    /// When the member was deactivated; null while ACTIVE.
    async fn deactivated_at(&self) -> Option<DateTime<Utc>> {
        self.member.deactivated_at
    }
    /// The member's latest PENDING invitation (usually an ACTIVATION one); null when none,
    /// and for a caller who is not that member and lacks invitations.manage (tenant-wide).
    async fn pending_invitation(&self, ctx: &Context<'_>) -> Result<Option<InvitationView>> {
        if let Some(preloaded) = &self.preloaded.pending_invitation {
            // Loaded with the list, whose caller's rights it already follows.
            return Ok(preloaded.clone().map(InvitationView));
        }
        let caller = caller_even_restricted(ctx).await?;
        let id = self.member.id;
        if crate::invitations::pending_visible_among(&app(ctx).db, &caller, &[id])
            .await?
            .is_empty()
        {
            return Ok(None);
        }
        let found = relations(ctx).load_one(PendingInvitationOf(id)).await?;
        Ok(found.map(InvitationView))
    }
}

/// A role held tenant-wide, or for one group's members only.
#[derive(SimpleObject, Clone)]
#[graphql(name = "RoleAssignment", complex)]
pub struct RoleAssignmentView {
    /// The role held.
    pub role: RoleView,
    #[graphql(skip)]
    pub group: Option<GroupView>,
}

#[ComplexObject]
impl RoleAssignmentView {
    /// Null: the role holds tenant-wide. Otherwise its permissions apply to that group's members only.
    async fn group(&self) -> Option<&GroupView> {
        self.group.as_ref()
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

impl connection::Node for MemberView {
    type Entity = entity::members::Entity;
    const WORDS: Words = Words {
        connection: "A page of members, with cursors to move on (Relay).",
        edges: "The page's members with their cursors.",
        nodes: "The page's members, without cursors.",
        page_info: "Whether more members come after or before this page, and its end cursors.",
        total_count: "How many members the whole list holds, all pages together (counted only when asked for).",
        edge: "A member and its cursor.",
        cursor: "Opaque position of this member in the list's order, for `after` and `before`.",
        node: "The member.",
    };
}

/// A page of members as `members` and `Group.members` return it; totalCount is counted
/// only when asked for.
pub type MemberConnection = connection::Connection<MemberView>;

/// The connection of a domain page of members; `condition` selects the whole list. The
/// roles, groups and pending invitations the query asks of the page's members are loaded
/// here, for the whole page at once.
pub async fn member_connection(
    ctx: &Context<'_>,
    page: members::Page<entity::members::Model>,
    condition: sea_orm::Condition,
) -> Result<MemberConnection> {
    let ids: Vec<uuid::Uuid> = page.items.iter().map(|(_, member)| member.id).collect();
    let mut preloaded = preload_page(ctx, &ids).await?;
    let edges = page
        .items
        .into_iter()
        .map(|(cursor, member)| connection::Edge {
            cursor,
            node: MemberView {
                preloaded: preloaded.remove(&member.id).unwrap_or_default(),
                member,
            },
        })
        .collect();
    Ok(connection::Connection::new(
        edges,
        page.has_previous_page,
        page.has_next_page,
        connection::Total::Deferred(condition),
    ))
}
