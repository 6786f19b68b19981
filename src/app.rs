//! The App: database, stores and tenants, built once and shared by HTTP and jobs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use crate::config::{Settings, TenantRegistry};
use crate::error::{Error, Result};
use crate::imports::running::RunningImports;
use crate::mail::MailTransport;
use crate::store::{MemoryStore, RateLimiter, RedisStore, SessionStore};
use crate::tls::ExtraRoots;

/// Everything a request or a job needs; cheap to clone.
#[derive(Clone)]
pub struct App {
    pub settings: Arc<Settings>,
    pub db: DatabaseConnection,
    pub tenants: Arc<TenantRegistry>,
    pub sessions: Arc<dyn SessionStore>,
    pub limiter: Arc<dyn RateLimiter>,
    /// Where emails go (SMTP, or .eml files).
    pub mailer: Arc<dyn MailTransport>,
    /// The server's sender (`mail_from`), parsed once: tenants without their own send
    /// from this address under their name.
    pub mail_from: Mailbox,
    /// Signs download links; from settings, else generated once into `data_dir`.
    pub secret_key: Arc<Vec<u8>>,
    /// The import previews and applies running here: slots, leases, tenant write locks.
    pub imports: Arc<RunningImports>,
    /// Turns to build an export: each holds a database connection for as long as its
    /// download lasts, so at most a quarter of the pool (at least one) build at once, and
    /// the others wait, their links already answered, rather than starve the API.
    pub exports: Arc<tokio::sync::Semaphore>,
}

impl App {
    /// Connects the database (running migrations) and picks the stores the settings ask for.
    pub async fn start(settings: Settings, tenants: TenantRegistry) -> Result<App> {
        crate::tls::use_ring_provider();
        let roots = extra_roots(&settings)?;
        let db = connect_database(&settings.database_url, settings.database_pool_size(), roots.as_ref()).await?;
        Migrator::up(&db, None).await?;
        let reindexed = crate::members::search::bring_up_to_date(&db).await?;
        if reindexed > 0 {
            tracing::info!(members = reindexed, "search words rebuilt for the new word cutting");
        }
        let (sessions, limiter): (Arc<dyn SessionStore>, Arc<dyn RateLimiter>) = match &settings.redis_url {
            Some(url) => {
                let redis = Arc::new(RedisStore::new(url, &settings.redis_prefix, roots.as_ref())?);
                (redis.clone(), redis)
            }
            None => {
                let memory = Arc::new(MemoryStore::new());
                (memory.clone(), memory)
            }
        };
        let mailer = crate::mail::transport_for(&settings, roots.as_ref())?;
        let mail_from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|e| Error::Internal(format!("mail_from: {e}")))?;
        let secret_key = match &settings.secret_key {
            Some(key) => key.as_bytes().to_vec(),
            None => load_or_create_secret(&settings.data_dir)?,
        };
        let imports = RunningImports::new(settings.limits.concurrent_imports);
        let exports = (settings.database_pool_size() as usize / 4).max(1);
        Ok(App {
            imports,
            exports: Arc::new(tokio::sync::Semaphore::new(exports)),
            settings: Arc::new(settings),
            db,
            tenants: Arc::new(tenants),
            sessions,
            limiter,
            mailer,
            mail_from,
            secret_key: Arc::new(secret_key),
        })
    }

    /// Creates the `[bootstrap]` admin of every tenant that does not have it yet.
    pub async fn bootstrap_tenants(&self) -> Result<()> {
        for tenant in self.tenants.all() {
            crate::members::bootstrap_tenant(&self.db, &tenant).await?;
        }
        Ok(())
    }

    /// Both backends answer (for /readyz).
    pub async fn ready(&self) -> Result<()> {
        self.db.execute_unprepared("SELECT 1").await?;
        self.sessions.ping().await?;
        Ok(())
    }
}

/// The certificates of `tls_ca_file`, if set, for every service's TLS.
pub fn extra_roots(settings: &Settings) -> Result<Option<ExtraRoots>> {
    let Some(path) = &settings.tls_ca_file else {
        return Ok(None);
    };
    ExtraRoots::load(path)
        .map(Some)
        .map_err(|e| Error::Internal(format!("tls_ca_file: {e}")))
}

/// Opens the database: SQLite in WAL mode (creating its folder), or PostgreSQL, whose
/// TLS (`sslmode=` in the URL) also trusts `roots` unless the URL names its own `sslrootcert`.
pub async fn connect_database(url: &str, connections: u32, roots: Option<&ExtraRoots>) -> Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .max_connections(connections);
    if url.starts_with("sqlite:") {
        // A SQLite connection is a thread of this process: there is no server that could
        // have dropped it, so the round trip sqlx makes to test it before each use (a
        // twentieth of a member list's CPU) is skipped.
        options.test_before_acquire(false);
    }
    if let Some(path) = sqlite_path(url) {
        crate::allocator::route_sqlite_allocations();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::ServiceUnavailable(format!("cannot create {}: {e}", dir.display())))?;
        }
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // 32 MB of page cache a connection (SQLite's default is 2 MB): an import's
                // transaction writes to indexes of hundreds of MB, and a small cache spills
                // its dirty pages to the WAL and reads them back, over and over. A
                // connection's cache grows only as far as it is used.
                .pragma("cache_size", "-32768")
                // Statement journals and sorts in memory, not in temporary files.
                .pragma("temp_store", "MEMORY")
        });
    }
    if let Some(roots) = roots.filter(|_| !names_root_cert(url)) {
        let pem = roots.pem().to_vec();
        options.map_sqlx_postgres_opts(move |opts| opts.ssl_root_cert_from_pem(pem.clone()));
    }
    Ok(Database::connect(options).await?)
}

/// Whether a PostgreSQL URL names its CA itself (the spellings sqlx reads).
fn names_root_cert(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.query_pairs()
            .any(|(key, _)| matches!(&*key, "sslrootcert" | "ssl-root-cert" | "ssl-ca"))
    })
}

/// The file behind a `sqlite:` URL, None for other databases and in-memory SQLite.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn load_or_create_secret(data_dir: &Path) -> Result<Vec<u8>> {
    let path = data_dir.join("secret_key");
    if let Ok(existing) = std::fs::read(&path) {
        if existing.len() >= 32 {
            return Ok(existing);
        }
    }
    let key = crate::auth::token::OpaqueToken::generate().plain.into_bytes();
    let io = |e: std::io::Error| Error::Internal(format!("cannot write {}: {e}", path.display()));
    std::fs::create_dir_all(data_dir).map_err(io)?;
    std::fs::write(&path, &key).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sqlite_files() {
        assert_eq!(
            sqlite_path("sqlite://data/roster.db?mode=rwc"),
            Some(PathBuf::from("data/roster.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://postgres@127.0.0.1/roster"), None);
    }

    #[test]
    fn a_url_may_name_its_own_ca() {
        assert!(names_root_cert(
            "postgres://db/roster?sslmode=verify-full&sslrootcert=/etc/ca.pem"
        ));
        assert!(!names_root_cert("postgres://db/roster?sslmode=verify-full"));
    }
}
