//! The `roster` binary: check-config, create-admin, and serve with bootstrap,
//! SIGHUP reload and SIGTERM shutdown.

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{error_code, TestApp, ACME, LOGIN};

fn roster(config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roster"));
    cmd.arg("--config").arg(config);
    // CI's ROSTER_TEST_* variables are not settings, but keep the child's config to the files.
    for (key, _) in std::env::vars() {
        if key.starts_with("ROSTER_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn write_config(dir: &Path, roster_toml: &str, tenants: &[(&str, &str)]) {
    std::fs::create_dir_all(dir.join("tenants")).unwrap();
    std::fs::write(dir.join("roster.toml"), roster_toml).unwrap();
    for (slug, toml) in tenants {
        std::fs::write(dir.join("tenants").join(format!("{slug}.toml")), toml).unwrap();
    }
}

#[test]
fn check_config_accepts_the_shipped_configuration() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let out = roster(&shipped).arg("check-config").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("demo"));
}

#[test]
fn check_config_lists_every_problem_with_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let bad_types = "name = \"Bad\"\ndefault_locale = \"en\"\n[accounts]\npassword_min_length = \"long\"\n";
    let bad_keys = "name = \"Worse\"\ndefault_locale = \"en\"\nregistraton = \"open\"\n";
    let bad_roles = "name = \"Roles\"\ndefault_locale = \"en\"\n[roles.admin]\npermissions = [\"members.fly\"]\nassignable = [\"ghost\"]\n";
    write_config(
        dir.path(),
        "",
        &[
            ("bad", bad_types),
            ("worse", bad_keys),
            ("roles", bad_roles),
            ("good", ACME),
        ],
    );
    let out = roster(dir.path()).arg("check-config").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("accounts.password_min_length"),
        "{stderr}"
    );
    assert!(
        stderr.contains("worse.toml") && stderr.contains("registraton"),
        "{stderr}"
    );
    // Every validation problem of a file that parses, not just the first.
    assert!(
        stderr.contains("roles.toml: roles.admin.permissions") && stderr.contains("members.fly"),
        "{stderr}"
    );
    assert!(
        stderr.contains("roles.toml: roles.admin.assignable") && stderr.contains("ghost"),
        "{stderr}"
    );
    assert!(!stderr.contains("good.toml"), "{stderr}");
}

#[test]
fn check_config_refuses_a_bad_sender_contact_or_time_zone() {
    let dir = tempfile::tempdir().unwrap();
    let sender =
        "name = \"Amis\"\ndefault_locale = \"fr\"\nmail_from = \"Amis <membres>\"\ncontact_email = \"bureau\"\n";
    let zone = "name = \"Zone\"\ndefault_locale = \"fr\"\ntime_zone = \"Europe/Pariss\"\n";
    write_config(dir.path(), "", &[("sender", sender), ("zone", zone), ("good", ACME)]);
    let out = roster(dir.path()).arg("check-config").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "sender.toml: mail_from: \"Amis <membres>\" is not a sender such as",
        "sender.toml: contact_email: \"bureau\": an address needs an @",
        "zone.toml: time_zone: unknown time zone \"Europe/Pariss\"",
    ] {
        assert!(stderr.contains(expected), "{expected} in {stderr}");
    }
    assert!(!stderr.contains("good.toml"), "{stderr}");
}

#[test]
fn a_bad_server_setting_names_its_key() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "[jobs]\npoll_interval = \"soon\"\n", &[("good", ACME)]);
    let out = roster(dir.path()).arg("check-config").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("roster.toml") && stderr.contains("jobs.poll_interval"),
        "{stderr}"
    );
}

