//! What every bench binary needs: the server in-process, a fresh PostgreSQL database,
//! and the bench admin's session.
#![allow(dead_code)]

use std::net::SocketAddr;

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
