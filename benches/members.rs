//! Member lists at scale: 100,000 members seeded in bulk, then over 32 keep-alive
//! connections a search (`members(filter: {search: "dupo"})`) and deep keyset pagination
//! (`members(first: 50, after: ...)` from 5% to 95% into the list), then one
//! `deactivateMembers` matching half the members, some of them signed in. Runs on the embedded default (SQLite +
//! in-process store) and, when ROSTER_BENCH_DATABASE_URL and ROSTER_BENCH_REDIS_URL are
//! set, on PostgreSQL + Redis.
//!
//! `cargo bench --bench members` (ROSTER_BENCH_SECONDS to change the length of each timed run;
//! ROSTER_BENCH_MEMBERS for another size, e.g. 1000000 for the million-member tenant;
//! ROSTER_BENCH_KEEP=1 keeps the SQLite file and the PostgreSQL database for EXPLAIN).

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use roster::app::App;
use roster::config::{EnvOverrides, Settings, TenantRegistry};
use sea_orm::{ActiveValue::Set, EntityTrait, TransactionTrait};
use serde_json::{json, Value};
use uuid::Uuid;

use entity::group_members;

const TENANT: &str = r#"
name = "Bench"
default_locale = "fr"
[roles.admin]
permissions = ["*"]
[roles.member]
permissions = []
default = true
"#;

const SLUG: &str = "bench";
/// Members seeded unless ROSTER_BENCH_MEMBERS says otherwise.
const MEMBERS: usize = 100_000;
/// Members per multi-row insert: 24 columns × 1,000 rows stays under SQLite's 32,766 parameters.
const CHUNK: usize = 1_000;
const CONNECTIONS: usize = 32;
/// Members given a session before the bulk deactivation.
const SESSIONS: usize = 1_000;

const SEARCH_QUERY: &str = r#"{ members(first: 50, filter: {search: "dupo"}) { nodes { id login } } }"#;
const WALK_QUERY: &str = "query($after: String) { members(first: 500, after: $after) { pageInfo { endCursor } } }";
const PAGE_QUERY: &str =
    "query($after: String) { members(first: 50, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }";
const RELATED_QUERY: &str = "query($after: String) { members(first: 50, after: $after) { nodes { id login roles { role { key } } groups { name } } } }";

fn main() {
    roster::allocator::configure();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let seconds = support::env_or("ROSTER_BENCH_SECONDS", 10);
        run("embedded (SQLite + in-process store)", None, None, seconds).await;
        match (
            std::env::var("ROSTER_BENCH_DATABASE_URL"),
            std::env::var("ROSTER_BENCH_REDIS_URL"),
        ) {
            (Ok(db), Ok(redis)) => run("PostgreSQL + Redis", Some(db), Some(redis), seconds).await,
            _ => println!("(set ROSTER_BENCH_DATABASE_URL and ROSTER_BENCH_REDIS_URL for the PostgreSQL + Redis run)"),
        }
    });
}

