//! Imports at scale, through the API as an admin does them.
//!
//! - **flow** (issue 17): an empty tenant; A, a CREATE file of 100,000 new members
//!   (login, email, first and last name), then at once B, a SYNC file over them — 10% of
//!   the members with a changed last name, 5% new, 5% absent — each sent with
//!   `startImport` until READY and applied with `applyImport` until DONE, with no
//!   `ANALYZE` or other maintenance between them. Wall time of each step, the process's
//!   peak memory during each import, and on PostgreSQL the CPU time its server processes
//!   spent.
//! - **seeded SYNC**: a tenant of 100,000 members seeded in bulk (and analyzed) and the
//!   same SYNC file, sent as CSV and as XLSX.
//! - CREATE rows carrying passwords, hashed on every core; previews of a 136,000-row file,
//!   one and ten at once.
//!
//! Server and client share the process, so its peak memory is an upper bound of the
//! server's. `cargo bench --bench imports` (embedded default); with
//! ROSTER_BENCH_DATABASE_URL set, again on PostgreSQL. ROSTER_BENCH_ROWS changes the size
//! (default 100,000; 1,000,000 for the million-member tenant); ROSTER_BENCH_ONLY=flow
//! runs only the flow.

mod support;

use std::time::Instant;

use roster::app::App;
use roster::config::{EnvOverrides, Settings, TenantRegistry};
use serde_json::{json, Value};

const TENANT: &str = r#"
name = "Bench"
default_locale = "fr"
[accounts]
password_min_length = 10
[roles.admin]
permissions = ["*"]
[roles.member]
permissions = []
default = true
[import]
protected_roles = ["admin"]
"#;
const SLUG: &str = "bench";
const JOB: &str = "id status failure totalRows summary { create update deactivate reactivate unchanged errorRows }";

/// Each scenario runs in a fresh process of this binary, so that its peak memory is its own.
fn main() {
    roster::allocator::configure();
    let rows: usize = std::env::var("ROSTER_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let database = std::env::var("ROSTER_BENCH_DATABASE_URL").ok();
    if let Ok(scenario) = std::env::var("ROSTER_BENCH_SCENARIO") {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            match scenario.as_str() {
                "flow-sqlite" => first_import_then_sync("embedded (SQLite)", None, rows).await,
                "flow-postgres" => first_import_then_sync("PostgreSQL", database.as_ref(), rows).await,
                "csv-sqlite" => sync_at_scale("embedded (SQLite)", None, rows, false).await,
                "xlsx-sqlite" => sync_at_scale("embedded (SQLite)", None, rows, true).await,
                "csv-postgres" => sync_at_scale("PostgreSQL", database.as_ref(), rows, false).await,
                "xlsx-postgres" => sync_at_scale("PostgreSQL", database.as_ref(), rows, true).await,
                "passwords" => passwords(2_000).await,
                "one-upload" => previews_at_once(1).await,
                "ten-uploads" => previews_at_once(10).await,
                "write-xlsx" => {
                    let path = std::env::var("ROSTER_BENCH_FILE").unwrap();
                    std::fs::write(path, as_xlsx(&support::sync_rows(rows))).unwrap();
                }
                other => panic!("unknown scenario {other}"),
            }
        });
        return;
    }
    let only_flow = std::env::var("ROSTER_BENCH_ONLY").is_ok_and(|o| o == "flow");
    let mut scenarios = vec!["flow-sqlite"];
    if database.is_some() {
        scenarios.push("flow-postgres");
    }
    if !only_flow {
        scenarios.extend(["csv-sqlite", "xlsx-sqlite"]);
        if database.is_some() {
            scenarios.extend(["csv-postgres", "xlsx-postgres"]);
        }
        scenarios.extend(["passwords", "one-upload", "ten-uploads"]);
    }
    for scenario in scenarios {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .env("ROSTER_BENCH_SCENARIO", scenario)
            .status()
            .unwrap();
        assert!(status.success(), "{scenario} failed");
    }
    if database.is_none() {
        println!("(set ROSTER_BENCH_DATABASE_URL for the PostgreSQL runs)");
    }
}

struct Bench {
    app: App,
    served: support::Served,
    token: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

async fn start(database: Option<&String>) -> Bench {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tenants")).unwrap();
    std::fs::write(dir.path().join("tenants/bench.toml"), TENANT).unwrap();
    let (url, postgres) = match database {
        Some(server) => {
            let (name, url) = support::fresh_postgres(server).await;
            (url, Some((server.clone(), name)))
        }
        None => (format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()), None),
    };
    let mut settings = Settings {
        database_url: url,
        data_dir: dir.path().join("data"),
        outbox_dir: dir.path().join("outbox"),
        run_jobs: false,
        ..Settings::default()
    };
    // What a tenant of a million members sets in roster.toml's [limits].
    settings.limits.upload_bytes = 500_000_000;
    settings.limits.import_rows = 2_000_000;
    let registry = TenantRegistry::load(dir.path(), EnvOverrides::None).unwrap();
    let app = App::start(settings, registry).await.unwrap();
    support::create_admin(&app, SLUG).await;
    let served = support::serve(app.clone()).await;
    let token = support::login(served.addr, SLUG).await;
    Bench {
        app,
        served,
        token,
        client: reqwest::Client::new(),
        _dir: dir,
        postgres,
    }
}

