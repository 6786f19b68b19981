//! The member list as a preview sees it: the columns, roles and manual groups of every
//! member, read once, streamed, and indexed by login and address for matching.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

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
    /// Positions in `members` by login key. The indexes hold positions only, not copies
    /// of the keys: at a million members, copies weighed some 130 MB.
    by_login: HashTable<u32>,
    /// Positions in `members`, and which of their addresses, by address key.
    by_email: HashTable<(u32, Address)>,
    hasher: RandomState,
    /// By lower-case name.
    pub groups: HashMap<String, GroupInfo>,
}

/// One of a member's two addresses.
#[derive(Debug, Clone, Copy)]
enum Address {
    Primary,
    Secondary,
}

impl Snapshot {
    pub fn new(members: Vec<Existing>, groups: Vec<GroupInfo>) -> Self {
        let hasher = RandomState::new();
        let mut by_login = HashTable::with_capacity(members.len());
        let mut by_email = HashTable::with_capacity(members.len());
        // Logins and held addresses are unique in the database; were one not, lookups
        // would find one of its holders.
        let login_hash = |&i: &u32| hasher.hash_one(members[i as usize].member.login_key.as_str());
        let address_hash = |&(i, which): &(u32, Address)| {
            let key = address(&members[i as usize].member, which).map(email::key);
            hasher.hash_one(key.unwrap_or_default().as_str())
        };
        for (index, existing) in members.iter().enumerate() {
            let position = index as u32;
            by_login.insert_unique(login_hash(&position), position, login_hash);
            for which in [Address::Primary, Address::Secondary] {
                if address(&existing.member, which).is_some() {
                    let entry = (position, which);
                    by_email.insert_unique(address_hash(&entry), entry, address_hash);
                }
            }
        }
        let groups = groups.into_iter().map(|g| (g.name.to_lowercase(), g)).collect();
        Self {
            members,
            by_login,
            by_email,
            hasher,
            groups,
        }
    }

    /// The position of the member whose login key is `login`.
    pub(super) fn by_login(&self, login: &str) -> Option<usize> {
        self.by_login
            .find(self.hasher.hash_one(login), |&i| {
                self.members[i as usize].member.login_key == login
            })
            .map(|&i| i as usize)
    }

    /// The position of the member holding the address whose key ([`email::key`]) is `key`.
    pub(super) fn by_email(&self, key: &str) -> Option<usize> {
        self.by_email
            .find(self.hasher.hash_one(key), |&(i, which)| {
                address(&self.members[i as usize].member, which)
                    .map(email::key)
                    .as_deref()
                    == Some(key)
            })
            .map(|&(i, _)| i as usize)
    }

    pub(super) fn group_name(&self, id: Uuid) -> Option<&str> {
        self.groups.values().find(|g| g.id == id).map(|g| g.name.as_str())
    }
}

/// One of the member's addresses, if they have it.
fn address(member: &SnapshotMember, which: Address) -> Option<&str> {
    match which {
        Address::Primary => member.email.as_deref(),
        Address::Secondary => member.secondary_email.as_deref(),
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
    // Most members hold a role: sized from them, the list rarely grows (growing a
    // million-member list copies it, with both copies alive at once).
    let mut members = Vec::with_capacity(roles.len());
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
