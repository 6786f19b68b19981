//! Permissions and the roles of a tenant (`[roles.<key>]`).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use indexmap::IndexMap;

/// A permission of DESIGN.md "Tenants"; `*` in a file grants them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// `members.read`: list, search and open members (a group-scoped grant: those of its groups).
    MembersRead,
    /// `members.create`: create members one at a time.
    MembersCreate,
    /// `members.update`: change members' fields, send them a password reset.
    MembersUpdate,
    /// `members.deactivate`: deactivate and reactivate members.
    MembersDeactivate,
    /// `members.merge`: merge two records of one person into one.
    MembersMerge,
    /// `members.export`: download members as a spreadsheet, or one member's personal data.
    MembersExport,
    /// `members.erase`: erase members' personal data for good.
    MembersErase,
    /// `roles.assign`: give and take roles, those the holder may hand out.
    RolesAssign,
    /// `groups.manage`: create, change and delete groups and their membership.
    GroupsManage,
    /// `invitations.send`: invite people by email, send members their activation.
    InvitationsSend,
    /// `invitations.manage`: list, resend and revoke invitations, copy their links.
    InvitationsManage,
    /// `imports.run`: import members from a spreadsheet, apply and undo the import.
    ImportsRun,
    /// `audit.read`: read the audit log.
    AuditRead,
}

impl Permission {
    /// Every permission; what `*` grants.
    pub const ALL: [Permission; 13] = [
        Permission::MembersRead,
        Permission::MembersCreate,
        Permission::MembersUpdate,
        Permission::MembersDeactivate,
        Permission::MembersMerge,
        Permission::MembersExport,
        Permission::MembersErase,
        Permission::RolesAssign,
        Permission::GroupsManage,
        Permission::InvitationsSend,
        Permission::InvitationsManage,
        Permission::ImportsRun,
        Permission::AuditRead,
    ];

    /// The name used in tenant files and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::MembersRead => "members.read",
            Permission::MembersCreate => "members.create",
            Permission::MembersUpdate => "members.update",
            Permission::MembersDeactivate => "members.deactivate",
            Permission::MembersMerge => "members.merge",
            Permission::MembersExport => "members.export",
            Permission::MembersErase => "members.erase",
            Permission::RolesAssign => "roles.assign",
            Permission::GroupsManage => "groups.manage",
            Permission::InvitationsSend => "invitations.send",
            Permission::InvitationsManage => "invitations.manage",
            Permission::ImportsRun => "imports.run",
            Permission::AuditRead => "audit.read",
        }
    }
}

impl FromStr for Permission {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
            format!(
                "unknown permission \"{s}\" (expected \"*\" or one of: {})",
                known.join(", ")
            )
        })
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The permissions a role's list grants (`*` expanded), and a message per unknown name.
pub(super) fn grants_of(permissions: &[String]) -> (BTreeSet<Permission>, Vec<String>) {
    let mut grants = BTreeSet::new();
    let mut unknown = Vec::new();
    for name in permissions {
        if name == "*" {
            grants.extend(Permission::ALL);
        } else {
            match name.parse::<Permission>() {
                Ok(p) => {
                    grants.insert(p);
                }
                Err(message) => unknown.push(message),
            }
        }
    }
    (grants, unknown)
}

/// A role of the tenant.
#[derive(Debug, Clone)]
pub struct Role {
    /// The key of `[roles.<key>]`, stored on role assignments.
    pub key: String,
    /// Label per locale.
    pub labels: IndexMap<String, String>,
    /// As written in the file (`*` stays `*`), for display.
    pub permissions: Vec<String>,
    /// What the role grants, `*` expanded.
    pub grants: BTreeSet<Permission>,
    /// Roles this role may hand out; None = any (within the holder's permissions).
    pub assignable: Option<Vec<String>>,
    /// Given to every new member.
    pub default: bool,
}

