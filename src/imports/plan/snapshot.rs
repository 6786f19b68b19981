//! The member list as a preview sees it: the columns, roles and manual groups of every
//! member, read once, streamed, and indexed by login and address for matching.

use std::collections::{HashMap, HashSet};

use futures_util::TryStreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::config::Tenant;
use crate::members::Status;
use crate::values::email;
use entity::{group_members, groups, members, role_assignments};

/// The columns of a member the plan reads (not the whole row: 100,000 of them are held).
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct SnapshotMember {
    pub id: Uuid,
    pub login: String,
    pub login_key: String,
    pub email: Option<String>,
    /// None while unconfirmed.
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub locale: String,
    pub status: Status,
    pub version: i64,
    pub has_password: bool,
    pub uses_default_password: bool,
    pub must_change_password: bool,
}

crate::profile_of_columns!(SnapshotMember);

/// A member as the plan sees it.
#[derive(Debug, Clone)]
pub struct Existing {
    pub member: SnapshotMember,
    /// Tenant-wide role keys.
    pub roles: Vec<String>,
    /// Any role, scoped or not: protection from deactivation looks at all of them.
    pub protected: bool,
    /// Manual groups.
    pub groups: Vec<Uuid>,
}

impl Existing {
    pub(super) fn active(&self) -> bool {
        self.member.status == Status::Active
    }
}

/// A group by its case-insensitive name.
#[derive(Debug, Clone)]
pub struct GroupInfo {
    pub id: Uuid,
    pub name: String,
    pub smart: bool,
}

/// The member list at the time of the preview.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub members: Vec<Existing>,
    pub(super) by_login: HashMap<String, usize>,
    pub(super) by_email: HashMap<String, usize>,
    /// By lower-case name.
    pub groups: HashMap<String, GroupInfo>,
}

impl Snapshot {
    pub fn new(members: Vec<Existing>, groups: Vec<GroupInfo>) -> Self {
        let mut by_login = HashMap::with_capacity(members.len());
        let mut by_email = HashMap::with_capacity(members.len());
        for (index, existing) in members.iter().enumerate() {
            let m = &existing.member;
            by_login.insert(m.login_key.clone(), index);
            for address in [&m.email, &m.secondary_email].into_iter().flatten() {
                by_email.insert(email::key(address), index);
            }
        }
        let groups = groups.into_iter().map(|g| (g.name.to_lowercase(), g)).collect();
        Self {
            members,
            by_login,
            by_email,
            groups,
        }
    }

    pub(super) fn group_name(&self, id: Uuid) -> Option<&str> {
        self.groups.values().find(|g| g.id == id).map(|g| g.name.as_str())
    }
}

/// Reads the tenant's members with their roles and manual groups, streaming the rows
/// (collecting 100,000 full rows first would take several times the memory).
pub async fn load_snapshot(conn: &DatabaseConnection, tenant: &Tenant) -> crate::error::Result<Snapshot> {
    let slug = tenant.slug.as_str();
    let roles = roles_by_member(conn, tenant).await?;
    let member_groups = groups_by_member(conn, slug).await?;
    let members = stream_members(conn, tenant, roles, member_groups).await?;
    let groups = load_groups(conn, slug).await?;
    Ok(Snapshot::new(members, groups))
}

/// The roles a member holds, as the snapshot needs them.
#[derive(Debug, Default)]
struct HeldRoles {
    /// Tenant-wide role keys, unordered.
    tenant_wide: Vec<String>,
    /// Holds a protected role, scoped or not.
    protected: bool,
}

/// Every member's roles, streamed from the role assignments.
async fn roles_by_member(conn: &DatabaseConnection, tenant: &Tenant) -> crate::error::Result<HashMap<Uuid, HeldRoles>> {
    let mut roles: HashMap<Uuid, HeldRoles> = HashMap::new();
    let mut assignments = role_assignments::Entity::find()
        .select_only()
        .columns([
            role_assignments::Column::MemberId,
            role_assignments::Column::Role,
            role_assignments::Column::GroupId,
        ])
        .filter(role_assignments::Column::Tenant.eq(tenant.slug.as_str()))
        .into_tuple::<(Uuid, String, Option<Uuid>)>()
        .stream(conn)
        .await?;
    while let Some((member_id, role, group)) = assignments.try_next().await? {
        let entry = roles.entry(member_id).or_default();
        entry.protected |= tenant.import.protected_roles.contains(&role);
        if group.is_none() {
            entry.tenant_wide.push(role);
        }
    }
    Ok(roles)
}

/// Every member's manual groups (ids), streamed from the memberships.
async fn groups_by_member(conn: &DatabaseConnection, slug: &str) -> crate::error::Result<HashMap<Uuid, Vec<Uuid>>> {
    let mut member_groups: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut memberships = group_members::Entity::find()
        .select_only()
        .columns([group_members::Column::MemberId, group_members::Column::GroupId])
        .filter(group_members::Column::Tenant.eq(slug))
        .into_tuple::<(Uuid, Uuid)>()
        .stream(conn)
        .await?;
    while let Some((member_id, group_id)) = memberships.try_next().await? {
        member_groups.entry(member_id).or_default().push(group_id);
    }
    Ok(member_groups)
}

/// The members, streamed, each joined with its roles and groups (taken out of the maps).
async fn stream_members(
    conn: &DatabaseConnection,
    tenant: &Tenant,
    mut roles: HashMap<Uuid, HeldRoles>,
    mut member_groups: HashMap<Uuid, Vec<Uuid>>,
) -> crate::error::Result<Vec<Existing>> {
    let mut members = Vec::new();
    let mut rows = members::Entity::find()
        .select_only()
        .columns([
            members::Column::Id,
            members::Column::Login,
            members::Column::LoginKey,
            members::Column::Email,
            members::Column::Phone,
            members::Column::FirstName,
            members::Column::LastName,
            members::Column::Locale,
            members::Column::Status,
            members::Column::Version,
            members::Column::UsesDefaultPassword,
            members::Column::MustChangePassword,
        ])
        .column_as(members::Column::PasswordHash.is_not_null(), "has_password")
        // An unconfirmed second address is not the member's yet: the plan neither
        // matches a row by it nor clears it.
        .column_as(
            Expr::cust("CASE WHEN secondary_email_verified THEN secondary_email END"),
            "secondary_email",
        )
        .filter(members::Column::Tenant.eq(tenant.slug.as_str()))
        .into_model::<SnapshotMember>()
        .stream(conn)
        .await?;
    while let Some(member) = rows.try_next().await? {
        let held = roles.remove(&member.id).unwrap_or_default();
        let groups = member_groups.remove(&member.id).unwrap_or_default();
        members.push(Existing {
            roles: ordered_roles(tenant, held.tenant_wide),
            protected: held.protected,
            groups,
            member,
        });
    }
    Ok(members)
}

/// The tenant's groups, smart or manual.
async fn load_groups(conn: &DatabaseConnection, slug: &str) -> crate::error::Result<Vec<GroupInfo>> {
    let groups = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(slug))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| GroupInfo {
            id: g.id,
            name: g.name,
            smart: g.rule.is_some(),
        })
        .collect();
    Ok(groups)
}

/// Role keys in the tenant file's order, without repeats.
pub(super) fn ordered_roles(tenant: &Tenant, keys: impl IntoIterator<Item = String>) -> Vec<String> {
    let keys: HashSet<String> = keys.into_iter().collect();
    tenant.roles.keys().filter(|k| keys.contains(*k)).cloned().collect()
}
