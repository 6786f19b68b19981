//! TLS to every service, each against a server of the test's own that holds a
//! certificate from a throw-away CA (tests/api/support/tls.rs): redis-server with only a
//! --tls-port, a PostgreSQL cluster with ssl=on that rejects plain connections, and
//! SMTP servers with STARTTLS and with implicit TLS. Roster trusts the CA through
//! `tls_ca_file`; without it (or with another CA) each service is refused.

use crate::support;

use std::path::PathBuf;

use roster::tls::ExtraRoots;
use sea_orm::{ActiveEnum, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, Statement};
use serde_json::json;
use support::smtp::MailServer;
use support::tls::{TestCa, TlsPostgres, TlsRedis};
use support::{error_code, TestApp, ACME, LOGIN};

const INVITE: &str = "mutation($e: [String!]!) { inviteMembers(input: {emails: $e}) { invitations { id } } }";

/// An app whose Redis is `redis` and which trusts `ca_file` (or only the public roots).
async fn app_on_redis(redis: &TlsRedis, ca_file: Option<PathBuf>) -> TestApp {
    let url = redis.url();
    TestApp::with(&[("acme", ACME)], move |s| {
        s.redis_url = Some(url);
        s.redis_prefix = "rostertls:".into();
        s.tls_ca_file = ca_file;
    })
    .await
}

#[tokio::test]
async fn sessions_live_in_redis_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "redis");
    let Some(redis) = TlsRedis::start(&ca, dir.path()) else {
        return;
    };
    let t = app_on_redis(&redis, Some(ca.ca_file.clone())).await;

    let token = t.admin_token("acme", "admin@acme.example").await;
    let me = t.ok("acme", &token, "{ me { login } }", json!({})).await;
    assert_eq!(me["me"]["login"], "admin");
    let ready = t.client().get(t.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    // The session is in that Redis, which has no plain port: it went over TLS.
    let roots = ExtraRoots::load(&ca.ca_file).unwrap();
    let client = redis::Client::build_with_tls(
        redis.url(),
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(roots.pem().to_vec()),
        },
    )
    .unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("rostertls:s:acme:*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");

    t.ok("acme", &token, "mutation { logout }", json!({})).await;
    let after = t.gql("acme", Some(&token), "{ me { id } }", json!({})).await;
    assert!(after["data"]["me"].is_null(), "{after}");
}

#[tokio::test]
async fn redis_with_a_certificate_from_an_unknown_ca_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "redis");
    let other = TestCa::new(dir.path(), "other");
    let Some(redis) = TlsRedis::start(&ca, dir.path()) else {
        return;
    };

    for trusted in [None, Some(other.ca_file.clone())] {
        let t = app_on_redis(&redis, trusted.clone()).await;
        let tenant = t.app.tenants.get("acme").unwrap();
        let password = Some("correct-horse-battery".to_owned());
        roster::members::create_admin(
            &t.app.db,
            &tenant,
            "admin@acme.example",
            password,
            roster::members::Origin::Manual,
        )
        .await
        .unwrap();
        let login = t
            .gql(
                "acme",
                None,
                LOGIN,
                json!({ "i": "admin", "p": "correct-horse-battery" }),
            )
            .await;
        assert_eq!(error_code(&login), Some("SERVICE_UNAVAILABLE"), "{trusted:?}: {login}");
        let ready = t.client().get(t.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 503, "{trusted:?}");
        let error = t.app.sessions.ping().await.unwrap_err().to_string();
        assert!(
            error.contains("invalid peer certificate: UnknownIssuer"),
            "{trusted:?}: {error}"
        );
    }
}

/// An app sending mail to `smtp_url`, trusting `ca_file`; invites `guest@example.org`
/// and runs the worker once.
async fn invite_through(smtp_url: String, ca_file: Option<PathBuf>) -> TestApp {
    let t = TestApp::with(&[("acme", ACME)], move |s| {
        s.smtp_url = Some(smtp_url);
        s.tls_ca_file = ca_file;
    })
    .await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    t.ok("acme", &admin, INVITE, json!({ "e": ["guest@example.org"] }))
        .await;
    roster::jobs::run_once(&t.app).await.expect("jobs pass");
    t
}

/// The guest's invitation reached the sink once, with its link.
fn assert_invitation_arrived(mail: &MailServer) {
    let received = mail.to("guest@example.org");
    assert_eq!(received.len(), 1, "{:?}", mail.messages());
    assert!(
        received[0].text.contains("invitations/accept?token="),
        "{}",
        received[0].text
    );
}

