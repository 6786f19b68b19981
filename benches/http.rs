//! Request throughput: `{ me { id } }` with a valid session over 64 keep-alive
//! connections, on the embedded default (SQLite + in-process store) and, when
//! ROSTER_BENCH_DATABASE_URL and ROSTER_BENCH_REDIS_URL are set, on PostgreSQL + Redis.
//!
//! `cargo bench --bench http` (ROSTER_BENCH_SECONDS, ROSTER_BENCH_CONNECTIONS to change the run).

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use roster::app::App;
use roster::config::{EnvOverrides, Settings, TenantRegistry};

const TENANT: &str = r#"
name = "Bench"
default_locale = "en"
[roles.admin]
permissions = ["*"]
"#;

fn main() {
    roster::allocator::configure();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let seconds = support::env_or("ROSTER_BENCH_SECONDS", 10);
        let connections = support::env_or("ROSTER_BENCH_CONNECTIONS", 64) as usize;
        run("embedded (SQLite + in-process store)", None, None, seconds, connections).await;
        match (
            std::env::var("ROSTER_BENCH_DATABASE_URL"),
            std::env::var("ROSTER_BENCH_REDIS_URL"),
        ) {
            (Ok(db), Ok(redis)) => run("PostgreSQL + Redis", Some(db), Some(redis), seconds, connections).await,
            _ => println!("(set ROSTER_BENCH_DATABASE_URL and ROSTER_BENCH_REDIS_URL for the PostgreSQL + Redis run)"),
        }
    });
}

async fn run(label: &str, database: Option<String>, redis: Option<String>, seconds: u64, connections: usize) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tenants")).unwrap();
    std::fs::write(dir.path().join("tenants/bench.toml"), TENANT).unwrap();
    let database_url = match database {
        Some(server) => support::fresh_postgres(&server).await.1,
        None => format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
    };
    let mut settings = Settings {
        data_dir: dir.path().join("data"),
        database_url,
        ..Settings::default()
    };
    if let Some(redis) = redis {
        settings.redis_url = Some(redis);
        settings.redis_prefix = format!("rosterbench:{}:", uuid::Uuid::new_v4().simple());
    }
    let tenants = TenantRegistry::load(dir.path(), EnvOverrides::None).unwrap();
    let app = App::start(settings, tenants).await.unwrap();
    support::create_admin(&app, "bench").await;

    let served = support::serve(app.clone()).await;
    let addr = served.addr;
    let token = support::login(addr, "bench").await;

    let body = Bytes::from_static(br#"{"query":"{ me { id } }"}"#);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let token = Arc::new(token);
    let workers: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(drive(addr, token.clone(), body.clone(), deadline)))
        .collect();
    let started = Instant::now();
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    let mut failures = 0u64;
    for worker in workers {
        let (h, f) = worker.await.unwrap();
        histogram.add(h).unwrap();
        failures += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{label}: {:.0} requests/s over {connections} connections for {seconds}s; p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {failures} failed",
        histogram.len() as f64 / elapsed,
        histogram.value_at_quantile(0.50) as f64 / 1000.0,
        histogram.value_at_quantile(0.99) as f64 / 1000.0,
        histogram.max() as f64 / 1000.0,
    );
    served.stop().await;
}

/// One keep-alive connection sending requests back to back until the deadline.
async fn drive(addr: SocketAddr, token: Arc<String>, body: Bytes, deadline: Instant) -> (Histogram<u64>, u64) {
    let mut histogram = Histogram::<u64>::new(3).unwrap();
    let mut failures = 0;
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let authorization = format!("Bearer {token}");
    while Instant::now() < deadline {
        let request = Request::post("/t/bench/graphql")
            .header("host", "bench")
            .header("content-type", "application/json")
            .header("authorization", &authorization)
            .body(Full::new(body.clone()))
            .unwrap();
        let sent = Instant::now();
        let response = sender.send_request(request).await.unwrap();
        let ok = response.status().is_success();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        if ok && bytes.starts_with(br#"{"data":{"me":{"id""#) {
            histogram.record(sent.elapsed().as_micros() as u64).unwrap();
        } else {
            failures += 1;
        }
    }
    (histogram, failures)
}
