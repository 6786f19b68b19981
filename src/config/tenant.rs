//! Tenant files: `tenants/<slug>.toml` (+ `ROSTER_TENANTS__<SLUG>__*`), parsed and
//! validated into an immutable [`Tenant`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use figment::providers::{Env, Format, Toml};
use figment::Figment;
use indexmap::IndexMap;
use serde::Deserialize;
use url::Url;

use super::duration::{de_duration, de_durations, de_rate_limit, RateLimit};
use super::{from_figment, ConfigError, EnvOverrides};
use crate::auth::password;

/// A permission of DESIGN.md "Tenants".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    MembersRead,
    MembersCreate,
    MembersUpdate,
    MembersDeactivate,
    MembersMerge,
    MembersExport,
    RolesAssign,
    GroupsManage,
    InvitationsSend,
    InvitationsManage,
    ImportsRun,
    AuditRead,
}

impl Permission {
    /// Every permission; what `*` grants.
    pub const ALL: [Permission; 12] = [
        Permission::MembersRead,
        Permission::MembersCreate,
        Permission::MembersUpdate,
        Permission::MembersDeactivate,
        Permission::MembersMerge,
        Permission::MembersExport,
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
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown permission \"{s}\""))
    }
}

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    InviteOnly,
    Open,
}

/// The tenant's default password, hashed once at load.
#[derive(Debug, Clone)]
pub struct DefaultPassword {
    pub phc: String,
}

/// `[accounts]`.
#[derive(Debug, Clone)]
pub struct Accounts {
    pub default_password: Option<DefaultPassword>,
    pub password_min_length: u32,
    pub require_email: bool,
    pub login_pattern: String,
    pub session_idle: Duration,
    pub session_absolute: Duration,
}

/// `[invitations]`.
#[derive(Debug, Clone)]
pub struct InvitationSettings {
    pub lifetime: Duration,
    /// Delays after sending, ascending.
    pub reminders: Vec<Duration>,
}

/// `[rate_limits]`.
#[derive(Debug, Clone)]
pub struct RateLimits {
    pub login_per_account: RateLimit,
    pub login_per_ip: RateLimit,
    pub password_reset_per_account: RateLimit,
}

/// `[import]`.
#[derive(Debug, Clone)]
pub struct ImportSettings {
    pub max_deactivate_percent: u8,
    pub protected_roles: Vec<String>,
    pub undo_window: Duration,
    /// Extra header names per import field.
    pub aliases: IndexMap<String, Vec<String>>,
}

/// `[bootstrap]`.
#[derive(Debug, Clone, Default)]
pub struct Bootstrap {
    pub admin_email: Option<String>,
}

/// A role of the tenant.
#[derive(Debug, Clone)]
pub struct Role {
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
    /// The label in `locale`, else its language, else the default locale, else the key.
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
}

/// One organization's configuration, validated.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub slug: String,
    pub file: PathBuf,
    pub name: String,
    pub default_locale: String,
    pub locales: Vec<String>,
    pub registration: Registration,
    pub public_url: Option<Url>,
    pub accounts: Accounts,
    pub invitations: InvitationSettings,
    pub rate_limits: RateLimits,
    pub roles: IndexMap<String, Role>,
    pub import: ImportSettings,
    pub bootstrap: Bootstrap,
    /// `tenants/<slug>/templates/` when it exists.
    pub templates_dir: Option<PathBuf>,
}

impl Tenant {
    /// A role by key.
    pub fn role(&self, key: &str) -> Option<&Role> {
        self.roles.get(key)
    }

    /// The roles every new member gets.
    pub fn default_roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values().filter(|r| r.default)
    }

    /// The admin role: `admin` if it exists, else the first role granting `*`.
    pub fn admin_role(&self) -> Option<&Role> {
        self.roles
            .get("admin")
            .or_else(|| self.roles.values().find(|r| r.permissions.iter().any(|p| p == "*")))
    }

    /// Base URL for links in emails: the tenant's own, else the server's.
    pub fn public_url(&self, server: &Url) -> Url {
        self.public_url.clone().unwrap_or_else(|| server.clone())
    }
}

