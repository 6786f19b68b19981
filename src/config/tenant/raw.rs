//! A tenant file as written: serde structs with the documented defaults, before
//! validation. Durations and rate limits are already typed here.

use std::time::Duration;

use chrono_tz::Tz;
use indexmap::IndexMap;
use serde::de::IgnoredAny;
use serde::Deserialize;
use url::Url;

use super::Registration;
use crate::config::duration::{de_duration, de_durations, de_opt_duration, de_rate_limit, RateLimit};
use crate::config::time_zone::de_opt_time_zone;

const DAY: u64 = 86_400;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TenantFile {
    pub name: String,
    pub default_locale: String,
    pub locales: Option<Vec<String>>,
    #[serde(default)]
    pub registration: Registration,
    pub public_url: Option<Url>,
    /// None: the server's.
    #[serde(default, deserialize_with = "de_opt_time_zone")]
    pub time_zone: Option<Tz>,
    /// A mailbox ("Name <address>") or a bare address; checked in validate.rs.
    pub mail_from: Option<String>,
    /// A bare address; checked in validate.rs.
    pub contact_email: Option<String>,
    #[serde(default)]
    pub api: ApiFile,
    #[serde(default)]
    pub privacy: PrivacyFile,
    #[serde(default)]
    pub accounts: AccountsFile,
    #[serde(default)]
    pub invitations: InvitationsFile,
    #[serde(default)]
    pub rate_limits: RateLimitsFile,
    /// None: the built-in roles.
    pub roles: Option<IndexMap<String, RoleFile>>,
    #[serde(default)]
    pub import: ImportFile,
    #[serde(default)]
    pub bootstrap: BootstrapFile,
}

impl TenantFile {
    /// Figment keeps tables sorted by key; roles and aliases take back the order of the
    /// file (keys that only the environment added come last).
    pub fn restore_file_order(&mut self, text: &str) {
        let order: FileOrder = toml::from_str(text).unwrap_or_default();
        if let Some(roles) = &mut self.roles {
            sort_like(roles, &order.roles);
        }
        sort_like(&mut self.import.aliases, &order.import.aliases);
    }
}

/// The keys of the tables whose order matters, as the TOML parser meets them.
#[derive(Deserialize, Default)]
struct FileOrder {
    #[serde(default)]
    roles: IndexMap<String, IgnoredAny>,
    #[serde(default)]
    import: ImportOrder,
}

#[derive(Deserialize, Default)]
struct ImportOrder {
    #[serde(default)]
    aliases: IndexMap<String, IgnoredAny>,
}

fn sort_like<V>(map: &mut IndexMap<String, V>, order: &IndexMap<String, IgnoredAny>) {
    // A stable sort: keys missing from the file keep their (sorted) order, at the end.
    map.sort_by(|a, _, b, _| {
        let position = |k: &String| order.get_index_of(k).unwrap_or(usize::MAX);
        position(a).cmp(&position(b))
    });
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct AccountsFile {
    pub default_password: Option<String>,
    pub password_min_length: u32,
    pub require_email: bool,
    pub login_pattern: String,
    #[serde(deserialize_with = "de_duration")]
    pub session_idle: Duration,
    #[serde(deserialize_with = "de_duration")]
    pub session_absolute: Duration,
}

impl Default for AccountsFile {
    fn default() -> Self {
        Self {
            default_password: None,
            password_min_length: 10,
            require_email: true,
            login_pattern: "{first}.{last}".into(),
            session_idle: Duration::from_secs(12 * 3_600),
            session_absolute: Duration::from_secs(7 * DAY),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct InvitationsFile {
    #[serde(deserialize_with = "de_duration")]
    pub lifetime: Duration,
    #[serde(deserialize_with = "de_durations")]
    pub reminders: Vec<Duration>,
}

/// `[privacy]`: erasure and retention.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct PrivacyFile {
    #[serde(default)]
    pub self_erasure: bool,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub erase_deactivated_after: Option<Duration>,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub audit_retention: Option<Duration>,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub import_history_retention: Option<Duration>,
}

/// `[api]`: who may call the API from a browser.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct ApiFile {
    /// Origins such as `https://app.example.org`; checked in validate.rs.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

impl Default for InvitationsFile {
    fn default() -> Self {
        Self {
            lifetime: Duration::from_secs(30 * DAY),
            reminders: vec![Duration::from_secs(3 * DAY)],
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RateLimitsFile {
    #[serde(deserialize_with = "de_rate_limit")]
    pub login_per_account: RateLimit,
    #[serde(deserialize_with = "de_rate_limit")]
    pub login_per_ip: RateLimit,
    #[serde(deserialize_with = "de_rate_limit")]
    pub password_reset_per_account: RateLimit,
    #[serde(deserialize_with = "de_rate_limit")]
    pub register_per_ip: RateLimit,
}

impl Default for RateLimitsFile {
    fn default() -> Self {
        let limit = |count, secs| RateLimit {
            count,
            window: Duration::from_secs(secs),
        };
        Self {
            login_per_account: limit(10, 15 * 60),
            login_per_ip: limit(50, 15 * 60),
            password_reset_per_account: limit(3, 3_600),
            register_per_ip: limit(20, 15 * 60),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoleFile {
    #[serde(default)]
    pub label: IndexMap<String, String>,
    #[serde(default)]
    pub permissions: Vec<String>,
    pub assignable: Option<Vec<String>>,
    #[serde(default)]
    pub default: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct ImportFile {
    pub max_deactivate_percent: u8,
    /// None: `["admin"]` when that role exists.
    pub protected_roles: Option<Vec<String>>,
    #[serde(deserialize_with = "de_duration")]
    pub undo_window: Duration,
    pub aliases: IndexMap<String, Vec<String>>,
}

impl Default for ImportFile {
    fn default() -> Self {
        Self {
            max_deactivate_percent: 20,
            protected_roles: None,
            undo_window: Duration::from_secs(7 * DAY),
            aliases: IndexMap::new(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct BootstrapFile {
    pub admin_email: Option<String>,
}
