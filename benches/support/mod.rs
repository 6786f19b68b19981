//! What every bench binary needs: the server in-process, a fresh PostgreSQL database,
//! and the bench admin's session.
#![allow(dead_code)]

/// The allocator of the `roster` binary, so that the in-process server runs as in production.
#[global_allocator]
static ALLOCATOR: roster::allocator::Allocator = mimalloc::MiMalloc;

use std::net::SocketAddr;

use chrono::Utc;
use entity::{member_emails, member_search_tokens, members, role_assignments};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait, TransactionTrait};
use uuid::Uuid;

use poem::listener::TcpListener;
use roster::app::App;
use serde_json::Value;

/// The admin every bench creates, and its password.
pub const ADMIN: (&str, &str) = ("bench@example.org", "bench-password-1");

/// A server running in this process; `stop` ends it.
pub struct Served {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Served {
    /// Stops the server and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Creates the bench admin in `tenant`.
pub async fn create_admin(app: &App, tenant: &str) {
    let tenant = app.tenants.get(tenant).expect("bench tenant");
    roster::members::create_admin(
        &app.db,
        &tenant,
        ADMIN.0,
        Some(ADMIN.1.into()),
        roster::members::Origin::Manual,
    )
    .await
    .expect("bench admin");
}

/// Serves the app on a free loopback port.
pub async fn serve(app: App) -> Served {
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(roster::http::serve(
        app,
        TcpListener::bind("127.0.0.1:0".parse::<SocketAddr>().unwrap()),
        async move {
            let _ = stopped.await;
        },
        move |addr| {
            let _ = bound_tx.send(addr);
        },
    ));
    let addr = bound_rx.await.expect("bench server bound");
    Served { addr, stop, task }
}

/// Signs the bench admin in and returns the token.
pub async fn login(addr: SocketAddr, tenant: &str) -> String {
    let query = format!(
        r#"{{"query":"mutation {{ login(identifier: \"{}\", password: \"{}\") {{ token }} }}"}}"#,
        ADMIN.0, ADMIN.1
    );
    let answer: Value = reqwest::Client::new()
        .post(format!("http://{addr}/t/{tenant}/graphql"))
        .header("content-type", "application/json")
        .body(query)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["data"]["login"]["token"]
        .as_str()
        .expect("bench login")
        .to_owned()
}

/// A new empty database on the PostgreSQL server: its name and URL.
pub async fn fresh_postgres(server_url: &str) -> (String, String) {
    use sea_orm::ConnectionTrait;
    let name = format!("roster_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = sea_orm::Database::connect(server_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = server_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(server_url);
    (name.clone(), format!("{base}/{name}"))
}

/// Drops a database made by [`fresh_postgres`].
pub async fn drop_postgres(server_url: &str, name: &str) {
    use sea_orm::ConnectionTrait;
    let admin = sea_orm::Database::connect(server_url).await.unwrap();
    if let Err(err) = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
    {
        println!("could not drop {name}: {err}");
    }
}

/// Members per multi-row insert: 24 columns × 1,000 rows stays under SQLite's 32,766 parameters.
const CHUNK: usize = 1_000;

pub const FIRST_NAMES: &[&str] = &[
    "Élodie",
    "François",
    "Amélie",
    "Jérôme",
    "Hélène",
    "Loïc",
    "Céline",
    "Grégoire",
    "Anaïs",
    "Thérèse",
    "Benoît",
    "Noémie",
    "Joël",
    "Gaëlle",
    "René",
    "Zoé",
    "Cédric",
    "Léa",
    "Frédéric",
    "Mélanie",
];
pub const LAST_NAMES: &[&str] = &[
    "Dupont",
    "Lefèvre",
    "Durand",
    "Moreau",
    "Léger",
    "Bérenger",
    "Mercier",
    "Girard",
    "Lemaître",
    "Rousseau",
    "Fournier",
    "Chevalier",
    "Garçon",
    "Perrin",
    "Bézier",
    "Dubois",
    "Faure",
    "André",
    "Noël",
    "Crépin",
];

/// The `n`th bench member: first name, last name, login and email.
pub fn person(n: usize) -> (String, String, String, String) {
    let first = FIRST_NAMES[n % FIRST_NAMES.len()];
    let last = LAST_NAMES[(n / FIRST_NAMES.len()) % LAST_NAMES.len()];
    let login = format!(
        "{}.{}{n}",
        roster::members::search::fold(first),
        roster::members::search::fold(last)
    )
    .replace(' ', "");
    let email = format!("{login}@example.org");
    (first.to_owned(), last.to_owned(), login, email)
}

/// Seeds `count` members in `slug` in bulk (one transaction, multi-row inserts), with
/// the names of [`person`]; returns their ids in order.
pub async fn seed_members(app: &App, slug: &str, count: usize) -> Vec<Uuid> {
    let txn = app.db.begin().await.unwrap();
    let now = Utc::now();
    let mut ids = Vec::with_capacity(count);
    for start in (0..count).step_by(CHUNK) {
        let end = (start + CHUNK).min(count);
        let mut rows = Vec::with_capacity(end - start);
        let mut emails = Vec::with_capacity(end - start);
        let mut roles = Vec::with_capacity(end - start);
        let mut words = Vec::with_capacity((end - start) * 8);
        for n in start..end {
            let (first, last, login, email) = person(n);
            let id = Uuid::now_v7();
            ids.push(id);
            let sort_key = roster::members::write::sort_key(&first, &last);
            let mut member = roster::members::write::new_member(slug, login.clone(), first.clone(), last.clone());
            member.email = Some(email.clone());
            for token in roster::members::search::profile_words(&member) {
                words.push(member_search_tokens::ActiveModel {
                    tenant: Set(slug.to_owned()),
                    token: Set(token),
                    member_id: Set(id),
                    sort_key: Set(sort_key.clone()),
                });
            }
            emails.push(member_emails::ActiveModel {
                tenant: Set(slug.to_owned()),
                address_key: Set(email.to_lowercase()),
                member_id: Set(id),
                kind: Set(roster::members::AddressKind::Primary),
            });
            roles.push(role_assignments::ActiveModel {
                id: Set(Uuid::now_v7()),
                tenant: Set(slug.to_owned()),
                member_id: Set(id),
                role: Set("member".to_owned()),
                group_id: Set(None),
                created_at: Set(now),
            });
            rows.push(members::ActiveModel {
                id: Set(id),
                tenant: Set(slug.to_owned()),
                login: Set(login.clone()),
                login_key: Set(login),
                email: Set(Some(email)),
                secondary_email: Set(None),
                email_verified: Set(false),
                secondary_email_verified: Set(true),
                phone: Set(None),
                first_name: Set(first.clone()),
                last_name: Set(last.clone()),
                locale: Set("fr".to_owned()),
                status: Set(roster::members::Status::Active),
                origin: Set(roster::members::Origin::Import),
                origin_import_id: Set(None),
                password_hash: Set(None),
                uses_default_password: Set(false),
                must_change_password: Set(false),
                last_login_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                deactivated_at: Set(None),
                version: Set(1),
                sort_key: Set(roster::members::write::sort_key(&first, &last)),
            });
        }
        members::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await
            .unwrap();
        member_emails::Entity::insert_many(emails)
            .exec_without_returning(&txn)
            .await
            .unwrap();
        role_assignments::Entity::insert_many(roles)
            .exec_without_returning(&txn)
            .await
            .unwrap();
        // 3 columns a row: 5,000 rows a statement.
        for chunk in words.chunks(5_000) {
            member_search_tokens::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await
                .unwrap();
        }
    }
    txn.commit().await.unwrap();
    // What PostgreSQL's autovacuum does soon after such a load (statistics, visibility
    // map), done now so that it does not land in the middle of a timed run. SQLite is left
    // as the server runs it: without statistics.
    if app.db.get_database_backend() == DbBackend::Postgres {
        app.db.execute_unprepared("VACUUM ANALYZE").await.unwrap();
    }
    ids
}

/// The columns of [`sync_rows`]' files, as a French coordinator names them.
pub const HEADERS: [&str; 4] = ["Identifiant", "Email", "Prénom", "Nom"];

/// The SYNC file for a tenant seeded with `members` [`person`]s, as rows under [`HEADERS`]:
/// every member but each 20th (5% absent), each 10th with a new last name (10% updated),
/// and `members / 20` new people (5% created).
pub fn sync_rows(members: usize) -> Vec<[String; 4]> {
    let mut rows = Vec::with_capacity(members);
    for n in 0..members {
        if n % 20 == 0 {
            continue;
        }
        let (first, last, login, email) = person(n);
        let last = if n % 10 == 1 { format!("{last}-Martin") } else { last };
        rows.push([login, email, first, last]);
    }
    for n in 0..members / 20 {
        let (first, last, _, _) = person(n);
        rows.push([
            String::new(),
            format!("new{n}@example.net"),
            first,
            format!("{last} Nouveau"),
        ]);
    }
    rows
}

/// `rows` as a `;`-separated CSV file with [`HEADERS`], as French spreadsheets save it.
pub fn as_csv(rows: &[[String; 4]]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    writer.write_record(HEADERS).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.into_inner().unwrap()
}

/// Starts an import of the file `name` holding `bytes` in `mode` (CREATE, UPDATE, SYNC)
/// with `startImport` at the GraphQL `endpoint`, as the holder of `token`; returns the job
/// with the fields of `selection` (the mutation answers once the preview is done).
pub async fn start_import(
    http: &reqwest::Client,
    endpoint: &str,
    token: &str,
    mode: &str,
    name: &str,
    bytes: impl Into<std::borrow::Cow<'static, [u8]>>,
    selection: &str,
) -> Value {
    let query = format!("mutation($input: StartImportInput!) {{ startImport(input: $input) {{ {selection} }} }}");
    let operations = serde_json::json!({ "query": query, "variables": { "input": { "mode": mode, "file": null } } });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", serde_json::json!({ "0": ["variables.input.file"] }).to_string())
        .part("0", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    let answer: Value = http
        .post(endpoint)
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"]["startImport"].clone()
}

/// An app started for a bench in a temporary folder, on SQLite or on a fresh PostgreSQL
/// database, with its sessions in this process or in Redis.
pub struct Started {
    pub app: App,
    /// Holds the tenant file, the SQLite file and the data folder.
    pub dir: tempfile::TempDir,
    /// The PostgreSQL server's URL and the name of the database made for this run.
    pub postgres: Option<(String, String)>,
}

/// Starts the app with one tenant, `slug`, configured by `tenant_toml`, on the embedded
/// default or on `database` (a PostgreSQL server URL; a fresh database is made on it)
/// and `redis`; `adjust` changes the settings before the start. Creates the bench admin.
pub async fn start_app(
    slug: &str,
    tenant_toml: &str,
    database: Option<&str>,
    redis: Option<&str>,
    adjust: impl FnOnce(&mut roster::config::Settings),
) -> Started {
    use roster::config::{EnvOverrides, Settings, TenantRegistry};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tenants")).unwrap();
    std::fs::write(dir.path().join(format!("tenants/{slug}.toml")), tenant_toml).unwrap();
    let (postgres, database_url) = match database {
        Some(server) => {
            let (name, url) = fresh_postgres(server).await;
            (Some((server.to_owned(), name)), url)
        }
        None => (None, format!("sqlite://{}/bench.db?mode=rwc", dir.path().display())),
    };
    let mut settings = Settings {
        data_dir: dir.path().join("data"),
        outbox_dir: dir.path().join("outbox"),
        database_url,
        ..Settings::default()
    };
    if let Some(redis) = redis {
        settings.redis_url = Some(redis.to_owned());
        settings.redis_prefix = format!("rosterbench:{}:", Uuid::new_v4().simple());
    }
    adjust(&mut settings);
    let tenants = TenantRegistry::load(dir.path(), EnvOverrides::None).unwrap();
    let app = App::start(settings, tenants).await.unwrap();
    create_admin(&app, slug).await;
    Started { app, dir, postgres }
}

impl Started {
    /// Closes the database and drops the PostgreSQL database, unless `keep` (for EXPLAIN
    /// afterwards: then says where the data is).
    pub async fn finish(self, keep: bool) {
        if keep {
            match &self.postgres {
                Some((_, name)) => println!("kept database {name}"),
                None => println!("kept {}", self.dir.keep().join("bench.db").display()),
            }
            return;
        }
        let _ = self.app.db.close_by_ref().await;
        if let Some((server, name)) = &self.postgres {
            drop_postgres(server, name).await;
        }
    }
}

/// A whole number from the environment variable `key`, or `default` when unset or not a
/// number (the benches' knobs: ROSTER_BENCH_SECONDS, ROSTER_BENCH_CONNECTIONS, …).
pub fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Peak resident memory of this process since the last reset, in MB.
pub fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Starts a new peak-memory measure (Linux: writing 5 to clear_refs resets VmHWM).
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
