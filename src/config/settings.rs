//! Server settings: `roster.toml` plus `ROSTER_<KEY>` variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use url::Url;

use super::duration::de_duration;
use super::{from_figment, ConfigError, EnvOverrides};

/// Top-level keys of roster.toml; other `ROSTER_*` variables are not settings.
const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "redis_url",
    "redis_prefix",
    "smtp_url",
    "outbox_dir",
    "data_dir",
    "public_url",
    "secret_key",
    "trust_proxy_headers",
    "jobs",
    "limits",
];

/// The server's own settings (DESIGN.md "Server settings").
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub listen: SocketAddr,
    pub database_url: String,
    pub redis_url: Option<String>,
    /// Prefix of every Redis key Roster writes.
    pub redis_prefix: String,
    pub smtp_url: Option<String>,
    /// Sender of every email ("Name <address>").
    pub mail_from: String,
    pub outbox_dir: PathBuf,
    /// Where the SQLite file's folder, the generated secret key and other local state live.
    pub data_dir: PathBuf,
    pub public_url: Url,
    pub secret_key: Option<String>,
    /// Behind a load balancer: take the client IP from X-Forwarded-For.
    pub trust_proxy_headers: bool,
    /// Run the background worker (email delivery, reminders, expiry) in this instance.
    pub run_jobs: bool,
    pub jobs: JobSettings,
    pub limits: Limits,
}

/// The background worker.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobSettings {
    #[serde(deserialize_with = "de_duration", serialize_with = "ser_duration")]
    pub poll_interval: Duration,
}

/// Size limits of requests, uploads, imports and queries.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub upload_bytes: u64,
    /// Bodies of ordinary (non-upload) requests.
    pub request_bytes: u64,
    pub import_rows: u64,
    pub unpacked_bytes: u64,
    pub graphql_depth: usize,
    pub graphql_complexity: usize,
    pub graphql_directives: usize,
}

fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}s", d.as_secs().max(1)))
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://data/roster.db?mode=rwc".into(),
            redis_url: None,
            redis_prefix: "roster:".into(),
            smtp_url: None,
            mail_from: "Roster <no-reply@localhost>".into(),
            outbox_dir: PathBuf::from("data/outbox"),
            data_dir: PathBuf::from("data"),
            public_url: Url::parse("http://127.0.0.1:8080").expect("static URL"),
            secret_key: None,
            trust_proxy_headers: false,
            run_jobs: true,
            jobs: JobSettings::default(),
            limits: Limits::default(),
        }
    }
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(5),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            upload_bytes: 20_000_000,
            request_bytes: 1_000_000,
            import_rows: 200_000,
            unpacked_bytes: 200_000_000,
            graphql_depth: 12,
            graphql_complexity: 2_000,
            graphql_directives: 50,
        }
    }
}

impl Settings {
    /// Reads `<dir>/roster.toml` (optional) and, with `EnvOverrides::Process`, the
    /// `ROSTER_<KEY>` variables; every problem is reported with file and key.
    pub fn load(dir: &Path, env: EnvOverrides) -> Result<Settings, Vec<ConfigError>> {
        let file = dir.join("roster.toml");
        let mut figment = Figment::from(Serialized::defaults(Settings::default())).merge(Toml::file(&file));
        if env == EnvOverrides::Process {
            figment = figment.merge(Env::prefixed("ROSTER_").split("__").filter(|key| {
                let first = key.as_str().split('.').next().unwrap_or_default();
                KEYS.iter().any(|k| k.eq_ignore_ascii_case(first))
            }));
        }
        let settings: Settings = figment.extract().map_err(|e| from_figment(&file, e))?;
        settings.validate(&file)?;
        Ok(settings)
    }

    fn validate(&self, file: &Path) -> Result<(), Vec<ConfigError>> {
        let mut errors = Vec::new();
        if !matches!(self.public_url.scheme(), "http" | "https") {
            errors.push(ConfigError::new(file, "public_url", "must be an http or https URL"));
        }
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres")) {
            errors.push(ConfigError::new(
                file,
                "database_url",
                "must start with sqlite: or postgres://",
            ));
        }
        if self.secret_key.as_ref().is_some_and(|k| k.len() < 32) {
            errors.push(ConfigError::new(file, "secret_key", "must be at least 32 characters"));
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            errors.push(ConfigError::new(
                file,
                "mail_from",
                "must be an address such as \"Roster <no-reply@example.org>\"",
            ));
        }
        if let Some(url) = &self.smtp_url {
            if lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).is_err() {
                errors.push(ConfigError::new(
                    file,
                    "smtp_url",
                    "must be smtp://, smtps:// with optional user:password@ and ?tls=required",
                ));
            }
        }
        if self.limits.graphql_depth == 0 || self.limits.graphql_complexity == 0 {
            errors.push(ConfigError::new(file, "limits", "GraphQL limits must be above zero"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail closures return figment::Error
mod tests {
    use super::*;

    #[test]
    fn shipped_file_loads_with_its_defaults() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let settings = Settings::load(&dir, EnvOverrides::None).unwrap();
        assert_eq!(settings.listen.port(), 8080);
        assert_eq!(settings.jobs.poll_interval, Duration::from_secs(5));
        assert!(settings.redis_url.is_none());
    }

    #[test]
    fn environment_overrides_only_settings() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("roster.toml", "listen = \"127.0.0.1:9000\"\n")?;
            jail.set_env("ROSTER_LISTEN", "127.0.0.1:9100");
            jail.set_env("ROSTER_JOBS__POLL_INTERVAL", "1s");
            jail.set_env("ROSTER_LIMITS__UPLOAD_BYTES", "10");
            jail.set_env("ROSTER_TEST_DATABASE_URL", "postgres://ignored");
            jail.set_env("ROSTER_CONFIG_DIR", "/ignored");
            jail.set_env("ROSTER_TENANTS__DEMO__NAME", "ignored here");
            let settings = Settings::load(jail.directory(), EnvOverrides::Process).expect("loads");
            assert_eq!(settings.listen.port(), 9100);
            assert_eq!(settings.jobs.poll_interval, Duration::from_secs(1));
            assert_eq!(settings.limits.upload_bytes, 10);
            let plain = Settings::load(jail.directory(), EnvOverrides::None).expect("loads");
            assert_eq!(plain.listen.port(), 9000);
            Ok(())
        });
    }

    #[test]
    fn errors_name_file_and_key() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "roster.toml",
                "listen = 3\nsurprise = true\n[jobs]\npoll_interval = \"soon\"\n",
            )?;
            let errors = Settings::load(jail.directory(), EnvOverrides::None).unwrap_err();
            let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            assert!(text.iter().all(|t| t.contains("roster.toml")), "{text:?}");
            assert!(
                text.iter()
                    .any(|t| t.contains("surprise") || t.contains("listen") || t.contains("jobs.poll_interval")),
                "{text:?}"
            );
            Ok(())
        });
    }
}