#[test]
fn check_config_refuses_service_urls_serve_cannot_follow() {
    let dir = tempfile::tempdir().unwrap();
    let settings = "database_url = \"postgres://db.internal/roster?sslmode=verify_full\"\n\
                    redis_url = \"foo://cache.internal:6379/0\"\n\
                    smtp_url = \"smtpx://mail.internal\"\n\
                    tls_ca_file = \"/nonexistent/ca.pem\"\n";
    write_config(dir.path(), settings, &[("good", ACME)]);
    let out = roster(dir.path()).arg("check-config").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "roster.toml: database_url: is not a PostgreSQL URL Roster can use",
        "roster.toml: redis_url: must be a redis://, rediss:// (TLS) or unix:// URL",
        "roster.toml: smtp_url: must be smtp:// (plain)",
        "roster.toml: tls_ca_file: /nonexistent/ca.pem cannot be read",
    ] {
        assert!(stderr.contains(expected), "{expected} in {stderr}");
    }
}

#[test]
fn check_config_accepts_tls_to_every_service() {
    let dir = tempfile::tempdir().unwrap();
    let ca = support::tls::TestCa::new(dir.path(), "private");
    let settings = format!(
        "database_url = \"postgres://roster@db.internal/roster?sslmode=verify-full\"\n\
         redis_url = \"rediss://cache.internal:6380/0\"\n\
         smtp_url = \"smtps://mail.internal\"\n\
         tls_ca_file = \"{}\"\n",
        ca.ca_file.display()
    );
    write_config(dir.path(), &settings, &[("good", ACME)]);
    let out = roster(dir.path()).arg("check-config").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn print_schema_prints_the_schema() {
    let out = Command::new(env!("CARGO_BIN_EXE_roster"))
        .arg("print-schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), roster::graphql::schema_sdl());
}

#[tokio::test]
async fn create_admin_prints_a_generated_password_or_takes_one() {
    let t = TestApp::start().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = format!(
        "database_url = \"{}\"\ndata_dir = \"{}\"\n",
        t.database_url,
        dir.path().join("data").display()
    );
    write_config(dir.path(), &settings, &[("acme", ACME)]);

    let out = roster(dir.path())
        .args(["create-admin", "--tenant", "acme", "--email", "chief@acme.example"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Password: "))
        .expect("password printed")
        .trim()
        .to_owned();
    let answer = t
        .gql("acme", None, LOGIN, json!({ "i": "chief@acme.example", "p": password }))
        .await;
    assert_eq!(answer["data"]["login"]["mustChangePassword"], true, "{answer}");
    assert_eq!(answer["data"]["login"]["member"]["login"], "chief");

    let out = roster(dir.path())
        .args([
            "create-admin",
            "--tenant",
            "acme",
            "--email",
            "second@acme.example",
            "--password",
            "chosen-by-me-123",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Password:"));
    let answer = t
        .gql("acme", None, LOGIN, json!({ "i": "second", "p": "chosen-by-me-123" }))
        .await;
    assert_eq!(answer["data"]["login"]["mustChangePassword"], false, "{answer}");

    // Refusals: an existing address, a short password, an unknown tenant.
    for args in [
        vec!["--tenant", "acme", "--email", "chief@acme.example"],
        vec![
            "--tenant",
            "acme",
            "--email",
            "third@acme.example",
            "--password",
            "short",
        ],
        vec!["--tenant", "nope", "--email", "x@acme.example"],
    ] {
        let out = roster(dir.path()).arg("create-admin").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn serve_bootstraps_reloads_on_sighup_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let database_url = support::fresh_database_url(dir.path()).await;
    let settings = format!(
        "listen = \"127.0.0.1:{port}\"\ndatabase_url = \"{database_url}\"\ndata_dir = \"{}\"\noutbox_dir = \"{}\"\n",
        dir.path().join("data").display(),
        dir.path().join("outbox").display()
    );
    let acme = format!("{ACME}\n[bootstrap]\nadmin_email = \"first@acme.example\"\n");
    write_config(dir.path(), &settings, &[("acme", &acme)]);
    let mut child = roster(dir.path())
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // The log up to the banner's line for the tenant: the first admin's password,
    // then where the tenant is served.
    let log = tokio::task::spawn_blocking(move || {
        let mut log = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let done = line.contains("tenant acme:");
            log.push(line);
            if done {
                break;
            }
        }
        log
    })
    .await
    .unwrap();
    let password = log
        .iter()
        .find_map(|line| line.split("with password: ").nth(1).map(|p| p.trim().to_owned()))
        .expect("bootstrap password printed once");
    let console = format!("console at http://127.0.0.1:{port}/t/acme/admin");
    assert!(
        log.last().is_some_and(|line| line.contains(&console)),
        "the banner says where the console is: {log:?}"
    );
    assert!(
        log.iter().all(|line| !line.contains('\x1b')),
        "no colour codes in a log that is not a terminal: {log:?}"
    );

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let gql = |tenant: &str, body: serde_json::Value| {
        let request = client.post(format!("{base}/t/{tenant}/graphql")).json(&body);
        async move {
            match request.send().await {
                Ok(r) => r.json::<serde_json::Value>().await.unwrap_or_default(),
                Err(_) => serde_json::Value::Null,
            }
        }
    };
    wait_for("the server", || async {
        client.get(format!("{base}/healthz")).send().await.is_ok()
    })
    .await;
    let login = gql(
        "acme",
        json!({ "query": LOGIN, "variables": { "i": "first@acme.example", "p": password } }),
    )
    .await;
    assert_eq!(login["data"]["login"]["mustChangePassword"], true, "{login}");

    // A new tenant file and SIGHUP: it is served.
    std::fs::write(dir.path().join("tenants/beta.toml"), ACME.replace("Acme Co-op", "Beta")).unwrap();
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    let tenant_name = json!({ "query": "{ tenant { name } }" });
    wait_for("beta to load", || {
        let f = gql("beta", tenant_name.clone());
        async move { f.await["data"]["tenant"]["name"] == "Beta" }
    })
    .await;

    // A broken edit is rejected; the previous configuration stays.
    std::fs::write(
        dir.path().join("tenants/acme.toml"),
        "name = \"Broken\"\nnot_a_key = 1\n",
    )
    .unwrap();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let answer = gql("acme", tenant_name.clone()).await;
    assert_eq!(answer["data"]["tenant"]["name"], "Acme Co-op", "{answer}");
    let unknown = gql("gamma", tenant_name.clone()).await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"));

    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status}");
}

#[tokio::test]
async fn sigterm_ends_the_process_in_time_while_a_mail_server_hangs_and_the_mail_waits() {
    // Accepts connections (the kernel completes them) and never greets.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let database_url = support::fresh_database_url(dir.path()).await;
    let settings = format!(
        "listen = \"127.0.0.1:{port}\"\ndatabase_url = \"{database_url}\"\ndata_dir = \"{}\"\n\
         smtp_url = \"smtp://{}\"\n[jobs]\npoll_interval = \"200ms\"\nsend_timeout = \"60s\"\n",
        dir.path().join("data").display(),
        silent.local_addr().unwrap()
    );
    let acme = format!("{ACME}\n[bootstrap]\nadmin_email = \"first@acme.example\"\n");
    write_config(dir.path(), &settings, &[("acme", &acme)]);
    let mut child = roster(dir.path())
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    wait_for("the server", || async {
        client.get(format!("{base}/healthz")).send().await.is_ok()
    })
    .await;
    let reset = json!({ "query": "mutation { requestPasswordReset(identifier: \"first@acme.example\") }" });
    let answer: serde_json::Value = client
        .post(format!("{base}/t/acme/graphql"))
        .json(&reset)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["data"]["requestPasswordReset"], true, "{answer}");

    // The worker claims the message and hangs on the silent server.
    let db = roster::app::connect_database(&database_url, 1, None).await.unwrap();
    use sea_orm::{ActiveEnum, EntityTrait};
    wait_for("the send to start", || {
        let db = db.clone();
        async move {
            entity::outbox::Entity::find()
                .all(&db)
                .await
                .unwrap()
                .iter()
                .any(|m| m.attempts >= 1)
        }
    })
    .await;
    let pid = child.id().to_string();
    let asked = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status}");
    assert!(
        asked.elapsed() < Duration::from_secs(15),
        "stopped in {:?} although a send hangs for up to 60 s",
        asked.elapsed()
    );
    let waiting = entity::outbox::Entity::find().all(&db).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        waiting[0].status.to_value(),
        "queued",
        "cut off, not lost: {:?}",
        waiting[0]
    );
}
