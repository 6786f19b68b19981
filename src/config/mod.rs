//! Configuration, parsed at the edge: figment (TOML files + `ROSTER_*` variables)
//! into typed structs, validated once; the rest of the code never sees raw TOML.

pub mod duration;
mod http;
mod registry;
mod role;
mod services;
mod settings;
mod tenant;
pub mod time_zone;

use std::path::{Path, PathBuf};

use figment::error::Kind;
use figment::Figment;

pub use self::duration::{format_duration, parse_duration, RateLimit};
pub use self::http::HttpSettings;
pub use self::registry::{ReloadReport, TenantRegistry};
pub use self::role::{Permission, Role};
pub use self::settings::{JobSettings, Limits, Settings};
pub use self::tenant::{
    load_tenant, load_tenants, web_origin, Accounts, Bootstrap, DefaultPassword, ImportSettings, InvitationSettings,
    RateLimits, Registration, Tenant, IMPORT_FIELDS,
};
pub use self::time_zone::parse_time_zone;

/// One problem in one configuration file, naming the dotted key (`(file)` when the
/// whole file is wrong, e.g. a TOML syntax error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {key}: {message}", file.display())]
pub struct ConfigError {
    /// The file at fault (for an environment variable: the file it overrides).
    pub file: PathBuf,
    /// Dotted key such as `accounts.password_min_length`, or `(file)`.
    pub key: String,
    /// What is wrong, for a person.
    pub message: String,
}

impl ConfigError {
    /// An error about `key` of `file`.
    pub fn new(file: &Path, key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Whether `ROSTER_*` environment variables override the files (tests say `None`,
/// so that the environment of a CI runner cannot leak in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvOverrides {
    /// Read overrides from the process environment.
    Process,
    /// Files only.
    None,
}

/// The configuration folder: `--config`, else `$ROSTER_CONFIG_DIR`, else `./config`.
pub fn config_dir(cli: Option<PathBuf>) -> PathBuf {
    cli.or_else(|| std::env::var_os("ROSTER_CONFIG_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("config"))
}

/// Turns figment's errors (it may hold several) into ours, naming the dotted key;
/// a value that came from the environment names its variable (`env_prefix` + key).
fn from_figment(file: &Path, env_prefix: &str, err: figment::Error) -> Vec<ConfigError> {
    err.into_iter()
        .map(|e| {
            let mut path = e.path.clone();
            let message = match &e.kind {
                Kind::UnknownField(field, expected) => {
                    if path.last() != Some(field) {
                        path.push(field.clone());
                    }
                    format!("unknown key (expected one of: {})", expected.join(", "))
                }
                Kind::MissingField(field) => {
                    path.push(field.to_string());
                    "is required".to_owned()
                }
                Kind::UnknownVariant(found, expected) => {
                    let expected: Vec<String> = expected.iter().map(|v| format!("\"{v}\"")).collect();
                    format!("unknown value \"{found}\" (expected one of: {})", expected.join(", "))
                }
                Kind::Message(m) => one_line(m),
                kind => kind.to_string(),
            };
            let from_env = e.metadata.as_ref().is_some_and(|m| m.name.contains("environment"));
            let mut error = ConfigError::new(file, path.join("."), message);
            if from_env {
                error.message.push_str(&env_note(env_prefix, &error.key));
            }
            if error.key.is_empty() {
                error.key = "(file)".into();
            }
            error
        })
        .collect()
}

/// Marks validation errors whose key was set by an environment variable.
fn note_env_sources(figment: &Figment, env_prefix: &str, errors: &mut [ConfigError]) {
    for error in errors {
        let from_env = figment
            .find_metadata(&error.key)
            .is_some_and(|m| m.name.contains("environment"));
        if from_env {
            error.message.push_str(&env_note(env_prefix, &error.key));
        }
    }
}

fn env_note(env_prefix: &str, key: &str) -> String {
    format!(" (set by {env_prefix}{})", key.replace('.', "__").to_uppercase())
}

/// The TOML parser's message spreads over several lines (a source excerpt with a caret);
/// keep its position and its explanation.
fn one_line(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    match lines.next_back() {
        Some(last) if first.starts_with("TOML parse error") => format!("{first}: {last}"),
        _ => first.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure returns figment::Error
    fn config_dir_prefers_the_flag_then_the_environment() {
        assert_eq!(config_dir(Some("/etc/roster".into())), PathBuf::from("/etc/roster"));
        figment::Jail::expect_with(|jail| {
            jail.set_env("ROSTER_CONFIG_DIR", "/srv/roster");
            assert_eq!(config_dir(None), PathBuf::from("/srv/roster"));
            assert_eq!(config_dir(Some("here".into())), PathBuf::from("here"));
            Ok(())
        });
    }

    #[test]
    fn toml_syntax_errors_fit_on_one_line() {
        let text = "TOML parse error at line 1, column 13\n  |\n1 | name = \"Acme\n  |    ^\ninvalid basic string\n";
        assert_eq!(
            one_line(text),
            "TOML parse error at line 1, column 13: invalid basic string"
        );
        assert_eq!(one_line("plain"), "plain");
    }
}
