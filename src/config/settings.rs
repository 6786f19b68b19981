//! Server settings: `<dir>/roster.toml` (optional) plus `ROSTER_<KEY>` variables.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use figment::providers::{Env, Format, Toml};
use figment::Figment;
use serde::Deserialize;
use url::Url;

use super::duration::de_duration;
use super::http::HttpSettings;
use super::services::{database_url_problem, redis_url_problem, smtp_url_problem, tls_ca_file_problem};
use super::time_zone::de_time_zone;
use super::{from_figment, note_env_sources, ConfigError, EnvOverrides};

const ENV_PREFIX: &str = "ROSTER_";

/// Top-level keys of roster.toml. Only `ROSTER_*` variables starting with one of them
/// are settings: the environment also holds `ROSTER_CONFIG_DIR`, `ROSTER_LOG`,
/// `ROSTER_TENANTS__…` and the test suite's `ROSTER_TEST_…`.
const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "database_connections",
    "redis_url",
    "redis_prefix",
    "smtp_url",
    "tls_ca_file",
    "mail_from",
    "time_zone",
    "outbox_dir",
    "data_dir",
    "public_url",
    "secret_key",
    "trust_proxy_headers",
    "run_jobs",
    "jobs",
    "limits",
    "http",
];

/// The server's own settings (DESIGN.md "Server settings"); `Default` is the embedded shape.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// `sqlite:…` or `postgres://…`.
    pub database_url: String,
    /// Most connections to the database at once; None = [`Settings::database_pool_size`]'s default.
    pub database_connections: Option<u32>,
    /// Sessions and rate limits in Redis; None = in this process.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key Roster writes.
    pub redis_prefix: String,
    /// Outgoing mail over SMTP; None = .eml files in `outbox_dir`.
    pub smtp_url: Option<String>,
    /// PEM file of CA certificates that PostgreSQL, Redis and SMTP over TLS may present,
    /// trusted beside Mozilla's public roots; None = the public roots only.
    pub tls_ca_file: Option<PathBuf>,
    /// Sender of the emails ("Name <address>"); a tenant's own `mail_from` takes its
    /// place, and without one the tenant's name goes with this address.
    pub mail_from: String,
    /// Time zone of the dates in emails of tenants that set none (IANA name; UTC by default).
    #[serde(deserialize_with = "de_time_zone")]
    pub time_zone: Tz,
    /// Where emails go when there is no SMTP server.
    pub outbox_dir: PathBuf,
    /// Local state: the SQLite folder, the generated secret key.
    pub data_dir: PathBuf,
    /// Base of links in emails (http or https); a tenant may have its own.
    pub public_url: Url,
    /// Signs download links (at least 32 characters); None = generated into `data_dir`.
    pub secret_key: Option<String>,
    /// Behind a load balancer: take the client IP from X-Forwarded-For.
    pub trust_proxy_headers: bool,
    /// Run the background worker (email delivery, reminders, expiry) in this instance.
    pub run_jobs: bool,
    /// `[jobs]`: how often the background worker looks for work, how long a delivery may take.
    pub jobs: JobSettings,
    /// `[limits]`: sizes of requests, uploads, imports and queries.
    pub limits: Limits,
    /// `[http]`: read deadlines and keep-alive of client connections.
    pub http: HttpSettings,
}

/// `[jobs]`: the background worker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobSettings {
    /// How often the worker looks for due work.
    #[serde(deserialize_with = "de_duration")]
    pub poll_interval: Duration,
    /// Longest one email's delivery may take (connect, greeting, every command and the
    /// data); past it the attempt fails as a timeout and is retried with backoff.
    #[serde(deserialize_with = "de_duration")]
    pub send_timeout: Duration,
}

/// `[limits]`: sizes of requests, uploads, imports and queries.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest upload, in bytes.
    pub upload_bytes: u64,
    /// Largest ordinary (non-upload) request body, in bytes.
    pub request_bytes: u64,
    /// Most rows in one import.
    pub import_rows: u64,
    /// Largest XLSX/ODS after decompression, in bytes.
    pub unpacked_bytes: u64,
    /// Deepest GraphQL query.
    pub graphql_depth: usize,
    /// Most complex GraphQL query.
    pub graphql_complexity: usize,
    /// Most directives in one GraphQL query.
    pub graphql_directives: usize,
    /// Most import previews and applies this instance runs at once; the others wait
    /// their turn, in order (each running preview holds its file and plan in memory).
    pub concurrent_imports: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://data/roster.db?mode=rwc".into(),
            database_connections: None,
            redis_url: None,
            redis_prefix: "roster:".into(),
            smtp_url: None,
            tls_ca_file: None,
            mail_from: "Roster <no-reply@localhost>".into(),
            time_zone: Tz::UTC,
            outbox_dir: PathBuf::from("data/outbox"),
            data_dir: PathBuf::from("data"),
            public_url: Url::parse("http://127.0.0.1:8080").expect("static URL"),
            secret_key: None,
            trust_proxy_headers: false,
            run_jobs: true,
            jobs: JobSettings::default(),
            limits: Limits::default(),
            http: HttpSettings::default(),
        }
    }
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(5),
            send_timeout: Duration::from_secs(30),
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
            concurrent_imports: 2,
        }
    }
}