impl Role {
    /// The label in `locale`, else in its language (`nl` for `nl-BE`, or a sibling
    /// such as `nl-NL`), else in the default locale, else the key.
    pub fn label(&self, locale: &str, default_locale: &str) -> &str {
        let language = locale.split('-').next().unwrap_or(locale);
        self.labels
            .get(locale)
            .or_else(|| self.labels.get(language))
            .or_else(|| {
                self.labels
                    .iter()
                    .find(|(l, _)| l.split('-').next() == Some(language))
                    .map(|(_, v)| v)
            })
            .or_else(|| self.labels.get(default_locale))
            .map(String::as_str)
            .unwrap_or(&self.key)
    }

    /// True when the role was written with `*`: it holds every permission, now and later.
    pub fn is_superuser(&self) -> bool {
        self.permissions.iter().any(|p| p == "*")
    }
}

/// Whether `key` may name a role: `^[a-z][a-z0-9_-]*$`.
pub(super) fn valid_role_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The roles of a tenant file that declares none: `admin` (everything) and `member` (default).
pub(super) fn builtin_roles() -> IndexMap<String, Role> {
    let role = |key: &str, fr: &str, en: &str, permissions: Vec<String>, default: bool| {
        let (grants, _) = grants_of(&permissions);
        let labels = IndexMap::from([("fr".to_owned(), fr.to_owned()), ("en".to_owned(), en.to_owned())]);
        let role = Role {
            key: key.to_owned(),
            labels,
            permissions,
            grants,
            assignable: None,
            default,
        };
        (key.to_owned(), role)
    };
    IndexMap::from([
        role("admin", "Administrateur", "Administrator", vec!["*".into()], false),
        role("member", "Membre", "Member", Vec::new(), true),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_round_trip_through_their_names() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>(), Ok(p));
            assert_eq!(p.to_string(), p.as_str());
        }
        let message = "members.fly".parse::<Permission>().unwrap_err();
        assert!(
            message.contains("\"members.fly\"") && message.contains("audit.read"),
            "{message}"
        );
    }

    #[test]
    fn a_star_grants_everything_and_unknown_names_are_reported() {
        let (grants, unknown) = grants_of(&["*".into()]);
        assert_eq!(grants.len(), Permission::ALL.len());
        assert!(unknown.is_empty());
        let (grants, unknown) = grants_of(&["members.read".into(), "members.fly".into()]);
        assert_eq!(grants.into_iter().collect::<Vec<_>>(), [Permission::MembersRead]);
        assert_eq!(unknown.len(), 1);
    }

    #[test]
    fn labels_fall_back_to_the_language_then_the_default_locale_then_the_key() {
        let role = Role {
            key: "admin".into(),
            labels: IndexMap::from([
                ("fr".to_owned(), "Administrateur".to_owned()),
                ("nl-BE".to_owned(), "Beheerder".to_owned()),
            ]),
            permissions: vec!["*".into()],
            grants: BTreeSet::new(),
            assignable: None,
            default: false,
        };
        assert_eq!(role.label("nl-BE", "fr"), "Beheerder");
        assert_eq!(role.label("nl", "fr"), "Beheerder");
        assert_eq!(role.label("nl-NL", "fr"), "Beheerder");
        assert_eq!(role.label("fr-CA", "en"), "Administrateur");
        assert_eq!(role.label("en", "fr"), "Administrateur");
        assert_eq!(role.label("en", "de"), "admin");
        assert!(role.is_superuser());
    }

    #[test]
    fn role_keys() {
        for good in ["admin", "co-ordinator", "level_2"] {
            assert!(valid_role_key(good), "{good}");
        }
        for bad in ["", "Admin", "2nd", "-x", "a b", "é"] {
            assert!(!valid_role_key(bad), "{bad}");
        }
    }

    #[test]
    fn builtin_roles_are_admin_and_a_default_member() {
        let roles = builtin_roles();
        assert_eq!(roles.keys().collect::<Vec<_>>(), ["admin", "member"]);
        assert_eq!(roles["admin"].grants.len(), Permission::ALL.len());
        assert_eq!(roles["admin"].label("en", "fr"), "Administrator");
        assert!(roles["member"].default && roles["member"].grants.is_empty());
        assert_eq!(roles["member"].label("fr", "fr"), "Membre");
    }
}