impl Bench {
    async fn gql(&self, query: &str, variables: Value) -> Value {
        self.client
            .post(format!("http://{}/t/{SLUG}/graphql", self.served.addr))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn upload(&self, mode: &str, name: &str, bytes: impl Into<std::borrow::Cow<'static, [u8]>>) -> Value {
        let endpoint = format!("http://{}/t/{SLUG}/graphql", self.served.addr);
        support::start_import(&self.client, &endpoint, &self.token, mode, name, bytes, JOB).await
    }

    async fn stop(self) {
        self.served.stop().await;
        if let Some((server, name)) = self.postgres {
            support::drop_postgres(&server, &name).await;
        }
    }
}

fn as_xlsx(rows: &[[String; 4]]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, header) in support::HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *header).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, cell).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// CPU time spent by the PostgreSQL server's processes on this machine so far, in seconds
/// (user + system, from /proc); None when none can be read.
fn postgres_cpu_seconds() -> Option<f64> {
    let ticks_per_second = 100.0; // USER_HZ on Linux
    let mut total = 0u64;
    let mut found = false;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid … utime stime: fields 14 and 15, counted after the ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if !head.ends_with("(postgres") {
            continue;
        }
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(user), Some(system)) = (fields.get(11), fields.get(12)) else {
            continue;
        };
        total += user.parse::<u64>().unwrap_or(0) + system.parse::<u64>().unwrap_or(0);
        found = true;
    }
    found.then_some(total as f64 / ticks_per_second)
}

/// One import through the API, timed: upload until READY, apply until DONE.
struct Timed {
    job: Value,
    preview: f64,
    apply: f64,
    peak_mb: f64,
    postgres_cpu: Option<f64>,
}

impl Bench {
    async fn import(&self, mode: &str, file: Vec<u8>) -> Timed {
        support::reset_peak();
        let cpu_before = postgres_cpu_seconds();
        let started = Instant::now();
        let job = self.upload(mode, "members.csv", file).await;
        let preview = started.elapsed().as_secs_f64();
        assert_eq!(job["status"], "READY", "{job}");
        let applied = self
            .gql(
                &format!("mutation($id: ID!) {{ applyImport(id: $id) {{ {JOB} }} }}"),
                json!({ "id": job["id"] }),
            )
            .await;
        let apply = started.elapsed().as_secs_f64() - preview;
        assert_eq!(applied["data"]["applyImport"]["status"], "DONE", "{applied}");
        let postgres_cpu = self
            .postgres
            .as_ref()
            .and(cpu_before)
            .zip(postgres_cpu_seconds())
            .map(|(before, after)| after - before);
        Timed {
            job,
            preview,
            apply,
            peak_mb: support::peak_mb(),
            postgres_cpu,
        }
    }
}

impl Timed {
    fn report(&self, step: &str) {
        let database = self
            .postgres_cpu
            .map(|cpu| format!("; PostgreSQL server CPU {cpu:.1} s"))
            .unwrap_or_default();
        println!(
            "{step}: preview {:.2} s + apply {:.2} s = {:.2} s; peak memory {:.0} MB{database}; summary {}",
            self.preview,
            self.apply,
            self.preview + self.apply,
            self.peak_mb,
            self.job["summary"]
        );
    }
}

/// Issue 17's flow: A, `members` new members into an empty tenant, then B, the SYNC file
/// of [`support::sync_rows`] right after, both through the API.
async fn first_import_then_sync(label: &str, database: Option<&String>, members: usize) {
    println!("== first import of {members} members, then a SYNC of as many rows, {label}");
    let bench = start(database).await;
    let first: Vec<[String; 4]> = (0..members)
        .map(|n| {
            let (first, last, login, email) = support::person(n);
            [login, email, first, last]
        })
        .collect();
    let created = bench.import("CREATE", support::as_csv(&first)).await;
    drop(first);
    created.report("A (CREATE)");
    assert_eq!(created.job["summary"]["create"], members as i64);
    let synced = bench
        .import("SYNC", support::as_csv(&support::sync_rows(members)))
        .await;
    synced.report("B (SYNC)");
    assert_eq!(synced.job["summary"]["update"], (members / 10) as i64);
    bench.stop().await;
}

