//! The shared harness: a real server on a loopback port with its own database
//! (SQLite file, or a fresh PostgreSQL database when ROSTER_TEST_DATABASE_URL is set)
//! and its own Redis key prefix (when ROSTER_TEST_REDIS_URL is set).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub mod browser;
pub mod client;
pub mod console;
pub mod groups;
pub mod imports;
pub mod smtp;
pub mod tenants;
pub mod tls;

pub use tenants::{ACME, COOP};

use poem::listener::TcpListener;
use roster::app::App;
use roster::config::{EnvOverrides, Settings, TenantRegistry};
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub struct TestApp {
    pub addr: SocketAddr,
    pub app: App,
    pub config_dir: PathBuf,
    pub database_url: String,
    client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    served: Option<Served>,
    _dir: tempfile::TempDir,
}

/// Where this test's data goes: a new PostgreSQL database, or a SQLite file in `dir`.
pub async fn fresh_database_url(dir: &Path) -> String {
    match std::env::var("ROSTER_TEST_DATABASE_URL") {
        Ok(server_url) => {
            use sea_orm::ConnectionTrait;
            let name = format!("roster_test_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(&server_url)
                .await
                .expect("connect to test PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let base = server_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&server_url);
            format!("{base}/{name}")
        }
        Err(_) => format!("sqlite://{}/roster.db?mode=rwc", dir.display()),
    }
}

/// Settings for a test: its own database and Redis prefix, mail into the temp dir.
pub fn test_settings(dir: &Path, database_url: &str) -> Settings {
    let mut settings = Settings {
        database_url: database_url.to_owned(),
        data_dir: dir.join("data"),
        outbox_dir: dir.join("outbox"),
        ..Settings::default()
    };
    if let Ok(redis) = std::env::var("ROSTER_TEST_REDIS_URL") {
        settings.redis_url = Some(redis);
        settings.redis_prefix = format!("rostertest:{}:", uuid::Uuid::new_v4().simple());
    }
    settings
}

type Served = tokio::task::JoinHandle<std::io::Result<()>>;

/// Serves the app on a free loopback port until the returned sender fires.
async fn serve(app: App) -> (SocketAddr, oneshot::Sender<()>, Served) {
    let (stop, stopped) = oneshot::channel::<()>();
    let (bound, bound_rx) = oneshot::channel();
    let served = tokio::spawn(roster::http::serve(
        app,
        TcpListener::bind("127.0.0.1:0".parse::<SocketAddr>().unwrap()),
        async move {
            let _ = stopped.await;
        },
        move |addr| {
            let _ = bound.send(addr);
        },
    ));
    let addr = bound_rx.await.expect("server bound");
    (addr, stop, served)
}

impl TestApp {
    /// One tenant, `acme`.
    pub async fn start() -> Self {
        Self::with_tenants(&[("acme", ACME)]).await
    }

    /// The given tenant files (slug, TOML).
    pub async fn with_tenants(tenants: &[(&str, &str)]) -> Self {
        Self::with(tenants, |_| {}).await
    }

    /// Tenants plus a chance to adjust the settings.
    pub async fn with(tenants: &[(&str, &str)], adjust: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config_dir = dir.path().join("config");
        std::fs::create_dir_all(config_dir.join("tenants")).unwrap();
        for (slug, toml) in tenants {
            std::fs::write(config_dir.join("tenants").join(format!("{slug}.toml")), toml).unwrap();
        }
        let database_url = fresh_database_url(dir.path()).await;
        let mut settings = test_settings(dir.path(), &database_url);
        adjust(&mut settings);
        let registry = TenantRegistry::load(&config_dir, EnvOverrides::None).expect("test tenants are valid");
        let app = App::start(settings, registry).await.expect("app starts");
        app.bootstrap_tenants().await.expect("bootstrap");

        let (addr, stop, served) = serve(app.clone()).await;
        TestApp {
            addr,
            app,
            config_dir,
            database_url,
            client: reqwest::Client::new(),
            stop: Some(stop),
            served: Some(served),
            _dir: dir,
        }
    }

    /// Another server instance on the same database and Redis prefix (as behind a load balancer).
    pub async fn second_instance(&self) -> TestApp {
        self.second_instance_with(|_| {}).await
    }

    /// Another instance on the same database and Redis prefix, with adjusted settings.
    pub async fn second_instance_with(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = (*self.app.settings).clone();
        adjust(&mut settings);
        let registry = TenantRegistry::load(&self.config_dir, EnvOverrides::None).expect("same tenants");
        let app = App::start(settings, registry).await.expect("second instance starts");
        let (addr, stop, served) = serve(app.clone()).await;
        TestApp {
            addr,
            app,
            config_dir: self.config_dir.clone(),
            database_url: self.database_url.clone(),
            client: reqwest::Client::new(),
            stop: Some(stop),
            served: Some(served),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends a GraphQL request to a tenant and returns the whole JSON answer.
    pub async fn gql(&self, tenant: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url(&format!("/t/{tenant}/graphql")))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        response.json().await.expect("JSON answer")
    }

    /// Signs in and returns the session token; panics with the answer if it fails.
    pub async fn login(&self, tenant: &str, identifier: &str, password: &str) -> String {
        let answer = self.login_answer(tenant, identifier, password).await;
        answer["data"]["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {answer}"))
            .to_owned()
    }

    /// `login`'s whole answer (data and errors), as a client signing in gets it.
    pub async fn login_answer(&self, tenant: &str, identifier: &str, password: &str) -> Value {
        self.gql(tenant, None, LOGIN, json!({ "i": identifier, "p": password }))
            .await
    }

    /// Creates an admin with a known password (no forced change) and signs in.
    pub async fn admin_token(&self, tenant: &str, email: &str) -> String {
        let tenant_config = self.app.tenants.get(tenant).expect("tenant");
        roster::members::create_admin(
            &self.app.db,
            &tenant_config,
            email,
            Some("correct-horse-battery".into()),
            roster::members::Origin::Manual,
        )
        .await
        .expect("admin created");
        self.login(tenant, email, "correct-horse-battery").await
    }

    /// Stops the server the way SIGTERM does and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = served.await;
        }
    }
}

