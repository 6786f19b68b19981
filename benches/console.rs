//! The admin console at scale, through the real HTTP server: a tenant of 100,000 members
//! (seeded in bulk) and 8 browser sessions, each signed in through the console's sign-in
//! form with its own cookies and connections, asking back to back for
//!
//! - the member list (`/admin/members`, 50 rows in the API's order) filtered by status,
//! - the member list filtered by status and searched (`?search=dupo&status=ACTIVE`),
//! - members' pages (`/admin/members/{id}`, 1,000 members spread over the list),
//!
//! each for ROSTER_BENCH_SECONDS; then the import page (`/admin/imports/{id}`) of a
//! 100,000-row SYNC once its preview is READY: the first GET, repeated GETs, and the
//! second page of changes. Every timed run prints its count and p50, p90, p99 and max in
//! ms, against the targets: p99 under 50 ms for the list and member pages at 8 sessions,
//! under 200 ms for the first page of the import preview.
//!
//! Runs on the embedded default (SQLite + in-process store) and, when
//! ROSTER_BENCH_DATABASE_URL (a PostgreSQL server URL; a fresh database is made on it) and
//! ROSTER_BENCH_REDIS_URL are set, on PostgreSQL + Redis:
//!
//! `cargo bench --bench console` (ROSTER_BENCH_SECONDS changes the length of each timed
//! run, default 10; ROSTER_BENCH_KEEP=1 keeps the SQLite file and the PostgreSQL database
//! for EXPLAIN).

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// The bench tenant: admins may do everything, members nothing; admins are kept by a SYNC.
const TENANT: &str = r#"
name = "Bench"
default_locale = "fr"
[roles.admin]
permissions = ["*"]
[roles.member]
permissions = []
default = true
[import]
protected_roles = ["admin"]
"#;
/// The bench tenant's slug, in its URLs.
const SLUG: &str = "bench";
/// Members seeded before the timed runs.
const MEMBERS: usize = 100_000;
/// Browser sessions at once, each signed in on its own.
const SESSIONS: usize = 8;
/// Members whose pages are asked for in rotation, spread over the list.
const MEMBER_PAGES: usize = 1_000;
/// Rows on a member list page and on a page of import changes.
const PAGE_ROWS: usize = 50;
/// The p99 the list and member pages must stay under at [`SESSIONS`] sessions, in ms.
const PAGE_TARGET_MS: f64 = 50.0;
/// What the first page of changes of the import preview must render within, in ms.
const PREVIEW_TARGET_MS: f64 = 200.0;
/// GETs of an import page after the first one.
const REPEATS: usize = 10;
/// Sequential GETs of a page by one session, before the concurrent run.
const SOLO: usize = 20;

/// The runs on the embedded default, then on PostgreSQL + Redis when configured, then
/// every target's verdict.
fn main() {
    roster::allocator::configure();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let seconds = support::env_or("ROSTER_BENCH_SECONDS", 10);
        let mut verdicts = run("embedded (SQLite + in-process store)", None, None, seconds).await;
        match (
            std::env::var("ROSTER_BENCH_DATABASE_URL"),
            std::env::var("ROSTER_BENCH_REDIS_URL"),
        ) {
            (Ok(db), Ok(redis)) => verdicts.extend(run("PostgreSQL + Redis", Some(&db), Some(&redis), seconds).await),
            _ => println!("(set ROSTER_BENCH_DATABASE_URL and ROSTER_BENCH_REDIS_URL for the PostgreSQL + Redis run)"),
        }
        println!("== targets");
        for verdict in verdicts {
            println!("{verdict}");
        }
    });
}

/// One kind of page asked for in a timed run: what it is called, its paths (asked in
/// rotation), and what a good answer's body holds.
struct PageKind {
    name: &'static str,
    paths: Vec<String>,
    good: fn(&str) -> bool,
}

/// Rows of a member list page.
fn member_rows(body: &str) -> usize {
    body.matches("name=\"id\" value=\"").count()
}

/// Rows of changes on an import page.
fn change_rows(body: &str) -> usize {
    body.matches("\n    <tr>\n").count()
}