async fn sync_at_scale(label: &str, database: Option<&String>, members: usize, xlsx: bool) {
    let format = if xlsx { "XLSX" } else { "CSV" };
    println!("== SYNC of {members} rows as {format}, {label}");
    let bench = start(database).await;
    let seeded = Instant::now();
    support::seed_members(&bench.app, SLUG, members).await;
    println!("seeded {members} members in {:.1} s", seeded.elapsed().as_secs_f64());
    let file = if xlsx {
        // Written by another process: the writer's memory is not the server's.
        let path = std::env::temp_dir().join(format!("roster-bench-{}.xlsx", std::process::id()));
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .env("ROSTER_BENCH_SCENARIO", "write-xlsx")
            .env("ROSTER_BENCH_FILE", &path)
            .env("ROSTER_BENCH_ROWS", members.to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).ok();
        bytes
    } else {
        support::as_csv(&support::sync_rows(members))
    };
    println!("file: {:.1} MB", file.len() as f64 / 1e6);

    support::reset_peak();
    let base = support::peak_mb();
    let started = Instant::now();
    let job = bench
        .upload("SYNC", &format!("members.{}", format.to_lowercase()), file)
        .await;
    let previewed = started.elapsed();
    let preview_peak = support::peak_mb();
    assert_eq!(job["status"], "READY", "{job}");
    let applied = bench
        .gql(
            &format!("mutation($id: ID!) {{ applyImport(id: $id) {{ {JOB} }} }}"),
            json!({ "id": job["id"] }),
        )
        .await;
    let total = started.elapsed();
    assert!(applied["errors"].is_null(), "{applied}");
    println!("summary: {}", job["summary"]);
    println!(
        "preview {:.2} s + apply {:.2} s = {:.2} s; peak memory {:.0} MB (whole process: server, client, seeded data; {:.0} MB just before the upload, {:.0} MB by the end of the preview)",
        previewed.as_secs_f64(),
        (total - previewed).as_secs_f64(),
        total.as_secs_f64(),
        support::peak_mb(),
        base,
        preview_peak
    );
    bench.stop().await;
}

/// Issue 10's memory scenario: `uploads` CREATE previews of the same 136,000-row,
/// ~15 MB CSV sent at once to an empty tenant (the others wait for one of the
/// `[limits] concurrent_imports` slots); the process's peak memory over its start.
async fn previews_at_once(uploads: usize) {
    const ROWS: usize = 136_000;
    println!("== {uploads} CSV preview(s) of {ROWS} rows at once, embedded (SQLite)");
    let bench = start(None).await;
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    writer
        .write_record(["Identifiant", "Email", "Prénom", "Nom", "Téléphone", "Groupes"])
        .unwrap();
    for n in 0..ROWS {
        let (first, last, login, email) = support::person(n);
        let phone = format!("06{:08}", n);
        writer
            .write_record([login, email, first, last, phone, "Bénévoles; Distribution".into()])
            .unwrap();
    }
    // One copy shared by every upload: the client's own memory stays out of the figure.
    let file: &'static [u8] = Box::leak(writer.into_inner().unwrap().into_boxed_slice());
    println!("file: {:.1} MB", file.len() as f64 / 1e6);
    support::reset_peak();
    let base = support::peak_mb();
    let started = Instant::now();
    let names: Vec<String> = (0..uploads).map(|n| format!("members-{n}.csv")).collect();
    let uploads = names.iter().map(|name| bench.upload("CREATE", name, file));
    let jobs = futures_util::future::join_all(uploads).await;
    for job in &jobs {
        assert_eq!(job["status"], "READY", "{job}");
    }
    println!(
        "{} preview(s) in {:.2} s; peak memory {:.0} MB (whole process; {:.0} MB before the uploads, so {:.0} MB for the previews)",
        jobs.len(),
        started.elapsed().as_secs_f64(),
        support::peak_mb(),
        base,
        support::peak_mb() - base
    );
    bench.stop().await;
}

async fn passwords(rows: usize) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("== CREATE of {rows} rows with passwords ({threads} cores)");
    let bench = start(None).await;
    let mut file = String::from("Email;Prénom;Nom;Mot de passe\n");
    for n in 0..rows {
        file.push_str(&format!("pw{n}@example.org;Anne;Pass{n};secret-password-{n}\n"));
    }
    let started = Instant::now();
    let job = bench.upload("CREATE", "passwords.csv", file.into_bytes()).await;
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(job["summary"]["create"], rows as i64, "{job}");
    println!(
        "preview with {rows} argon2id hashes: {elapsed:.2} s ({:.0} rows/s on {threads} threads; one thread: {:.0} hashes/s)",
        rows as f64 / elapsed,
        one_thread_rate()
    );
    bench.stop().await;
}

/// argon2id hashes per second on one thread, to compare with the parallel rate.
fn one_thread_rate() -> f64 {
    let started = Instant::now();
    for n in 0..50 {
        roster::values::password::hash_blocking(&format!("secret-password-{n}"));
    }
    50.0 / started.elapsed().as_secs_f64()
}
