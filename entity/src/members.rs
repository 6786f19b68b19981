//! `members`: A member of a tenant.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant: String,
    pub login: String,
    pub login_key: String,
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub email_verified: bool,
    /// False while a second address set by the member awaits confirmation; it then
    /// matches nothing (not sign-in, invitations, imports or uniqueness).
    pub secondary_email_verified: bool,
    pub phone: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub locale: String,
    pub status: Status,
    pub origin: Origin,
    pub origin_import_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub password_hash: Option<String>,
    pub uses_default_password: bool,
    pub must_change_password: bool,
    pub last_login_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deactivated_at: Option<DateTimeUtc>,
    pub version: i64,
    /// Folded "last first" for ordering by name.
    pub sort_key: String,
}

/// Whether a member can sign in; stored as `active` / `deactivated`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[sea_orm(string_value = "active")]
    Active,
    #[sea_orm(string_value = "deactivated")]
    Deactivated,
}

impl Status {
    /// Active when `active`, deactivated otherwise.
    pub fn of(active: bool) -> Self {
        if active {
            Status::Active
        } else {
            Status::Deactivated
        }
    }
}

/// How a member came in; stored in lower case (`manual`, `import`, …).
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    #[sea_orm(string_value = "bootstrap")]
    Bootstrap,
    #[sea_orm(string_value = "manual")]
    Manual,
    #[sea_orm(string_value = "import")]
    Import,
    #[sea_orm(string_value = "invitation")]
    Invitation,
    #[sea_orm(string_value = "registration")]
    Registration,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::member_emails::Entity")]
    MemberEmails,
    #[sea_orm(has_many = "super::role_assignments::Entity")]
    RoleAssignments,
    #[sea_orm(has_many = "super::group_members::Entity")]
    GroupMembers,
    #[sea_orm(has_many = "super::member_search_tokens::Entity")]
    MemberSearchTokens,
}

impl Related<super::member_emails::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MemberEmails.def()
    }
}

impl Related<super::role_assignments::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RoleAssignments.def()
    }
}

impl Related<super::group_members::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GroupMembers.def()
    }
}

impl Related<super::member_search_tokens::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::MemberSearchTokens.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
