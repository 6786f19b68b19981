//! Tenant files: `tenants/<slug>.toml` (+ `ROSTER_TENANTS__<SLUG>__*`), parsed and
//! validated into an immutable [`Tenant`].

mod raw;
#[cfg(test)]
mod tests;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use figment::providers::{Env, Format, Toml};
use figment::Figment;
use indexmap::IndexMap;
use lettre::message::Mailbox;
use lettre::Address;
use serde::Deserialize;
use url::Url;

use super::duration::RateLimit;
use super::role::Role;
use super::{from_figment, note_env_sources, ConfigError, EnvOverrides};
use crate::values::tenant_slug;

/// Fields an import column can fill (the keys allowed in `[import.aliases]`).
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

/// Who may create an account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Accounts come from admins, imports and invitations; `register` is refused.
    #[default]
    InviteOnly,
    /// Anyone may `register`.
    Open,
}

/// The tenant's default password, hashed once at load (argon2 PHC string).
#[derive(Clone, PartialEq, Eq)]
pub struct DefaultPassword {
    /// The argon2 PHC string sign-in verifies against.
    pub phc: String,
}

impl fmt::Debug for DefaultPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A hash is not a secret in the strict sense, but logs have no use for it.
        f.write_str("DefaultPassword(<argon2 hash>)")
    }
}

/// `[privacy]`: what members may erase themselves, and how long data is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Privacy {
    /// Members may erase their own account (`eraseMyAccount`); the last admin never can.
    pub self_erasure: bool,
    /// Members deactivated for longer are erased by the worker; None: never.
    pub erase_deactivated_after: Option<Duration>,
    /// Audit entries older are deleted by the worker; None: kept.
    pub audit_retention: Option<Duration>,
    /// Finished imports (with their changes and row errors) older are deleted; None: kept.
    pub import_history_retention: Option<Duration>,
}

/// `[api]`: how browser apps of other origins may call the tenant's API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Api {
    /// Web origins (`scheme://host[:port]`, as browsers send them in `Origin`, default
    /// ports left out) whose pages may call the GraphQL endpoint, its WebSocket and
    /// download links across origins (CORS). Empty: none.
    pub allowed_origins: Vec<String>,
}

impl Api {
    /// Whether a browser page from `origin` (an `Origin` header's value) may call the API.
    pub fn allows(&self, origin: &str) -> bool {
        web_origin(origin).is_some_and(|origin| self.allowed_origins.contains(&origin))
    }
}

/// `text` as a web origin in the form browsers send (`https://app.example.org`,
/// `http://localhost:5173`; host lower-cased and in its ASCII form, default port left
/// out); None unless it is an http(s) URL with nothing after the host and port but an
/// optional `/`.
pub fn web_origin(text: &str) -> Option<String> {
    let url = Url::parse(text.trim()).ok()?;
    let bare = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    bare.then(|| url.origin().ascii_serialization())
}

/// `[accounts]`: passwords, logins and sessions.
#[derive(Debug, Clone)]
pub struct Accounts {
    /// Password of members created without one; None = no default password.
    pub default_password: Option<DefaultPassword>,
    /// Shortest password accepted (6–128).
    pub password_min_length: u32,
    /// false: login and names are enough.
    pub require_email: bool,
    /// How logins are built: `{first}`, `{last}`, `{first_initial}`, `{last_initial}`.
    pub login_pattern: String,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends at the latest this long after sign-in (>= `session_idle`).
    pub session_absolute: Duration,
}

/// `[invitations]`: how long a link works and when reminders go out.
#[derive(Debug, Clone)]
pub struct InvitationSettings {
    /// How long an invitation link works.
    pub lifetime: Duration,
    /// Delays after sending, ascending, distinct, each shorter than `lifetime`.
    pub reminders: Vec<Duration>,
}

/// `[rate_limits]`: how many sign-ins, reset requests and registrations are allowed per
/// account or client IP in a window.
#[derive(Debug, Clone)]
pub struct RateLimits {
    /// Failed sign-ins per account.
    pub login_per_account: RateLimit,
    /// Failed sign-ins per client IP.
    pub login_per_ip: RateLimit,
    /// Password reset requests per account.
    pub password_reset_per_account: RateLimit,
    /// Registrations (`register` with valid input) per client IP: each one tells
    /// whether an address is known, and hashes a password.
    pub register_per_ip: RateLimit,
}

