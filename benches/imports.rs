//! Imports at scale: a tenant of 100,000 members (seeded in bulk) and a SYNC file of
//! 100,000 rows — 10% of the members changed, 5% new, 5% of the members absent — sent as
//! CSV and as XLSX over HTTP, previewed then applied; wall time of each step and the
//! process's peak memory (server and client share the process, so it is an upper bound).
//! Then CREATE rows carrying passwords, hashed on every core.
//!
//! `cargo bench --bench imports` (embedded default); with ROSTER_BENCH_DATABASE_URL set,
//! again on PostgreSQL. ROSTER_BENCH_ROWS changes the size (default 100,000).

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
    roster::allocator::return_freed_memory_at_once();
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
    let mut scenarios = vec!["csv-sqlite", "xlsx-sqlite"];
    if database.is_some() {
        scenarios.extend(["csv-postgres", "xlsx-postgres"]);
    }
    scenarios.extend(["passwords", "one-upload", "ten-uploads"]);
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
    settings.limits.upload_bytes = 200_000_000;
    settings.limits.import_rows = 500_000;
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

/// Peak resident memory of this process since the last reset, in MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Starts a new peak-memory measure (Linux: writing 5 to clear_refs resets VmHWM).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
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

    reset_peak();
    let base = peak_mb();
    let started = Instant::now();
    let job = bench
        .upload("SYNC", &format!("members.{}", format.to_lowercase()), file)
        .await;
    let previewed = started.elapsed();
    let preview_peak = peak_mb();
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
        peak_mb(),
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
    reset_peak();
    let base = peak_mb();
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
        peak_mb(),
        base,
        peak_mb() - base
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