pub const LOGIN: &str = "mutation($i: String!, $p: String!) { login(identifier: $i, password: $p) { token expiresAt mustChangePassword member { id login email } } }";

/// The `extensions.code` of the first error, if any.
pub fn error_code(answer: &Value) -> Option<&str> {
    answer["errors"][0]["extensions"]["code"].as_str()
}

impl TestApp {
    /// Sends GraphQL and panics (showing the answer) if it has errors.
    pub async fn ok(&self, tenant: &str, token: &str, query: &str, variables: Value) -> Value {
        let answer = self.gql(tenant, Some(token), query, variables).await;
        assert!(answer["errors"].is_null(), "unexpected errors: {answer}");
        answer["data"].clone()
    }

    /// Creates a member through the API and returns its id.
    pub async fn create_member(&self, tenant: &str, token: &str, input: Value) -> String {
        let data = self
            .ok(
                tenant,
                token,
                "mutation($i: CreateMemberInput!) { createMember(input: $i) { id } }",
                json!({ "i": input }),
            )
            .await;
        data["createMember"]["id"].as_str().unwrap().to_owned()
    }

    /// Gives a member a known password and returns a session token for them.
    pub async fn member_token(&self, tenant: &str, member_id: &str, password: &str) -> String {
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let id = uuid::Uuid::parse_str(member_id).unwrap();
        let member = entity::members::Entity::find_by_id(id)
            .one(&self.app.db)
            .await
            .unwrap()
            .unwrap();
        let login = member.login.clone();
        let mut active: entity::members::ActiveModel = member.into();
        active.password_hash = Set(Some(roster::values::password::hash_blocking(password)));
        active.uses_default_password = Set(false);
        active.must_change_password = Set(false);
        active.update(&self.app.db).await.unwrap();
        self.login(tenant, &login, password).await
    }
}

/// The logins of a `members { nodes { login } }` answer, in its order.
pub fn logins(data: &Value) -> Vec<String> {
    data["members"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["login"].as_str().unwrap().to_owned())
        .collect()
}

/// The `extensions.fields[].field` names of the first error.
pub fn error_fields(answer: &Value) -> Vec<String> {
    answer["errors"][0]["extensions"]["fields"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|f| f["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

impl TestApp {
    /// Sends GraphQL without a session and panics if it has errors.
    pub async fn ok_anon(&self, tenant: &str, query: &str, variables: Value) -> Value {
        let answer = self.gql(tenant, None, query, variables).await;
        assert!(answer["errors"].is_null(), "unexpected errors: {answer}");
        answer["data"].clone()
    }
}

impl TestApp {
    /// Sends a GraphQL multipart request (the spec of jaydenseric/graphql-multipart-request-spec)
    /// with one file, `variables.input.file` (where the contract's uploads go).
    pub async fn upload(
        &self,
        tenant: &str,
        token: &str,
        query: &str,
        variables: Value,
        file: (&str, Vec<u8>),
    ) -> Value {
        let (file_name, bytes) = file;
        let file_path = "variables.input.file";
        let operations = json!({ "query": query, "variables": variables });
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", json!({ "0": [file_path] }).to_string())
            .part(
                "0",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
            );
        let response = self
            .client
            .post(self.url(&format!("/t/{tenant}/graphql")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload sent");
        response.json().await.expect("JSON answer")
    }

    /// GETs a download URL: status, content type, Content-Disposition and body.
    /// The link's host is the configured public URL; the path is sent to this server.
    pub async fn fetch(&self, url: &str) -> (u16, String, String, Vec<u8>) {
        let path = url::Url::parse(url).expect("absolute URL").path().to_owned();
        let response = self.client.get(self.url(&path)).send().await.expect("download");
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (content_type, disposition) = (header("content-type"), header("content-disposition"));
        let body = response.bytes().await.expect("body").to_vec();
        (status, content_type, disposition, body)
    }
}

/// A file of `tests/fixtures`.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

/// What the database would do for `statement`, a line a step (EXPLAIN on PostgreSQL,
/// EXPLAIN QUERY PLAN on SQLite).
pub async fn plan_of(conn: &impl sea_orm::ConnectionTrait, statement: sea_orm::Statement) -> String {
    use sea_orm::DbBackend;
    let backend = conn.get_database_backend();
    let (explain, detail) = match backend {
        DbBackend::Postgres => ("EXPLAIN", 0),
        _ => ("EXPLAIN QUERY PLAN", 3),
    };
    let values = statement.values.unwrap_or_else(|| sea_orm::Values(Vec::new()));
    let explained = sea_orm::Statement::from_sql_and_values(backend, format!("{explain} {}", statement.sql), values.0);
    let rows = conn.query_all(explained).await.unwrap();
    let steps: Vec<String> = rows
        .iter()
        .map(|row| row.try_get_by_index::<String>(detail).unwrap())
        .collect();
    steps.join("\n")
}