/// `[import]`: what a SYNC may deactivate, the undo window, extra column names.
#[derive(Debug, Clone)]
pub struct ImportSettings {
    /// A SYNC deactivating more than this share of active members needs confirmation.
    pub max_deactivate_percent: u8,
    /// Holders of these roles are never deactivated by a SYNC.
    pub protected_roles: Vec<String>,
    /// How long an applied import can be undone.
    pub undo_window: Duration,
    /// Extra header names per import field (keys are [`IMPORT_FIELDS`]).
    pub aliases: IndexMap<String, Vec<String>>,
}

/// `[bootstrap]`: the admin created at first start, unless a member has the address.
#[derive(Debug, Clone, Default)]
pub struct Bootstrap {
    /// Created at first start with the admin role.
    pub admin_email: Option<String>,
}

/// One organization's configuration, validated; shared as `Arc<Tenant>`.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// The file stem; appears in URLs (`/t/<slug>/…`) and on every row of the tenant.
    pub slug: String,
    /// The file it was read from.
    pub file: PathBuf,
    /// Display name.
    pub name: String,
    /// Locale used when a member or request has none of `locales`.
    pub default_locale: String,
    /// Locales the tenant speaks; contains `default_locale`.
    pub locales: Vec<String>,
    /// Whether anyone may register.
    pub registration: Registration,
    /// Base of links in emails; None = the server's. See [`Tenant::public_url`].
    pub public_url: Option<Url>,
    /// Time zone of the dates in its emails; None = the server's. See [`Tenant::time_zone`].
    pub time_zone: Option<Tz>,
    /// Sender of its emails, always with a display name (a bare address in the file gets
    /// the tenant's name); None = the tenant's name with the server's address.
    /// See [`Tenant::mail_from`].
    pub mail_from: Option<Mailbox>,
    /// Where replies go: the Reply-To of its emails (but invitations carrying the
    /// inviter's personal message, which reply to the inviter).
    pub contact_email: Option<Address>,
    /// `[api]`: which browser origins may call the API.
    pub api: Api,
    /// `[privacy]`: self-erasure and how long data is kept.
    pub privacy: Privacy,
    /// `[accounts]`: passwords, logins and sessions.
    pub accounts: Accounts,
    /// `[invitations]`: link lifetime and reminders.
    pub invitations: InvitationSettings,
    /// `[rate_limits]`: sign-in, reset and registration limits.
    pub rate_limits: RateLimits,
    /// Roles by key, in file order.
    pub roles: IndexMap<String, Role>,
    /// `[import]`: SYNC's limits, the undo window, column aliases.
    pub import: ImportSettings,
    /// `[bootstrap]`: the admin created at first start.
    pub bootstrap: Bootstrap,
    /// `tenants/<slug>/templates/` when it exists (email template overrides).
    pub templates_dir: Option<PathBuf>,
}

impl Tenant {
    /// A role by key.
    pub fn role(&self, key: &str) -> Option<&Role> {
        self.roles.get(key)
    }

    /// A role by its key or its label in any locale, as people write it in a file
    /// ("Référent producteur", "REFERENT"): compared without accents, case or punctuation.
    pub fn role_written(&self, written: &str) -> Option<&Role> {
        let wanted = crate::values::comparable(written);
        self.roles.values().find(|r| {
            crate::values::comparable(&r.key) == wanted
                || r.labels.values().any(|l| crate::values::comparable(l) == wanted)
        })
    }

