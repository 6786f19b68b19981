//! What member queries and mutations take: filters, orders, selections, role
//! assignments, and a member's fields; each turned into its domain value here.

use async_graphql::{Enum, InputObject, ID};

use super::types::{MemberOrigin, MemberStatus};
use crate::error::Result;
use crate::graphql::ids::{parse_id, parse_ids};
use crate::members::{self, MemberFilter, MemberOrder, OrderField, RoleAssignment, Selection};

/// Which members to select: every field given must hold, absent fields select everyone.
/// Also the stored rule of a smart group.
#[derive(InputObject, Default)]
#[graphql(name = "MemberFilter")]
pub struct MemberFilterInput {
    /// Case- and accent-insensitive match on login, names and emails, by word prefix
    /// ("dupo" finds Dupont); at most 200 characters.
    pub search: Option<String>,
    /// Only ACTIVE or only DEACTIVATED members.
    pub status: Option<MemberStatus>,
    /// Members holding any of these role keys (tenant-wide or for a group); an unknown key is VALIDATION.
    pub roles: Option<Vec<String>>,
    /// Members of any of these groups: put in a manual group, or selected by a smart group's rule.
    pub group_ids: Option<Vec<ID>>,
    /// Exact group name, case-insensitive.
    pub group_name: Option<String>,
    /// True: members who have never signed in; false: members who have.
    pub never_logged_in: Option<bool>,
    /// True: members still on the tenant's default password or an admin-set one; false: the others.
    pub must_change_password: Option<bool>,
    /// Members who came in this way.
    pub origin: Option<MemberOrigin>,
    /// Members this import created, while its history is kept (the tenant's
    /// `import_history_retention`); an import of another tenant selects nobody.
    pub origin_import_id: Option<ID>,
    /// Only these members, by id; at most 10000.
    pub ids: Option<Vec<ID>>,
}

impl MemberFilterInput {
    /// The domain filter; bad ids are VALIDATION errors under `field`.
    pub fn into_domain(self, field: &str) -> Result<MemberFilter> {
        Ok(MemberFilter {
            search: self.search,
            status: self.status.map(Into::into),
            roles: self.roles,
            group_ids: self
                .group_ids
                .map(|ids| parse_ids(&format!("{field}.groupIds"), &ids))
                .transpose()?,
            group_name: self.group_name,
            never_logged_in: self.never_logged_in,
            must_change_password: self.must_change_password,
            origin: self.origin.map(Into::into),
            origin_import_id: self
                .origin_import_id
                .map(|id| parse_id(&format!("{field}.originImportId"), &id))
                .transpose()?,
            ids: self
                .ids
                .map(|ids| parse_ids(&format!("{field}.ids"), &ids))
                .transpose()?,
        })
    }
}

/// What a member list is sorted by.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MemberOrderField {
    /// Last name, then first name, case- and accent-insensitively: the default order.
    LastName,
    /// When the member was created.
    CreatedAt,
    /// Last sign-in; members who never signed in come first going up, last going down.
    LastLoginAt,
    /// Login, alphabetically.
    Login,
}

/// Which way a list is sorted: smallest values first, or largest first.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum OrderDirection {
    /// Smallest first: A to Z, oldest first.
    #[default]
    Asc,
    /// Largest first: Z to A, newest first.
    Desc,
}

/// The order of a member list; members with the same value are ordered by id.
#[derive(InputObject)]
#[graphql(name = "MemberOrder")]
pub struct MemberOrderInput {
    /// What to sort by.
    pub field: MemberOrderField,
    /// ASC (the default) or DESC.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<MemberOrderInput> for MemberOrder {
    fn from(o: MemberOrderInput) -> Self {
        MemberOrder {
            field: match o.field {
                MemberOrderField::LastName => OrderField::LastName,
                MemberOrderField::CreatedAt => OrderField::CreatedAt,
                MemberOrderField::LastLoginAt => OrderField::LastLoginAt,
                MemberOrderField::Login => OrderField::Login,
            },
            descending: o.direction == OrderDirection::Desc,
        }
    }
}

/// The members a bulk action applies to: exactly one of ids and filter (VALIDATION
/// otherwise). Members outside the caller's reach are left out.
#[derive(InputObject)]
#[graphql(name = "MemberSelection")]
pub struct MemberSelectionInput {
    /// These members, by id; at most 10000. Ids matching no member of the tenant are ignored.
    pub ids: Option<Vec<ID>>,
    /// The members this filter selects.
    pub filter: Option<MemberFilterInput>,
}

impl MemberSelectionInput {
    /// The domain selection; bad ids are VALIDATION errors under `selection.ids`.
    pub fn into_domain(self) -> Result<Selection> {
        let ids = self.ids.map(|ids| parse_ids("selection.ids", &ids)).transpose()?;
        let filter = self.filter.map(|f| f.into_domain("selection.filter")).transpose()?;
        Selection::from_parts(ids, filter)
    }
}