/// The timed runs on one backend; returns a line per target saying whether it was met.
async fn run(label: &str, database: Option<&str>, redis: Option<&str>, seconds: u64) -> Vec<String> {
    println!("== {label}");
    let keep = std::env::var_os("ROSTER_BENCH_KEEP").is_some();
    let started = support::start_app(SLUG, TENANT, database, redis, |settings| {
        settings.run_jobs = false;
        settings.limits.upload_bytes = 200_000_000;
        settings.limits.import_rows = 500_000;
    })
    .await;
    let seeding = Instant::now();
    let ids = support::seed_members(&started.app, SLUG, MEMBERS).await;
    println!(
        "seeded {MEMBERS} members (with emails, search words, roles) in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let served = support::serve(started.app.clone()).await;
    let addr = served.addr;

    let mut browsers = Vec::with_capacity(SESSIONS);
    for _ in 0..SESSIONS {
        let mut browser = Browser::new(addr);
        browser.sign_in(support::ADMIN.0, support::ADMIN.1).await;
        browsers.push(browser);
    }
    println!("{SESSIONS} browser sessions signed in through the sign-in form");

    let kinds = [
        PageKind {
            name: "member list ?status=ACTIVE",
            paths: vec!["/members?status=ACTIVE".to_owned()],
            good: |body| member_rows(body) == PAGE_ROWS,
        },
        PageKind {
            name: "member list ?search=dupo&status=ACTIVE",
            paths: vec!["/members?search=dupo&status=ACTIVE".to_owned()],
            good: |body| member_rows(body) == PAGE_ROWS,
        },
        PageKind {
            name: "member page /members/{id}",
            paths: ids
                .iter()
                .step_by(MEMBERS / MEMBER_PAGES)
                .map(|id| format!("/members/{id}"))
                .collect(),
            good: |body| body.contains("<h1>"),
        },
    ];
    let mut verdicts = Vec::new();
    for kind in &kinds {
        let first = browsers[0].get(&kind.paths[0]).await;
        assert!(
            first.status == 200 && (kind.good)(&first.body),
            "{}: {} {}",
            kind.name,
            first.status,
            first.body
        );
        println!(
            "{}: {:.0} KB a page, {} member rows",
            kind.name,
            first.body.len() as f64 / 1024.0,
            member_rows(&first.body)
        );
        let mut solo = Histogram::<u64>::new(3).unwrap();
        for n in 0..SOLO {
            let page = browsers[0].get(&kind.paths[n % kind.paths.len()]).await;
            assert!(page.status == 200 && (kind.good)(&page.body), "{}", kind.name);
            solo.record(page.micros).unwrap();
        }
        println!("  1 session, {SOLO} GETs one after another: {}", figures(&solo));
        let (back, stats) = measure(browsers, kind, seconds).await;
        browsers = back;
        println!(
            "  {SESSIONS} sessions for {seconds} s: {:.0} pages/s; {}; {} failed",
            stats.histogram.len() as f64 / stats.elapsed,
            figures(&stats.histogram),
            stats.failures
        );
        let p99 = ms(stats.histogram.value_at_quantile(0.99));
        verdicts.push(format!(
            "{label}, {} at {SESSIONS} sessions: p99 {p99:.2} ms, target < {PAGE_TARGET_MS} ms: {}",
            kind.name,
            if p99 < PAGE_TARGET_MS && stats.failures == 0 {
                "MET"
            } else {
                "MISSED"
            }
        ));
    }

    verdicts.push(import_preview(label, addr, &mut browsers[0]).await);

    served.stop().await;
    started.finish(keep).await;
    verdicts
}

/// Starts a SYNC of [`MEMBERS`] rows through the API, then times the import page once the
/// preview is READY; returns the verdict on the first page's target.
async fn import_preview(label: &str, addr: SocketAddr, browser: &mut Browser) -> String {
    let file = support::as_csv(&support::sync_rows(MEMBERS));
    let token = support::login(addr, SLUG).await;
    let endpoint = format!("http://{addr}/t/{SLUG}/graphql");
    let started = Instant::now();
    let job = support::start_import(
        &reqwest::Client::new(),
        &endpoint,
        &token,
        "SYNC",
        "members.csv",
        file,
        "id status totalRows summary { create update deactivate reactivate unchanged errorRows }",
    )
    .await;
    assert_eq!(job["status"], "READY", "{job}");
    println!(
        "SYNC of {} rows previewed (startImport) in {:.1} s: {}",
        job["totalRows"],
        started.elapsed().as_secs_f64(),
        job["summary"]
    );
    let id = job["id"].as_str().unwrap().to_owned();

    let path = format!("/imports/{id}");
    let first = browser.get(&path).await;
    assert!(
        first.status == 200 && change_rows(&first.body) == PAGE_ROWS,
        "import page: {} {}",
        first.status,
        first.body
    );
    let first_ms = ms(first.micros);
    println!(
        "import page, first GET after READY: {first_ms:.2} ms ({:.0} KB, {} change rows)",
        first.body.len() as f64 / 1024.0,
        change_rows(&first.body)
    );
    repeat(browser, &path, "import page, first page of changes").await;

    // The link to the next page of changes: `?kind=&after=<cursor>`.
    let at = first.body.find("&amp;after=").expect("a next page of changes") + "&amp;after=".len();
    let cursor: String = first.body[at..]
        .chars()
        .take_while(|c| !matches!(c, '#' | '"' | '&'))
        .collect();
    let second = format!("/imports/{id}?kind=&after={cursor}");
    let page = browser.get(&second).await;
    assert!(
        page.status == 200 && change_rows(&page.body) == PAGE_ROWS,
        "second page: {} {}",
        page.status,
        page.body
    );
    println!(
        "import page, second page of changes, first GET: {:.2} ms",
        ms(page.micros)
    );
    repeat(browser, &second, "import page, second page of changes").await;

    format!(
        "{label}, import preview of a {MEMBERS}-row SYNC, first page of changes (first GET): {first_ms:.2} ms, target < {PREVIEW_TARGET_MS} ms: {}",
        if first_ms < PREVIEW_TARGET_MS { "MET" } else { "MISSED" }
    )
}

/// GETs `path` [`REPEATS`] more times from one session; prints each time and the figures.
async fn repeat(browser: &mut Browser, path: &str, what: &str) {
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    let mut each = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        let page = browser.get(path).await;
        assert!(page.status == 200 && change_rows(&page.body) == PAGE_ROWS, "{what}");
        histogram.record(page.micros).unwrap();
        each.push(format!("{:.1}", ms(page.micros)));
    }
    println!(
        "{what}, {REPEATS} more GETs: {}; each (ms): {}",
        figures(&histogram),
        each.join(" ")
    );
}