async fn run(label: &str, database: Option<String>, redis: Option<String>, seconds: u64) {
    println!("== {label}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tenants")).unwrap();
    std::fs::write(dir.path().join("tenants/bench.toml"), TENANT).unwrap();
    let keep = std::env::var_os("ROSTER_BENCH_KEEP").is_some();
    let postgres = match &database {
        Some(server) => Some(support::fresh_postgres(server).await),
        None => None,
    };
    let database_url = match &postgres {
        Some((_, url)) => url.clone(),
        None => format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
    };
    let mut settings = Settings {
        data_dir: dir.path().join("data"),
        database_url,
        ..Settings::default()
    };
    if let Some(redis) = redis {
        settings.redis_url = Some(redis);
        settings.redis_prefix = format!("rosterbench:{}:", Uuid::new_v4().simple());
    }
    let tenants = TenantRegistry::load(dir.path(), EnvOverrides::None).unwrap();
    let app = App::start(settings, tenants).await.unwrap();
    support::create_admin(&app, "bench").await;

    let started = Instant::now();
    let members = support::env_or("ROSTER_BENCH_MEMBERS", MEMBERS as u64) as usize;
    let ids = support::seed_members(&app, SLUG, members).await;
    println!(
        "seeded {members} members (with emails, search words, roles) in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let served = support::serve(app.clone()).await;
    let addr = served.addr;
    let client = Client::new(addr, support::login(addr, SLUG).await);

    // What any request costs here (session, member), for comparison.
    println!(
        "{{ me {{ id }} }} alone: {}",
        solo(&client, &json!({ "query": "{ me { id } }" })).await
    );

    // What any request costs at full load, for comparison.
    let me = Bytes::from(json!({ "query": "{ me { id } }" }).to_string());
    measure(&client, vec![me], seconds)
        .await
        .print("baseline { me { id } }", seconds);

    // a. Search.
    let search = json!({ "query": SEARCH_QUERY });
    println!("search alone: {}", solo(&client, &search).await);
    let search = Bytes::from(search.to_string());
    let stats = measure(&client, vec![search], seconds).await;
    stats.print("search members(first: 50, filter: {search: \"dupo\"})", seconds);

    // b. Deep pagination: cursors from 5% to 95% into the list, the middle one 4th.
    let started = Instant::now();
    let positions: Vec<usize> = [5, 20, 35, 50, 65, 80, 95].iter().map(|p| members * p / 100).collect();
    let cursors = collect_cursors(&client, &positions).await;
    println!(
        "walked to position {} with first: 500 pages in {:.1} s",
        cursors.last().map(|(p, _)| *p).unwrap_or(0),
        started.elapsed().as_secs_f64()
    );
    let pages: Vec<Value> = cursors
        .iter()
        .map(|(_, cursor)| json!({ "query": PAGE_QUERY, "variables": { "after": cursor } }))
        .collect();
    // One request at a time, to see whether a page costs more the deeper it is.
    let top = json!({ "query": PAGE_QUERY, "variables": { "after": null } });
    println!("first page alone: {}", solo(&client, &top).await);
    for ((position, _), page) in cursors.iter().zip(&pages) {
        println!("page after position {position} alone: {}", solo(&client, page).await);
    }
    let pages = pages.iter().map(|page| Bytes::from(page.to_string())).collect();
    let stats = measure(&client, pages, seconds).await;
    stats.print("deep pagination members(first: 50, after: <cursor at 5%…95%>)", seconds);

    // c. A page with each member's roles and groups (loaded for the page at once).
    let related = json!({ "query": RELATED_QUERY, "variables": { "after": cursors[3].1 } });
    println!("page with roles and groups alone: {}", solo(&client, &related).await);
    let stats = measure(&client, vec![Bytes::from(related.to_string())], seconds).await;
    stats.print(
        "page with roles and groups members(first: 50, after: <cursor at 50%>)",
        seconds,
    );

    // d. Exports of every member, streamed.
    for format in ["CSV", "XLSX"] {
        export_all(&client, format, members).await;
    }

    // Bulk deactivation of a group holding half the members, 1,000 of them signed in.
    deactivate_half(&app, &client, &ids).await;

    served.stop().await;
    if keep {
        match &postgres {
            Some((name, _)) => println!("kept database {name}"),
            None => println!("kept {}", dir.keep().join("bench.db").display()),
        }
    } else if let (Some((name, _)), Some(server)) = (&postgres, &database) {
        app.db.close().await.unwrap();
        support::drop_postgres(server, name).await;
    }
}

/// Latency of one request with nothing else running: min and median of 7, after a warm-up.
async fn solo(client: &Client, body: &Value) -> String {
    let mut times = Vec::new();
    for _ in 0..8 {
        let started = Instant::now();
        let answer = client.graphql(body).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(answer.get("errors").is_none(), "{answer}");
    }
    times.remove(0);
    times.sort_by(f64::total_cmp);
    format!("min {:.2} ms, median {:.2} ms", times[0], times[times.len() / 2])
}

