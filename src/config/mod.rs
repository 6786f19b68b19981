//! Configuration, parsed at the edge: figment (TOML files + `ROSTER_*` variables)
//! into typed structs, validated once; the rest of the code never sees raw TOML.

mod duration;
mod registry;
mod settings;
mod tenant;

use std::path::{Path, PathBuf};

pub use self::duration::{parse_duration, RateLimit};
pub use self::registry::{ReloadReport, TenantRegistry};
pub use self::settings::{JobSettings, Limits, Settings};
pub use self::tenant::{
    load_tenant, load_tenants, Accounts, Bootstrap, DefaultPassword, ImportSettings, InvitationSettings, Permission,
    RateLimits, Registration, Role, Tenant,
};

/// One problem in one configuration file, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {key}: {message}", file.display())]
pub struct ConfigError {
    pub file: PathBuf,
    pub key: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(file: &Path, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Whether `ROSTER_*` environment variables override the files (tests say None).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvOverrides {
    Process,
    None,
}

/// The configuration folder: `--config`, else `$ROSTER_CONFIG_DIR`, else `./config`.
pub fn config_dir(cli: Option<PathBuf>) -> PathBuf {
    cli.or_else(|| std::env::var_os("ROSTER_CONFIG_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("config"))
}

/// Turns figment's errors (one or several) into ours, naming file and dotted key.
fn from_figment(file: &Path, err: figment::Error) -> Vec<ConfigError> {
    err.into_iter()
        .map(|e| {
            let mut key = e.path.join(".");
            let message = match &e.kind {
                figment::error::Kind::UnknownField(field, expected) => {
                    if !key.ends_with(field.as_str()) {
                        key = if key.is_empty() {
                            field.clone()
                        } else {
                            format!("{key}.{field}")
                        };
                    }
                    format!("unknown key (expected one of: {})", expected.join(", "))
                }
                figment::error::Kind::Message(m) if m.contains("TOML") || m.contains("parse") => m.clone(),
                kind => kind.to_string(),
            };
            let source = match e.metadata.as_ref().and_then(|m| m.source.as_ref()) {
                Some(figment::Source::File(path)) => path.clone(),
                Some(other) if e.metadata.as_ref().is_some_and(|m| m.name.contains("environment")) => {
                    PathBuf::from(format!("environment ({other})"))
                }
                _ => file.to_owned(),
            };
            ConfigError {
                file: source,
                key: if key.is_empty() { "(file)".into() } else { key },
                message,
            }
        })
        .collect()
}
