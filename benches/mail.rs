//! `inviteMembers` with 10,000 addresses (the emails are only queued), then the worker
//! delivering them to a local SMTP server through the connection pool. On the embedded
//! default, and on PostgreSQL + Redis when ROSTER_BENCH_DATABASE_URL and
//! ROSTER_BENCH_REDIS_URL are set. `cargo bench --bench mail` (ROSTER_BENCH_INVITES to change the count).

mod support;

// Shared with the tests, which use more of it.
#[allow(dead_code)]
#[path = "../tests/api/support/smtp.rs"]
mod smtp;

use std::time::Instant;

use roster::app::App;
use roster::config::{EnvOverrides, Settings, TenantRegistry};
use serde_json::json;

const TENANT: &str = r#"
name = "Bench"
default_locale = "fr"
locales = ["fr", "en"]
[roles.admin]
permissions = ["*"]
[roles.member]
default = true
"#;

fn main() {
    roster::allocator::configure();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let count: usize = std::env::var("ROSTER_BENCH_INVITES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10_000);
        run("embedded (SQLite)", None, None, count).await;
        match (
            std::env::var("ROSTER_BENCH_DATABASE_URL"),
            std::env::var("ROSTER_BENCH_REDIS_URL"),
        ) {
            (Ok(db), Ok(redis)) => run("PostgreSQL + Redis", Some(db), Some(redis), count).await,
            _ => println!("(set ROSTER_BENCH_DATABASE_URL and ROSTER_BENCH_REDIS_URL for the PostgreSQL + Redis run)"),
        }
    });
}

async fn run(label: &str, database: Option<String>, redis: Option<String>, count: usize) {
    let mail = smtp::MailServer::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tenants")).unwrap();
    std::fs::write(dir.path().join("tenants/bench.toml"), TENANT).unwrap();
    let database_url = match database {
        Some(server) => support::fresh_postgres(&server).await.1,
        None => format!("sqlite://{}/bench.db?mode=rwc", dir.path().display()),
    };
    let settings = Settings {
        data_dir: dir.path().join("data"),
        database_url,
        smtp_url: Some(mail.url()),
        redis_prefix: format!("rosterbench:{}:", uuid::Uuid::new_v4().simple()),
        redis_url: redis,
        ..Settings::default()
    };
    let tenants = TenantRegistry::load(dir.path(), EnvOverrides::None).unwrap();
    let app = App::start(settings, tenants).await.unwrap();
    support::create_admin(&app, "bench").await;
    let served = support::serve(app.clone()).await;
    let addr = served.addr;
    let client = reqwest::Client::new();
    let endpoint = format!("http://{addr}/t/bench/graphql");
    let login =
        json!({ "query": "mutation { login(identifier: \"bench\", password: \"bench-password-1\") { token } }" });
    let answer: serde_json::Value = client
        .post(&endpoint)
        .json(&login)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = answer["data"]["login"]["token"].as_str().unwrap().to_owned();

    let emails: Vec<String> = (0..count).map(|i| format!("invitee{i}@example.org")).collect();
    let invite = json!({
        "query": "mutation($e: [String!]!) { inviteMembers(input: {emails: $e, message: \"Bienvenue !\"}) { invitations { id } } }",
        "variables": { "e": [emails.join("\n")] },
    });
    let started = Instant::now();
    let answer: serde_json::Value = client
        .post(&endpoint)
        .bearer_auth(&token)
        .json(&invite)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let invite_time = started.elapsed();
    let created = answer["data"]["inviteMembers"]["invitations"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert_eq!(created, count, "{answer}");

    let started = Instant::now();
    let mut delivered = 0;
    while delivered < count {
        let pass = roster::jobs::run_once(&app).await.unwrap();
        if pass.delivered == 0 {
            break;
        }
        delivered += pass.delivered;
    }
    let deliver_time = started.elapsed();
    let received = mail.messages().len();
    println!(
        "{label}: inviteMembers({count}) answered in {:.2} s; worker delivered {received} emails in {:.2} s = {:.0} emails/s",
        invite_time.as_secs_f64(),
        deliver_time.as_secs_f64(),
        received as f64 / deliver_time.as_secs_f64(),
    );
    served.stop().await;
}