/// `exportMembers` of everyone in `format`, then its link fetched chunk by chunk: time
/// to the first and last byte, size, and the peak memory of this process (server and
/// client) meanwhile.
async fn export_all(client: &Client, format: &str, members: usize) {
    support::reset_peak();
    let started = Instant::now();
    let query = format!("{{ exportMembers(format: {format}) {{ url }} }}");
    let answer = client.graphql(&json!({ "query": query })).await;
    let url = answer["data"]["exportMembers"]["url"].as_str().expect("a link");
    let path = url::Url::parse(url).unwrap().path().to_owned();
    let mut response = client
        .http
        .get(format!("http://{}{path}", client.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let (mut bytes, mut first) = (0usize, None);
    while let Some(chunk) = response.chunk().await.unwrap() {
        first.get_or_insert_with(|| started.elapsed().as_secs_f64());
        bytes += chunk.len();
    }
    println!(
        "exportMembers({format}) of {members} members: {:.1} s (first byte after {:.2} s), {:.1} MB; peak memory {:.0} MB",
        started.elapsed().as_secs_f64(),
        first.unwrap_or_default(),
        bytes as f64 / 1e6,
        support::peak_mb(),
    );
}

/// Walks the whole default order 500 at a time, keeping the cursor after each position asked.
async fn collect_cursors(client: &Client, positions: &[usize]) -> Vec<(usize, String)> {
    let mut cursors = Vec::new();
    let mut after: Option<String> = None;
    let mut seen = 0;
    for &position in positions {
        while seen < position {
            let answer = client
                .graphql(&json!({ "query": WALK_QUERY, "variables": { "after": after } }))
                .await;
            after = Some(
                answer["data"]["members"]["pageInfo"]["endCursor"]
                    .as_str()
                    .unwrap_or_else(|| panic!("walking the list: {answer}"))
                    .to_owned(),
            );
            seen += 500;
        }
        cursors.push((seen, after.clone().unwrap()));
    }
    cursors
}

async fn deactivate_half(app: &App, client: &Client, ids: &[Uuid]) {
    let tenant = app.tenants.get(SLUG).unwrap();
    let answer = client
        .graphql(&json!({ "query": r#"mutation { createGroup(input: {name: "Half"}) { id } }"# }))
        .await;
    let group: Uuid = answer["data"]["createGroup"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createGroup: {answer}"))
        .parse()
        .unwrap();
    // Every other seeded member (never the admin) joins the group.
    let half: Vec<Uuid> = ids.iter().copied().step_by(2).collect();
    let now = Utc::now();
    let txn = app.db.begin().await.unwrap();
    for chunk in half.chunks(CHUNK) {
        let rows = chunk.iter().map(|member| group_members::ActiveModel {
            group_id: Set(group),
            member_id: Set(*member),
            tenant: Set(SLUG.to_owned()),
            added_at: Set(now),
        });
        group_members::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();

    let mut sessions = Vec::with_capacity(SESSIONS);
    for member in half.iter().step_by(half.len() / SESSIONS).take(SESSIONS) {
        let opened = roster::auth::open_session(app, &tenant, *member, false).await.unwrap();
        sessions.push(opened.token_hash);
    }
    let live = live_sessions(app, &sessions).await;

    let started = Instant::now();
    let answer = client
        .graphql(&json!({
            "query": r#"mutation { deactivateMembers(selection: {filter: {groupName: "Half"}}) { matched changed } }"#
        }))
        .await;
    let elapsed = started.elapsed();
    let result = &answer["data"]["deactivateMembers"];
    if result.is_null() {
        println!("deactivateMembers failed: {answer}");
        return;
    }
    println!(
        "deactivateMembers(groupName: \"Half\"): {:.0} ms; matched {}, changed {}",
        elapsed.as_secs_f64() * 1000.0,
        result["matched"],
        result["changed"],
    );
    let still = live_sessions(app, &sessions).await;
    println!(
        "sessions of deactivated members: {live} of {} live before, {still} still resolve after{}",
        sessions.len(),
        if still == 0 { " (ok)" } else { " (NOT ENDED)" }
    );
}

/// How many of these session hashes still resolve (touching them, as a request would).
async fn live_sessions(app: &App, hashes: &[String]) -> usize {
    let tenant = app.tenants.get(SLUG).unwrap();
    let mut live = 0;
    for hash in hashes {
        if app
            .sessions
            .touch(SLUG, hash, tenant.accounts.session_idle)
            .await
            .unwrap()
            .is_some()
        {
            live += 1;
        }
    }
    live
}

/// Where and as whom requests go.
#[derive(Clone)]
struct Client {
    addr: SocketAddr,
    authorization: Arc<String>,
    http: reqwest::Client,
}

impl Client {
    fn new(addr: SocketAddr, token: String) -> Self {
        Client {
            addr,
            authorization: Arc::new(format!("Bearer {token}")),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(600))
                .build()
                .unwrap(),
        }
    }

    /// One request outside the timed runs; the parsed answer.
    async fn graphql(&self, body: &Value) -> Value {
        self.http
            .post(format!("http://{}/t/{SLUG}/graphql", self.addr))
            .header("content-type", "application/json")
            .header("authorization", self.authorization.as_str())
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

struct Stats {
    histogram: Histogram<u64>,
    failures: u64,
    elapsed: f64,
}

impl Stats {
    fn print(&self, what: &str, seconds: u64) {
        println!(
            "{what}: {:.0} requests/s over {CONNECTIONS} connections for {seconds}s; p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} failed",
            self.histogram.len() as f64 / self.elapsed,
            self.histogram.value_at_quantile(0.50) as f64 / 1000.0,
            self.histogram.value_at_quantile(0.99) as f64 / 1000.0,
            self.histogram.max() as f64 / 1000.0,
            self.failures,
        );
    }
}

/// Sends the bodies in rotation over CONNECTIONS keep-alive connections for `seconds`.
async fn measure(client: &Client, bodies: Vec<Bytes>, seconds: u64) -> Stats {
    let bodies = Arc::new(bodies);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..CONNECTIONS)
        .map(|n| tokio::spawn(drive(client.clone(), bodies.clone(), n, deadline)))
        .collect();
    let started = Instant::now();
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    let mut failures = 0u64;
    for worker in workers {
        let (h, f) = worker.await.unwrap();
        histogram.add(h).unwrap();
        failures += f;
    }
    Stats {
        histogram,
        failures,
        elapsed: started.elapsed().as_secs_f64(),
    }
}

/// One keep-alive connection sending requests back to back until the deadline.
async fn drive(client: Client, bodies: Arc<Vec<Bytes>>, offset: usize, deadline: Instant) -> (Histogram<u64>, u64) {
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    let mut failures = 0;
    let stream = tokio::net::TcpStream::connect(client.addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut next = offset;
    while Instant::now() < deadline {
        let body = bodies[next % bodies.len()].clone();
        next += 1;
        let request = Request::post(format!("/t/{SLUG}/graphql"))
            .header("host", SLUG)
            .header("content-type", "application/json")
            .header("authorization", client.authorization.as_str())
            .body(Full::new(body))
            .unwrap();
        let sent = Instant::now();
        let response = sender.send_request(request).await.unwrap();
        let ok = response.status() == hyper::StatusCode::OK;
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let elapsed = sent.elapsed();
        let answer: Option<Value> = serde_json::from_slice(&bytes).ok();
        if ok && answer.is_some_and(|a| a.get("errors").is_none() && a.get("data").is_some_and(|d| !d.is_null())) {
            histogram.record(elapsed.as_micros() as u64).unwrap();
        } else {
            failures += 1;
        }
    }
    (histogram, failures)
}
