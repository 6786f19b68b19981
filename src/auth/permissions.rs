//! What a caller may do: the permissions of their roles, tenant-wide or limited to
//! the members of a group (DESIGN.md "Tenants").

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::Caller;
use crate::config::{Permission, Role, Tenant};
use crate::error::{Error, Result};
use entity::{members, role_assignments};

/// Where a permission applies for a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every member of the tenant.
    All,
    /// Only the members of these groups.
    Groups(Vec<Uuid>),
}

/// The caller's roles, resolved against the tenant file.
#[derive(Debug, Clone, Default)]
pub struct Grants {
    /// Roles held tenant-wide.
    pub roles: Vec<Role>,
    /// Roles held for one group's members.
    pub scoped: Vec<(Uuid, Role)>,
}

impl Grants {
    /// Reads the caller's role assignments; roles gone from the tenant file grant nothing.
    pub async fn load<C: ConnectionTrait>(conn: &C, tenant: &Tenant, member_id: Uuid) -> Result<Grants> {
        let rows = role_assignments::Entity::find()
            .filter(role_assignments::Column::Tenant.eq(&tenant.slug))
            .filter(role_assignments::Column::MemberId.eq(member_id))
            .all(conn)
            .await?;
        let mut grants = Grants::default();
        for row in rows {
            let Some(role) = tenant.role(&row.role) else { continue };
            match row.group_id {
                None => grants.roles.push(role.clone()),
                Some(group) => grants.scoped.push((group, role.clone())),
            }
        }
        Ok(grants)
    }

    /// [`Grants::load`] through a short-lived cache keyed by the member's version: every
    /// change of roles bumps it (set_member_roles, imports, merge), and a reloaded tenant
    /// file is a new `Tenant`, so neither serves stale grants. Saves a query per request.
    pub async fn cached<C: ConnectionTrait>(conn: &C, tenant: &Arc<Tenant>, member: &members::Model) -> Result<Grants> {
        /// (tenant, member, version) → the tenant file the grants were read against, and them.
        type GrantsCache = moka::sync::Cache<(String, Uuid, i64), (Arc<Tenant>, Grants)>;
        static CACHE: LazyLock<GrantsCache> = LazyLock::new(|| {
            moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(60))
                .build()
        });
        let key = (tenant.slug.clone(), member.id, member.version);
        if let Some((config, grants)) = CACHE.get(&key) {
            if Arc::ptr_eq(&config, tenant) {
                return Ok(grants);
            }
        }
        let grants = Grants::load(conn, tenant, member.id).await?;
        CACHE.insert(key, (tenant.clone(), grants.clone()));
        Ok(grants)
    }

    /// Permissions held tenant-wide.
    pub fn tenant_wide(&self) -> BTreeSet<Permission> {
        self.roles.iter().flat_map(|r| r.grants.iter().copied()).collect()
    }

    /// Where `permission` applies, or None when the caller does not hold it at all.
    pub fn scope(&self, permission: Permission) -> Option<Scope> {
        if self.roles.iter().any(|r| r.grants.contains(&permission)) {
            return Some(Scope::All);
        }
        let groups: Vec<Uuid> = self
            .scoped
            .iter()
            .filter(|(_, r)| r.grants.contains(&permission))
            .map(|(g, _)| *g)
            .collect();
        (!groups.is_empty()).then_some(Scope::Groups(groups))
    }

    /// Permissions that apply to the members of `group` (tenant-wide ones included).
    pub fn within_group(&self, group: Uuid) -> BTreeSet<Permission> {
        let mut all = self.tenant_wide();
        for (g, role) in &self.scoped {
            if *g == group {
                all.extend(role.grants.iter().copied());
            }
        }
        all
    }

    /// May the caller hand out `role` (tenant-wide, or within `group`)? They must hold every
    /// permission it carries, and it must be in their roles' `assignable` lists when those exist.
    pub fn can_hand_out(&self, role: &Role, group: Option<Uuid>) -> bool {
        let held = match group {
            None => self.tenant_wide(),
            Some(g) => self.within_group(g),
        };
        if !held.contains(&Permission::RolesAssign) || !role.grants.is_subset(&held) {
            return false;
        }
        let assigners: Vec<&Role> = self
            .roles
            .iter()
            .chain(self.scoped.iter().filter(|(g, _)| Some(*g) == group).map(|(_, r)| r))
            .filter(|r| r.grants.contains(&Permission::RolesAssign))
            .collect();
        assigners
            .iter()
            .any(|r| r.assignable.as_ref().is_none_or(|list| list.contains(&role.key)))
    }
}

/// FORBIDDEN naming the permission.
pub fn forbidden(permission: Permission) -> Error {
    Error::Forbidden(format!("You need the {} permission for this.", permission.as_str()))
}

/// Where the caller holds `permission`, or FORBIDDEN.
pub async fn require_scope<C: ConnectionTrait>(conn: &C, caller: &Caller, permission: Permission) -> Result<Scope> {
    caller
        .grants(conn)
        .await?
        .scope(permission)
        .ok_or_else(|| forbidden(permission))
}

/// FORBIDDEN unless the caller holds `permission` tenant-wide.
pub async fn require<C: ConnectionTrait>(conn: &C, caller: &Caller, permission: Permission) -> Result<()> {
    match require_scope(conn, caller, permission).await? {
        Scope::All => Ok(()),
        Scope::Groups(_) => Err(forbidden(permission)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(key: &str, perms: &[Permission], assignable: Option<&[&str]>) -> Role {
        Role {
            key: key.into(),
            labels: Default::default(),
            permissions: perms.iter().map(|p| p.as_str().to_owned()).collect(),
            grants: perms.iter().copied().collect(),
            assignable: assignable.map(|a| a.iter().map(|s| s.to_string()).collect()),
            default: false,
        }
    }

    #[test]
    fn nobody_hands_out_more_than_they_hold() {
        use Permission::*;
        let admin = role("admin", &Permission::ALL, None);
        let coordinator = role(
            "coordinator",
            &[MembersRead, MembersCreate, RolesAssign],
            Some(&["member", "referent"]),
        );
        let member = role("member", &[], None);
        let referent = role("referent", &[MembersRead], None);
        let auditor = role("auditor", &[AuditRead], None);

        let coord = Grants {
            roles: vec![coordinator.clone()],
            scoped: vec![],
        };
        assert!(coord.can_hand_out(&member, None));
        assert!(coord.can_hand_out(&referent, None));
        assert!(
            !coord.can_hand_out(&admin, None),
            "carries permissions the coordinator lacks"
        );
        assert!(!coord.can_hand_out(&auditor, None), "not in the assignable list");
        assert!(!coord.can_hand_out(&coordinator, None), "not in the assignable list");

        let boss = Grants {
            roles: vec![admin.clone()],
            scoped: vec![],
        };
        assert!(boss.can_hand_out(&admin, None) && boss.can_hand_out(&auditor, None));

        let group = Uuid::now_v7();
        let local = Grants {
            roles: vec![],
            scoped: vec![(group, coordinator)],
        };
        assert!(local.can_hand_out(&member, Some(group)));
        assert!(!local.can_hand_out(&member, None), "only within their group");
        assert!(!local.can_hand_out(&member, Some(Uuid::now_v7())));
        assert_eq!(local.scope(MembersRead), Some(Scope::Groups(vec![group])));
        assert_eq!(local.scope(AuditRead), None);
    }
}