// ---------------------------------------------------------------- the file as written

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantFile {
    name: String,
    default_locale: String,
    locales: Option<Vec<String>>,
    #[serde(default = "invite_only")]
    registration: Registration,
    public_url: Option<Url>,
    #[serde(default)]
    accounts: AccountsFile,
    #[serde(default)]
    invitations: InvitationsFile,
    #[serde(default)]
    rate_limits: RateLimitsFile,
    roles: Option<IndexMap<String, RoleFile>>,
    #[serde(default)]
    import: ImportFile,
    #[serde(default)]
    bootstrap: BootstrapFile,
}

fn invite_only() -> Registration {
    Registration::InviteOnly
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct AccountsFile {
    default_password: Option<String>,
    password_min_length: u32,
    require_email: bool,
    login_pattern: String,
    #[serde(deserialize_with = "de_duration")]
    session_idle: Duration,
    #[serde(deserialize_with = "de_duration")]
    session_absolute: Duration,
}

impl Default for AccountsFile {
    fn default() -> Self {
        Self {
            default_password: None,
            password_min_length: 10,
            require_email: true,
            login_pattern: "{first}.{last}".into(),
            session_idle: Duration::from_secs(12 * 3600),
            session_absolute: Duration::from_secs(7 * 86_400),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct InvitationsFile {
    #[serde(deserialize_with = "de_duration")]
    lifetime: Duration,
    #[serde(deserialize_with = "de_durations")]
    reminders: Vec<Duration>,
}

impl Default for InvitationsFile {
    fn default() -> Self {
        Self {
            lifetime: Duration::from_secs(30 * 86_400),
            reminders: vec![Duration::from_secs(3 * 86_400)],
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RateLimitsFile {
    #[serde(deserialize_with = "de_rate_limit")]
    login_per_account: RateLimit,
    #[serde(deserialize_with = "de_rate_limit")]
    login_per_ip: RateLimit,
    #[serde(deserialize_with = "de_rate_limit")]
    password_reset_per_account: RateLimit,
}

impl Default for RateLimitsFile {
    fn default() -> Self {
        let limit = |text| RateLimit::parse(text).expect("static rate limit");
        Self {
            login_per_account: limit("10/15min"),
            login_per_ip: limit("50/15min"),
            password_reset_per_account: limit("3/h"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    #[serde(default)]
    label: IndexMap<String, String>,
    #[serde(default)]
    permissions: Vec<String>,
    assignable: Option<Vec<String>>,
    #[serde(default)]
    default: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ImportFile {
    max_deactivate_percent: u8,
    protected_roles: Option<Vec<String>>,
    #[serde(deserialize_with = "de_duration")]
    undo_window: Duration,
    aliases: IndexMap<String, Vec<String>>,
}

impl Default for ImportFile {
    fn default() -> Self {
        Self {
            max_deactivate_percent: 20,
            protected_roles: None,
            undo_window: Duration::from_secs(7 * 86_400),
            aliases: IndexMap::new(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct BootstrapFile {
    admin_email: Option<String>,
}

/// Fields an import column can fill (the keys of `[import.aliases]`).
pub const IMPORT_FIELDS: &[&str] = &[
    "login",
    "email",
    "secondary_email",
    "phone",
    "first_name",
    "last_name",
    "locale",
    "groups",
    "roles",
    "admin",
    "password",
    "status",
];

// ---------------------------------------------------------------- loading

/// Loads and validates one tenant file, reporting every problem of the file.
pub fn load_tenant(path: &Path, env: EnvOverrides) -> Result<Tenant, Vec<ConfigError>> {
    let slug = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
    if !valid_slug(&slug) {
        return Err(vec![ConfigError::new(
            path,
            "(file name)",
            "the file name is the tenant's slug: lower-case letters, digits and '-', starting with a letter or digit",
        )]);
    }
    let mut figment = Figment::from(Toml::file(path));
    if env == EnvOverrides::Process {
        let prefix = format!("ROSTER_TENANTS__{}__", slug.to_uppercase().replace('-', "_"));
        figment = figment.merge(Env::prefixed(&prefix).split("__"));
    }
    if !path.exists() {
        return Err(vec![ConfigError::new(path, "(file)", "the file cannot be read")]);
    }
    let raw: TenantFile = figment.extract().map_err(|e| from_figment(path, e))?;
    validate(path, slug, raw)
}

/// Loads every `<dir>/tenants/*.toml`, sorted by slug; bad files come back as errors.
pub fn load_tenants(dir: &Path, env: EnvOverrides) -> (Vec<Tenant>, Vec<ConfigError>) {
    let folder = dir.join("tenants");
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&folder) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(_) => return (Vec::new(), Vec::new()),
    };
    paths.sort();
    let (mut tenants, mut errors) = (Vec::new(), Vec::new());
    for path in paths {
        match load_tenant(&path, env) {
            Ok(tenant) => tenants.push(tenant),
            Err(mut errs) => errors.append(&mut errs),
        }
    }
    (tenants, errors)
}

fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 63
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
}

fn valid_locale(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let lang = parts.next().unwrap_or_default();
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn validate(path: &Path, slug: String, raw: TenantFile) -> Result<Tenant, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut err = |key: &str, message: String| errors.push(ConfigError::new(path, key, message));

    if raw.name.trim().is_empty() {
        err("name", "must not be empty".into());
    }
    let locales = raw.locales.unwrap_or_else(|| vec![raw.default_locale.clone()]);
    for locale in locales.iter().chain([&raw.default_locale]) {
        if !valid_locale(locale) {
            err(
                "locales",
                format!("\"{locale}\" is not a locale such as \"fr\", \"en\" or \"nl-BE\""),
            );
        }
    }
    if !locales.contains(&raw.default_locale) {
        err(
            "default_locale",
            format!("\"{}\" must be one of locales", raw.default_locale),
        );
    }

    let accounts = raw.accounts;
    if !(6..=128).contains(&accounts.password_min_length) {
        err("accounts.password_min_length", "must be between 6 and 128".into());
    }
    let placeholders = ["{first}", "{last}", "{first_initial}", "{last_initial}"];
    let mut rest = accounts.login_pattern.clone();
    for p in placeholders {
        rest = rest.replace(p, "");
    }
    if rest.contains('{') || rest.contains('}') {
        err(
            "accounts.login_pattern",
            "only {first}, {last}, {first_initial} and {last_initial} may be used".into(),
        );
    } else if !placeholders.iter().any(|p| accounts.login_pattern.contains(p)) {
        err(
            "accounts.login_pattern",
            "must use at least one of {first}, {last}, {first_initial}, {last_initial}".into(),
        );
    }
    if accounts.session_idle > accounts.session_absolute {
        err(
            "accounts.session_idle",
            "must not be longer than session_absolute".into(),
        );
    }
    let default_password = match &accounts.default_password {
        None => None,
        Some(text) if text.starts_with("$argon2") => {
            if password::is_phc(text) {
                Some(DefaultPassword { phc: text.clone() })
            } else {
                err("accounts.default_password", "is not a valid argon2 PHC string".into());
                None
            }
        }
        Some(text) if (text.chars().count() as u32) < accounts.password_min_length => {
            err(
                "accounts.default_password",
                format!("is shorter than password_min_length ({})", accounts.password_min_length),
            );
            None
        }
        Some(text) => Some(DefaultPassword {
            phc: password::hash_blocking(text),
        }),
    };

    let mut reminders = raw.invitations.reminders;
    reminders.sort();
    reminders.dedup();
    if reminders.iter().any(|r| *r >= raw.invitations.lifetime) {
        err(
            "invitations.reminders",
            "each reminder must come before the invitation's lifetime ends".into(),
        );
    }

    // Labels of the built-in roles need not match the tenant's locales.
    let roles_from_file = raw.roles.is_some();
    let roles = raw.roles.unwrap_or_else(builtin_roles);
    let mut built = IndexMap::new();
    for (key, role) in &roles {
        let at = |field: &str| format!("roles.{key}.{field}");
        if !key.starts_with(|c: char| c.is_ascii_lowercase())
            || !key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            err(
                &format!("roles.{key}"),
                "a role key uses lower-case letters, digits, '_' and '-'".into(),
            );
        }
        let mut grants = BTreeSet::new();
        for permission in &role.permissions {
            if permission == "*" {
                grants.extend(Permission::ALL);
            } else {
                match permission.parse::<Permission>() {
                    Ok(p) => {
                        grants.insert(p);
                    }
                    Err(message) => err(&at("permissions"), message),
                }
            }
        }
        for other in role.assignable.iter().flatten() {
            if !roles.contains_key(other) {
                err(&at("assignable"), format!("names an unknown role \"{other}\""));
            }
        }
        for locale in role.label.keys().filter(|_| roles_from_file) {
            if !locales.contains(locale) && !locales.iter().any(|l| l.split('-').next() == Some(locale.as_str())) {
                err(&at("label"), format!("\"{locale}\" is not one of the tenant's locales"));
            }
        }
        built.insert(
            key.clone(),
            Role {
                key: key.clone(),
                labels: role.label.clone(),
                permissions: role.permissions.clone(),
                grants,
                assignable: role.assignable.clone(),
                default: role.default,
            },
        );
    }

    let import = raw.import;
    if import.max_deactivate_percent > 100 {
        err("import.max_deactivate_percent", "must be between 0 and 100".into());
    }
    let protected_roles = match import.protected_roles {
        Some(list) => {
            for role in &list {
                if !built.contains_key(role) {
                    err("import.protected_roles", format!("names an unknown role \"{role}\""));
                }
            }
            list
        }
        None if built.contains_key("admin") => vec!["admin".to_owned()],
        None => Vec::new(),
    };
    for field in import.aliases.keys() {
        if !IMPORT_FIELDS.contains(&field.as_str()) {
            err(
                "import.aliases",
                format!("\"{field}\" is not an import field ({})", IMPORT_FIELDS.join(", ")),
            );
        }
    }

    let admin_email = raw.bootstrap.admin_email;
    if let Some(address) = &admin_email {
        if crate::members::email::normalize(address).is_err() {
            err(
                "bootstrap.admin_email",
                format!("\"{address}\" is not an email address"),
            );
        }
        let has_admin =
            built.contains_key("admin") || built.values().any(|r: &Role| r.permissions.iter().any(|p| p == "*"));
        if !has_admin {
            err(
                "bootstrap.admin_email",
                "needs a role \"admin\" or a role with the \"*\" permission".into(),
            );
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let templates_dir = path.with_extension("").join("templates");
    Ok(Tenant {
        slug,
        file: path.to_owned(),
        name: raw.name.trim().to_owned(),
        default_locale: raw.default_locale,
        locales,
        registration: raw.registration,
        public_url: raw.public_url,
        accounts: Accounts {
            default_password,
            password_min_length: accounts.password_min_length,
            require_email: accounts.require_email,
            login_pattern: accounts.login_pattern,
            session_idle: accounts.session_idle,
            session_absolute: accounts.session_absolute,
        },
        invitations: InvitationSettings {
            lifetime: raw.invitations.lifetime,
            reminders,
        },
        rate_limits: RateLimits {
            login_per_account: raw.rate_limits.login_per_account,
            login_per_ip: raw.rate_limits.login_per_ip,
            password_reset_per_account: raw.rate_limits.password_reset_per_account,
        },
        roles: built,
        import: ImportSettings {
            max_deactivate_percent: import.max_deactivate_percent,
            protected_roles,
            undo_window: import.undo_window,
            aliases: import.aliases,
        },
        bootstrap: Bootstrap { admin_email },
        templates_dir: templates_dir.is_dir().then_some(templates_dir),
    })
}

/// Roles of a tenant file that declares none.
fn builtin_roles() -> IndexMap<String, RoleFile> {
    let labels =
        |fr: &str, en: &str| IndexMap::from([("fr".to_owned(), fr.to_owned()), ("en".to_owned(), en.to_owned())]);
    IndexMap::from([
        (
            "admin".to_owned(),
            RoleFile {
                label: labels("Administrateur", "Administrator"),
                permissions: vec!["*".into()],
                assignable: None,
                default: false,
            },
        ),
        (
            "member".to_owned(),
            RoleFile {
                label: labels("Membre", "Member"),
                permissions: Vec::new(),
                assignable: None,
                default: true,
            },
        ),
    ])
}

#[cfg(test)]
mod tests;