    /// The roles every new member gets.
    pub fn default_roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values().filter(|r| r.default)
    }

    /// The admin role: `admin` if it exists, else the first role written with `*`.
    pub fn admin_role(&self) -> Option<&Role> {
        admin_role_of(&self.roles)
    }

    /// Base URL for links in emails: the tenant's own, else the server's.
    pub fn public_url(&self, server: &Url) -> Url {
        self.public_url.clone().unwrap_or_else(|| server.clone())
    }

    /// Time zone of the dates in emails: the tenant's own, else the server's.
    pub fn time_zone(&self, server: Tz) -> Tz {
        self.time_zone.unwrap_or(server)
    }

    /// Sender of emails: the tenant's own `mail_from`, else the tenant's name with the
    /// address of the server's (`server`).
    pub fn mail_from(&self, server: &Mailbox) -> Mailbox {
        self.mail_from
            .clone()
            .unwrap_or_else(|| Mailbox::new(Some(self.name.clone()), server.email.clone()))
    }

    /// `contact_email` as a mailbox under the tenant's name.
    pub fn contact(&self) -> Option<Mailbox> {
        let address = self.contact_email.clone()?;
        Some(Mailbox::new(Some(self.name.clone()), address))
    }
}

fn admin_role_of(roles: &IndexMap<String, Role>) -> Option<&Role> {
    roles.get("admin").or_else(|| roles.values().find(|r| r.is_superuser()))
}

/// Loads and validates one tenant file, reporting every problem of the file.
pub fn load_tenant(path: &Path, env: EnvOverrides) -> Result<Tenant, Vec<ConfigError>> {
    let text = read_tenant_file(path)?;
    load_tenant_text(path, &text, env)
}

/// Loads every `<dir>/tenants/*.toml`, sorted by slug; bad files come back as errors.
pub fn load_tenants(dir: &Path, env: EnvOverrides) -> (Vec<Tenant>, Vec<ConfigError>) {
    let (mut tenants, mut errors) = (Vec::new(), Vec::new());
    let paths = match tenant_files(dir) {
        Ok(paths) => paths,
        Err(error) => return (tenants, vec![error]),
    };
    for path in paths {
        match load_tenant(&path, env) {
            Ok(tenant) => tenants.push(tenant),
            Err(mut errs) => errors.append(&mut errs),
        }
    }
    (tenants, errors)
}

/// The tenant files of `<dir>/tenants/`, sorted by slug; no folder means no tenants.
/// Hidden files (editor locks and swap files) are skipped.
pub(super) fn tenant_files(dir: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    let folder = dir.join("tenants");
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ConfigError::new(&folder, "(folder)", format!("cannot be read: {e}"))),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    paths.sort_by(|a, b| a.file_stem().cmp(&b.file_stem()));
    Ok(paths)
}

/// The file's text, or an error naming it.
pub(super) fn read_tenant_file(path: &Path) -> Result<String, Vec<ConfigError>> {
    std::fs::read_to_string(path).map_err(|e| vec![ConfigError::new(path, "(file)", format!("cannot be read: {e}"))])
}

/// The slug a tenant file stands for: its stem, when that is a valid slug.
pub(super) fn slug_of(path: &Path) -> Option<&str> {
    path.file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| tenant_slug::is_valid(s))
}

/// `ROSTER_TENANTS__<SLUG>__`: the prefix of the variables overriding a tenant's keys.
pub(super) fn env_prefix(slug: &str) -> String {
    format!("ROSTER_TENANTS__{}__", slug.to_uppercase().replace('-', "_"))
}

/// Loads a tenant from the text of its file (read by the caller) plus the environment.
pub(super) fn load_tenant_text(path: &Path, text: &str, env: EnvOverrides) -> Result<Tenant, Vec<ConfigError>> {
    let Some(slug) = slug_of(path) else {
        return Err(vec![ConfigError::new(
            path,
            "(file name)",
            "the file name is the tenant's slug: up to 63 lower-case letters, digits and '-', \
             starting with a letter or digit",
        )]);
    };
    let prefix = env_prefix(slug);
    let mut figment = Figment::from(Toml::string(text));
    if env == EnvOverrides::Process {
        figment = figment.merge(Env::prefixed(&prefix).split("__"));
    }
    let mut raw: raw::TenantFile = figment.extract().map_err(|e| from_figment(path, &prefix, e))?;
    raw.restore_file_order(text);
    let templates_dir = path.with_extension("").join("templates");
    let templates_dir = templates_dir.is_dir().then_some(templates_dir);
    validate::validate(path, slug, raw, templates_dir).map_err(|mut errors| {
        note_env_sources(&figment, &prefix, &mut errors);
        errors
    })
}