/// A role to give: tenant-wide, or for one group's members.
#[derive(InputObject)]
#[graphql(name = "RoleAssignmentInput")]
pub struct RoleAssignmentInput {
    /// A role key of the tenant (Role.key); unknown is VALIDATION, one the caller may not hand out FORBIDDEN.
    pub role: String,
    /// The group whose members the role's permissions apply to; absent: tenant-wide.
    pub group_id: Option<ID>,
}

/// Reads role assignments, naming `field[i].groupId` on a bad id.
pub fn assignments(field: &str, list: Vec<RoleAssignmentInput>) -> Result<Vec<RoleAssignment>> {
    list.into_iter()
        .enumerate()
        .map(|(i, a)| {
            Ok(RoleAssignment {
                role: a.role,
                group_id: a
                    .group_id
                    .map(|g| parse_id(&format!("{field}[{i}].groupId"), &g))
                    .transpose()?,
            })
        })
        .collect()
}

/// A member created by hand (createMember). Every field is checked and all problems are
/// reported at once (VALIDATION with extensions.fields).
#[derive(InputObject)]
pub struct CreateMemberInput {
    /// Main address, stored as typed (trimmed); unique in the tenant across both address
    /// fields. Required when the tenant requires an email.
    pub email: Option<String>,
    /// A second address; given by an admin it counts at once (sign-in, invitations, uniqueness).
    pub secondary_email: Option<String>,
    /// Phone as written: digits, spaces and + . - ( ) / only, at most 40 characters.
    pub phone: Option<String>,
    /// Given name: 1 to 100 characters after trimming, no control characters or < >.
    pub first_name: String,
    /// Family name: 1 to 100 characters after trimming, no control characters or < >.
    pub last_name: String,
    /// Sign-in name: a-z, 0-9, '.', '-' and '_', at most 64 characters, stored lower-case;
    /// VALIDATION when taken. Absent: built from the tenant's login pattern.
    pub login: Option<String>,
    /// One of Tenant.locales; absent: the member follows the tenant's default locale.
    pub locale: Option<String>,
    /// Roles on top of the tenant's default roles; each must be one the caller may hand out.
    pub roles: Option<Vec<RoleAssignmentInput>>,
    /// Manual groups to put the member in (a smart group is VALIDATION). A caller whose
    /// members.create covers only some groups must name one of them.
    pub group_ids: Option<Vec<ID>>,
    /// Absent: the tenant's default password (mustChangePassword) if it has one, else no password until an invitation is accepted.
    pub password: Option<String>,
    /// Send an activation invitation right away.
    #[graphql(default = false)]
    pub send_invitation: bool,
}

impl CreateMemberInput {
    /// The domain request; bad ids are VALIDATION errors naming the field.
    pub fn into_domain(self) -> Result<members::CreateMember> {
        Ok(members::CreateMember {
            email: self.email,
            secondary_email: self.secondary_email,
            phone: self.phone,
            first_name: self.first_name,
            last_name: self.last_name,
            login: self.login,
            locale: self.locale,
            roles: assignments("roles", self.roles.unwrap_or_default())?,
            group_ids: parse_ids("groupIds", &self.group_ids.unwrap_or_default())?,
            password: self.password,
            send_invitation: self.send_invitation,
        })
    }
}

/// Changes to a member (updateMember): an absent field is left as it is; an empty string
/// clears email, secondaryEmail, phone or locale.
#[derive(InputObject)]
pub struct UpdateMemberInput {
    /// New main address, in force at once: emailVerified becomes false and the member's
    /// outstanding one-time links end. Cannot be cleared when the tenant requires an email.
    pub email: Option<String>,
    /// Second address; set by an admin it counts at once.
    pub secondary_email: Option<String>,
    /// Phone as written: digits, spaces and + . - ( ) / only, at most 40 characters.
    pub phone: Option<String>,
    /// Given name: 1 to 100 characters, no control characters or < >; cannot be emptied.
    pub first_name: Option<String>,
    /// Family name: 1 to 100 characters, no control characters or < >; cannot be emptied.
    pub last_name: Option<String>,
    /// New sign-in name (a-z, 0-9, '.', '-', '_', at most 64 characters); VALIDATION when taken or empty.
    pub login: Option<String>,
    /// One of Tenant.locales; empty: back to the tenant's default locale.
    pub locale: Option<String>,
}

impl From<UpdateMemberInput> for members::UpdateMember {
    fn from(i: UpdateMemberInput) -> Self {
        members::UpdateMember {
            email: i.email,
            secondary_email: i.secondary_email,
            phone: i.phone,
            first_name: i.first_name,
            last_name: i.last_name,
            login: i.login,
            locale: i.locale,
        }
    }
}