/// Microseconds as milliseconds.
fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// Count, p50, p90, p99 and max (ms) of a histogram of microseconds.
fn figures(histogram: &Histogram<u64>) -> String {
    format!(
        "count {}, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        histogram.len(),
        ms(histogram.value_at_quantile(0.50)),
        ms(histogram.value_at_quantile(0.90)),
        ms(histogram.value_at_quantile(0.99)),
        ms(histogram.max())
    )
}

/// What a timed run saw: latencies in µs of the good answers, the others, and its length in s.
struct Stats {
    histogram: Histogram<u64>,
    failures: u64,
    elapsed: f64,
}

/// Every browser asks for the pages of `kind` back to back (a closed loop) for `seconds`;
/// gives the browsers back with what the run saw.
async fn measure(browsers: Vec<Browser>, kind: &PageKind, seconds: u64) -> (Vec<Browser>, Stats) {
    let paths = Arc::new(kind.paths.clone());
    let good = kind.good;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = browsers
        .into_iter()
        .enumerate()
        .map(|(n, mut browser)| {
            let paths = paths.clone();
            tokio::spawn(async move {
                let mut histogram = Histogram::<u64>::new(3).unwrap();
                let mut failures = 0u64;
                // Each session starts elsewhere in the rotation, as different people would.
                let mut next = n * paths.len() / SESSIONS;
                while Instant::now() < deadline {
                    let page = browser.get(&paths[next % paths.len()]).await;
                    next += 1;
                    if page.status == 200 && good(&page.body) {
                        histogram.record(page.micros).unwrap();
                    } else {
                        failures += 1;
                    }
                }
                (browser, histogram, failures)
            })
        })
        .collect();
    let mut browsers = Vec::with_capacity(SESSIONS);
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    let mut failures = 0;
    for worker in workers {
        let (browser, h, f) = worker.await.unwrap();
        browsers.push(browser);
        histogram.add(h).unwrap();
        failures += f;
    }
    let stats = Stats {
        histogram,
        failures,
        elapsed: started.elapsed().as_secs_f64(),
    };
    (browsers, stats)
}

/// A browser without JavaScript on the console: its own keep-alive connections, keeps the
/// cookies it is given, sends the Origin a browser sends, does not follow redirects.
struct Browser {
    http: reqwest::Client,
    /// `http://<addr>/t/<slug>/admin`.
    base: String,
    /// `http://<addr>`, as a browser sends it with a form.
    origin: String,
    /// Cookies by name, as the server set them.
    cookies: HashMap<String, String>,
}

/// An answer: its status, where it redirects, its body, and how long it took from sending
/// to the last byte of the body, in µs.
struct Page {
    status: u16,
    location: String,
    body: String,
    micros: u64,
}

impl Browser {
    /// A browser with no cookies yet, on the server at `addr`.
    fn new(addr: SocketAddr) -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(600))
                .build()
                .unwrap(),
            base: format!("http://{addr}/t/{SLUG}/admin"),
            origin: format!("http://{addr}"),
            cookies: HashMap::new(),
        }
    }

    /// The `Cookie` header of every cookie kept.
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Reads the answer to the request sent at `sent`, keeping its cookies.
    async fn keep(&mut self, response: reqwest::Response, sent: Instant) -> Page {
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.text().await.unwrap();
        Page {
            status,
            location,
            body,
            micros: sent.elapsed().as_micros() as u64,
        }
    }

    /// GET of a console path (after `/admin`).
    async fn get(&mut self, path: &str) -> Page {
        let sent = Instant::now();
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(response, sent).await
    }

    /// Signs in with the sign-in form, as a person would: its page, then the form posted.
    async fn sign_in(&mut self, identifier: &str, password: &str) {
        let form = self.get("/sign-in").await;
        let at = form.body.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
        let csrf = form.body[at..].split('"').next().unwrap().to_owned();
        let sent = Instant::now();
        let response = self
            .http
            .post(format!("{}/sign-in", self.base))
            .header("cookie", self.cookie_header())
            .header("origin", &self.origin)
            .form(&[
                ("csrf", csrf.as_str()),
                ("identifier", identifier),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        let page = self.keep(response, sent).await;
        assert!(
            page.status == 303 && self.cookies.contains_key("roster_console"),
            "sign-in: {} {} {}",
            page.status,
            page.location,
            page.body
        );
    }
}