impl Settings {
    /// How many database connections to open at most: the setting, else 8 for SQLite
    /// (reads run side by side, one writer at a time) and 4 per CPU core, between 8 and
    /// 32, for PostgreSQL (beyond that, connections mostly wait for each other: on 2
    /// cores, 8 served a fifth more member lists per second than 32).
    pub fn database_pool_size(&self) -> u32 {
        if let Some(n) = self.database_connections {
            return n;
        }
        if self.database_url.starts_with("sqlite:") {
            return 8;
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
        (4 * cores).clamp(8, 32)
    }

    /// Settings not `given` follow those that were: the SQLite file and the outbox go
    /// into `data_dir`, and links name the `listen` address (its port; 127.0.0.1 for an
    /// address that listens on every interface), so that moving the one moves the others.
    fn follow_given(&mut self, given: impl Fn(&str) -> bool) {
        if !given("database_url") {
            self.database_url = format!("sqlite://{}?mode=rwc", self.data_dir.join("roster.db").display());
        }
        if !given("outbox_dir") {
            self.outbox_dir = self.data_dir.join("outbox");
        }
        if !given("public_url") {
            let host = match self.listen.ip() {
                ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                std::net::IpAddr::V4(ip) => ip.to_string(),
            };
            if let Ok(url) = Url::parse(&format!("http://{host}:{}", self.listen.port())) {
                self.public_url = url;
            }
        }
    }

    /// Reads `<dir>/roster.toml` (absent: all defaults) and, with `EnvOverrides::Process`,
    /// the `ROSTER_<KEY>` variables; every problem is reported with file and key.
    pub fn load(dir: &Path, env: EnvOverrides) -> Result<Settings, Vec<ConfigError>> {
        let file = dir.join("roster.toml");
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(vec![ConfigError::new(&file, "(file)", format!("cannot be read: {e}"))]),
        };
        let mut figment = Figment::from(Toml::string(&text));
        if env == EnvOverrides::Process {
            figment = figment.merge(Env::prefixed(ENV_PREFIX).split("__").filter(|key| {
                let first = key.as_str().split('.').next().unwrap_or_default();
                KEYS.iter().any(|k| k.eq_ignore_ascii_case(first))
            }));
        }
        let mut settings: Settings = figment.extract().map_err(|e| from_figment(&file, ENV_PREFIX, e))?;
        settings.follow_given(|key| figment.contains(key));
        let mut errors = settings.problems(&file);
        if errors.is_empty() {
            return Ok(settings);
        }
        note_env_sources(&figment, ENV_PREFIX, &mut errors);
        Err(errors)
    }

    fn problems(&self, file: &Path) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        let mut add = |key: &str, message: &str| errors.push(ConfigError::new(file, key, message));
        if !matches!(self.public_url.scheme(), "http" | "https") || !self.public_url.has_host() {
            add("public_url", "must be an http or https URL");
        }
        if let Some(problem) = database_url_problem(&self.database_url) {
            add("database_url", &problem);
        }
        // A transaction and a read beside it need two connections at once.
        if self.database_connections.is_some_and(|n| n < 2) {
            add("database_connections", "must be at least 2");
        }
        if let Some(problem) = self.redis_url.as_deref().and_then(redis_url_problem) {
            add("redis_url", &problem);
        }
        if let Some(problem) = self.smtp_url.as_deref().and_then(smtp_url_problem) {
            add("smtp_url", &problem);
        }
        if let Some(problem) = self.tls_ca_file.as_deref().and_then(tls_ca_file_problem) {
            add("tls_ca_file", &problem);
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            add(
                "mail_from",
                "must be an address such as \"Roster <no-reply@example.org>\"",
            );
        }
        if self.secret_key.as_ref().is_some_and(|k| k.chars().count() < 32) {
            add("secret_key", "must be at least 32 characters");
        }
        let l = &self.limits;
        let limits = [
            ("limits.upload_bytes", l.upload_bytes),
            ("limits.request_bytes", l.request_bytes),
            ("limits.import_rows", l.import_rows),
            ("limits.unpacked_bytes", l.unpacked_bytes),
            ("limits.graphql_depth", l.graphql_depth as u64),
            ("limits.graphql_complexity", l.graphql_complexity as u64),
            ("limits.graphql_directives", l.graphql_directives as u64),
            ("limits.concurrent_imports", l.concurrent_imports as u64),
        ];
        for (key, _) in limits.iter().filter(|(_, value)| *value == 0) {
            add(key, "must be above zero");
        }
        if self.jobs.send_timeout.is_zero() {
            add("jobs.send_timeout", "must be above zero");
        }
        for (key, message) in self.http.problems() {
            add(key, message);
        }
        errors
    }
}

