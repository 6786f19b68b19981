//! Input types of the contract and their conversion to domain values.

use async_graphql::{Enum, InputObject, ID};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::members::{self, MemberFilter, MemberOrder, OrderField, RoleAssignment, Selection};

/// Reads a GraphQL ID as one of our UUIDs; anything else is VALIDATION on `field`.
pub fn parse_id(field: &str, id: &ID) -> Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| Error::invalid(field, "not a valid id"))
}

/// Reads a list of ids.
pub fn parse_ids(field: &str, ids: &[ID]) -> Result<Vec<Uuid>> {
    ids.iter().map(|id| parse_id(field, id)).collect()
}

pub use super::member::{MemberOrigin, MemberStatus};

/// `MemberFilter`.
#[derive(InputObject, Default)]
#[graphql(name = "MemberFilter")]
pub struct MemberFilterInput {
    /// Case- and accent-insensitive match on login, names and emails.
    pub search: Option<String>,
    pub status: Option<MemberStatus>,
    /// Members holding any of these role keys.
    pub roles: Option<Vec<String>>,
    pub group_ids: Option<Vec<ID>>,
    /// Exact group name, case-insensitive.
    pub group_name: Option<String>,
    pub never_logged_in: Option<bool>,
    pub must_change_password: Option<bool>,
    pub origin: Option<MemberOrigin>,
    pub ids: Option<Vec<ID>>,
}

impl MemberFilterInput {
    /// The domain filter; bad ids are VALIDATION errors under `field`.
    pub fn into_domain(self, field: &str) -> Result<MemberFilter> {
        Ok(MemberFilter {
            search: self.search,
            status: self.status.map(MemberStatus::into_domain),
            roles: self.roles,
            group_ids: self
                .group_ids
                .map(|ids| parse_ids(&format!("{field}.groupIds"), &ids))
                .transpose()?,
            group_name: self.group_name,
            never_logged_in: self.never_logged_in,
            must_change_password: self.must_change_password,
            origin: self.origin.map(MemberOrigin::into_domain),
            ids: self
                .ids
                .map(|ids| parse_ids(&format!("{field}.ids"), &ids))
                .transpose()?,
        })
    }
}

/// `MemberOrderField`.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum MemberOrderField {
    LastName,
    CreatedAt,
    LastLoginAt,
    Login,
}

/// `OrderDirection`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// `MemberOrder`.
#[derive(InputObject)]
#[graphql(name = "MemberOrder")]
pub struct MemberOrderInput {
    pub field: MemberOrderField,
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

/// `MemberSelection`: exactly one of ids and filter.
#[derive(InputObject)]
#[graphql(name = "MemberSelection")]
pub struct MemberSelectionInput {
    pub ids: Option<Vec<ID>>,
    pub filter: Option<MemberFilterInput>,
}

impl MemberSelectionInput {
    pub fn into_domain(self) -> Result<Selection> {
        let ids = self.ids.map(|ids| parse_ids("selection.ids", &ids)).transpose()?;
        let filter = self.filter.map(|f| f.into_domain("selection.filter")).transpose()?;
        Selection::from_parts(ids, filter)
    }
}

/// `RoleAssignmentInput`.
#[derive(InputObject)]
#[graphql(name = "RoleAssignmentInput")]
pub struct RoleAssignmentInput {
    pub role: String,
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

/// `CreateMemberInput`.
#[derive(InputObject)]
pub struct CreateMemberInput {
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub login: Option<String>,
    pub locale: Option<String>,
    pub roles: Option<Vec<RoleAssignmentInput>>,
    pub group_ids: Option<Vec<ID>>,
    /// Absent: the tenant's default password (mustChangePassword) if it has one, else no password until an invitation is accepted.
    pub password: Option<String>,
    /// Send an activation invitation right away.
    #[graphql(default = false)]
    pub send_invitation: bool,
}

impl CreateMemberInput {
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

/// `UpdateMemberInput`.
#[derive(InputObject)]
pub struct UpdateMemberInput {
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub login: Option<String>,
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

/// `ProfileInput`.
#[derive(InputObject)]
pub struct ProfileInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub locale: Option<String>,
}

/// `RegisterInput`.
#[derive(InputObject)]
pub struct RegisterInput {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password: String,
    pub locale: Option<String>,
}

/// `GroupInput`.
#[derive(InputObject)]
#[graphql(name = "GroupInput")]
pub struct GroupInputObject {
    pub name: String,
    pub description: Option<String>,
    /// Makes it a smart group.
    pub rule: Option<MemberFilterInput>,
}

/// `AuditFilter`.
#[derive(InputObject)]
#[graphql(name = "AuditFilter")]
pub struct AuditFilterInput {
    pub action: Option<String>,
    pub actor_id: Option<ID>,
    pub target_id: Option<ID>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}