#[tokio::test]
async fn mail_goes_out_over_starttls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "smtp");
    let mail = MailServer::start_starttls(&ca.cert_file, &ca.key_file);
    let url = format!("smtp://localhost:{}?tls=required", mail.port);
    let _t = invite_through(url, Some(ca.ca_file.clone())).await;
    assert_invitation_arrived(&mail);
}

#[tokio::test]
async fn mail_goes_out_over_implicit_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "smtps");
    let mail = MailServer::start_implicit_tls(&ca.cert_pem, &ca.key_pem);
    let url = format!("smtps://localhost:{}", mail.port);
    let _t = invite_through(url, Some(ca.ca_file.clone())).await;
    assert_invitation_arrived(&mail);
}

#[tokio::test]
async fn smtp_with_a_certificate_from_an_unknown_ca_is_refused_and_mail_waits() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "smtp");
    let starttls = MailServer::start_starttls(&ca.cert_file, &ca.key_file);
    let implicit = MailServer::start_implicit_tls(&ca.cert_pem, &ca.key_pem);
    for (mail, url) in [
        (&starttls, format!("smtp://localhost:{}?tls=required", starttls.port)),
        (&implicit, format!("smtps://localhost:{}", implicit.port)),
    ] {
        let t = invite_through(url.clone(), None).await;
        assert!(mail.messages().is_empty(), "{url}");
        let queued = entity::outbox::Entity::find().all(&t.app.db).await.unwrap();
        assert_eq!(queued.len(), 1, "{url}");
        assert_eq!(queued[0].status.to_value(), "queued", "{url}");
        let error = queued[0].last_error.clone().unwrap_or_default();
        assert!(
            error.contains("invalid peer certificate: UnknownIssuer"),
            "{url}: {error}"
        );
    }
}

#[tokio::test]
async fn postgres_verify_full_runs_migrations_and_queries_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "pg");
    let Some(pg) = TlsPostgres::start(&ca, dir.path()) else {
        return;
    };
    let url = pg.url("sslmode=verify-full");
    let ca_file = ca.ca_file.clone();
    let t = TestApp::with(&[("acme", ACME)], move |s| {
        s.database_url = url;
        s.tls_ca_file = Some(ca_file);
    })
    .await;

    // Migrations ran at start; the API reads and writes through them.
    let admin = t.admin_token("acme", "admin@acme.example").await;
    t.create_member(
        "acme",
        &admin,
        json!({ "firstName": "Tess", "lastName": "Tls", "email": "tess@example.org" }),
    )
    .await;
    let listed = t
        .ok("acme", &admin, "{ members(first: 10) { totalCount } }", json!({}))
        .await;
    assert_eq!(listed["members"]["totalCount"], 2, "{listed}");
    assert_eq!(entity::members::Entity::find().count(&t.app.db).await.unwrap(), 2);
    let ssl = t
        .app
        .db
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(ssl.try_get::<bool>("", "ssl").unwrap(), "the connection is encrypted");

    // The CA may also be named in the URL; sslmode=require encrypts without checking.
    let ca_in_url = pg.url(&format!("sslmode=verify-full&sslrootcert={}", ca.ca_file.display()));
    let require = pg.url("sslmode=require");
    for url in [ca_in_url, require] {
        let db = roster::app::connect_database(&url, 2, None).await;
        let db = db.unwrap_or_else(|e| panic!("{url}: {e:?}"));
        db.execute_unprepared("SELECT 1").await.unwrap();
    }
}

#[tokio::test]
async fn postgres_verify_full_refuses_an_unknown_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path(), "pg");
    let other = TestCa::new(dir.path(), "other");
    let Some(pg) = TlsPostgres::start(&ca, dir.path()) else {
        return;
    };
    let verify_full = pg.url("sslmode=verify-full");

    let other_roots = ExtraRoots::load(&other.ca_file).unwrap();
    for roots in [None, Some(&other_roots)] {
        let refused = roster::app::connect_database(&verify_full, 2, roots).await;
        let error = format!("{:?}", refused.expect_err("refused"));
        assert!(error.contains("invalid peer certificate: UnknownIssuer"), "{error}");
    }
    // The right CA opens it, and the server takes nothing in the clear.
    let roots = ExtraRoots::load(&ca.ca_file).unwrap();
    let db = roster::app::connect_database(&verify_full, 2, Some(&roots))
        .await
        .unwrap();
    db.execute_unprepared("SELECT 1").await.unwrap();
    let plain = roster::app::connect_database(&pg.url("sslmode=disable"), 2, Some(&roots)).await;
    assert!(plain.is_err(), "hostnossl connections are rejected");
}