impl fmt::Debug for Settings {
    /// Secrets stay out of logs: the secret key and URL passwords are masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &mask_password(&self.database_url))
            .field("database_connections", &self.database_connections)
            .field("redis_url", &self.redis_url.as_deref().map(mask_password))
            .field("redis_prefix", &self.redis_prefix)
            .field("smtp_url", &self.smtp_url.as_deref().map(mask_password))
            .field("tls_ca_file", &self.tls_ca_file)
            .field("mail_from", &self.mail_from)
            .field("time_zone", &self.time_zone.name())
            .field("outbox_dir", &self.outbox_dir)
            .field("data_dir", &self.data_dir)
            .field("public_url", &self.public_url.as_str())
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<set>"))
            .field("trust_proxy_headers", &self.trust_proxy_headers)
            .field("run_jobs", &self.run_jobs)
            .field("jobs", &self.jobs)
            .field("limits", &self.limits)
            .field("http", &self.http)
            .finish()
    }
}

fn mask_password(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error
mod tests {
    use super::*;

    fn load_text(toml: &str) -> Result<Settings, Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("roster.toml"), toml).unwrap();
        Settings::load(dir.path(), EnvOverrides::None).map_err(|errors| {
            assert!(errors.iter().all(|e| e.file.ends_with("roster.toml")), "{errors:?}");
            errors.iter().map(|e| format!("{}: {}", e.key, e.message)).collect()
        })
    }

    #[test]
    fn the_shipped_file_holds_the_defaults() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let shipped = Settings::load(&dir, EnvOverrides::None).unwrap();
        assert_eq!(format!("{shipped:?}"), format!("{:?}", Settings::default()));
    }

    #[test]
    fn no_file_means_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::load(dir.path(), EnvOverrides::None).unwrap();
        assert_eq!(settings.listen, SocketAddr::from(([127, 0, 0, 1], 8080)));
        assert_eq!(settings.jobs.poll_interval, Duration::from_secs(5));
        assert_eq!(settings.limits.graphql_directives, 50);
        assert_eq!(settings.time_zone, Tz::UTC, "not the machine's zone");
        assert!(settings.redis_url.is_none() && settings.secret_key.is_none());
    }

    #[test]
    fn the_database_the_outbox_and_links_follow_the_data_folder_and_the_listener() {
        let moved = load_text("data_dir = \"/srv/roster\"\nlisten = \"0.0.0.0:8091\"\n").unwrap();
        assert_eq!(moved.database_url, "sqlite:///srv/roster/roster.db?mode=rwc");
        assert_eq!(moved.outbox_dir, Path::new("/srv/roster/outbox"));
        assert_eq!(moved.public_url.as_str(), "http://127.0.0.1:8091/");
        let on_v6 = load_text("listen = \"[::1]:9000\"\n").unwrap();
        assert_eq!(on_v6.public_url.as_str(), "http://[::1]:9000/");

        let given = load_text(
            "data_dir = \"/srv/roster\"\nlisten = \"127.0.0.1:8091\"\ndatabase_url = \"postgres://db/roster\"\n\
             outbox_dir = \"/var/mail/roster\"\npublic_url = \"https://members.example.org\"\n",
        )
        .unwrap();
        assert_eq!(given.database_url, "postgres://db/roster");
        assert_eq!(given.outbox_dir, Path::new("/var/mail/roster"));
        assert_eq!(given.public_url.as_str(), "https://members.example.org/");
    }

    #[test]
    fn the_env_filter_knows_every_top_level_key() {
        let error = Figment::from(Toml::string("zzz = 1"))
            .extract::<Settings>()
            .unwrap_err();
        let figment::error::Kind::UnknownField(_, expected) = error.kind else {
            panic!("{error}");
        };
        assert_eq!(expected, KEYS);
    }

    #[test]
    fn environment_overrides_only_settings() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("roster.toml", "listen = \"127.0.0.1:9000\"\n")?;
            jail.set_env("ROSTER_LISTEN", "127.0.0.1:9100");
            jail.set_env("ROSTER_JOBS__POLL_INTERVAL", "1s");
            jail.set_env("ROSTER_LIMITS__UPLOAD_BYTES", "10");
            jail.set_env("ROSTER_TEST_DATABASE_URL", "postgres://ignored");
            jail.set_env("ROSTER_TEST_REDIS_URL", "redis://ignored");
            jail.set_env("ROSTER_CONFIG_DIR", "/ignored");
            jail.set_env("ROSTER_LOG", "debug");
            jail.set_env("ROSTER_TENANTS__DEMO__NAME", "ignored here");
            let settings = Settings::load(jail.directory(), EnvOverrides::Process).expect("loads");
            assert_eq!(settings.listen.port(), 9100);
            assert_eq!(settings.jobs.poll_interval, Duration::from_secs(1));
            assert_eq!(settings.limits.upload_bytes, 10);
            assert!(settings.database_url.starts_with("sqlite:"));
            let plain = Settings::load(jail.directory(), EnvOverrides::None).expect("loads");
            assert_eq!(plain.listen.port(), 9000);
            assert_eq!(plain.limits.upload_bytes, 20_000_000);
            Ok(())
        });
    }

    #[test]
    fn a_bad_environment_value_names_its_variable() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("ROSTER_JOBS__POLL_INTERVAL", "soon");
            let errors = Settings::load(jail.directory(), EnvOverrides::Process).unwrap_err();
            assert_eq!(errors[0].key, "jobs.poll_interval");
            assert!(
                errors[0].message.ends_with("(set by ROSTER_JOBS__POLL_INTERVAL)"),
                "{errors:?}"
            );
            jail.set_env("ROSTER_JOBS__POLL_INTERVAL", "1s");
            jail.set_env("ROSTER_SECRET_KEY", "short");
            let errors = Settings::load(jail.directory(), EnvOverrides::Process).unwrap_err();
            assert_eq!(errors[0].key, "secret_key");
            assert!(errors[0].message.ends_with("(set by ROSTER_SECRET_KEY)"), "{errors:?}");
            Ok(())
        });
    }

    #[test]
    fn errors_name_file_and_key() {
        let found = load_text("listn = \"127.0.0.1:1\"\n").unwrap_err();
        assert!(
            found[0].starts_with("listn: unknown key (expected one of: listen,"),
            "{found:?}"
        );
        let found = load_text("[limits]\nupload_bytes = \"big\"\n").unwrap_err();
        assert_eq!(
            found,
            ["limits.upload_bytes: invalid type: found string \"big\", expected u64"]
        );
        let found = load_text("[jobs]\npoll_interval = \"soon\"\n").unwrap_err();
        assert!(
            found[0].starts_with("jobs.poll_interval: \"soon\": expected a duration"),
            "{found:?}"
        );
        let found = load_text("listen = \"localhost\"\n").unwrap_err();
        assert!(found[0].starts_with("listen: "), "{found:?}");
        let found = load_text("time_zone = \"Mars/Olympus_Mons\"\n").unwrap_err();
        assert!(
            found[0].starts_with("time_zone: unknown time zone \"Mars/Olympus_Mons\""),
            "{found:?}"
        );
        assert_eq!(
            load_text("time_zone = \"Europe/Paris\"\n").unwrap().time_zone,
            Tz::Europe__Paris
        );
        let found = load_text("listen = \"127.0.0.1:1\n").unwrap_err();
        assert!(found[0].starts_with("(file): TOML parse error at line 1"), "{found:?}");
    }

    #[test]
    fn values_are_checked() {
        let found = load_text(
            "public_url = \"ftp://example.org\"\ndatabase_url = \"mysql://x\"\nredis_url = \"http://x\"\n\
             smtp_url = \"carrier-pigeon://x\"\nmail_from = \"nobody\"\nsecret_key = \"short\"\n\
             database_connections = 1\ntls_ca_file = \"/nonexistent/ca.pem\"\n\
             [limits]\ngraphql_depth = 0\nupload_bytes = 0\n",
        )
        .unwrap_err();
        let keys: Vec<&str> = found.iter().map(|e| e.split(':').next().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "public_url",
                "database_url",
                "database_connections",
                "redis_url",
                "smtp_url",
                "tls_ca_file",
                "mail_from",
                "secret_key",
                "limits.upload_bytes",
                "limits.graphql_depth"
            ]
        );
        let ok = load_text("secret_key = \"0123456789abcdef0123456789abcdef\"\nredis_url = \"redis://h:6379/0\"\n");
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn pool_size_follows_the_database() {
        let sqlite = Settings::default();
        assert_eq!(sqlite.database_pool_size(), 8);
        let postgres = Settings {
            database_url: "postgres://db/roster".into(),
            ..Settings::default()
        };
        assert!((8..=32).contains(&postgres.database_pool_size()));
        let chosen = load_text("database_url = \"postgres://db/roster\"\ndatabase_connections = 50\n").unwrap();
        assert_eq!(chosen.database_pool_size(), 50);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let settings = Settings {
            database_url: "postgres://roster:hunter2@db/roster".into(),
            secret_key: Some("s".repeat(40)),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains(&"s".repeat(40)),
            "{shown}"
        );
        assert!(shown.contains("postgres://roster:***@db/roster"), "{shown}");
    }
}
