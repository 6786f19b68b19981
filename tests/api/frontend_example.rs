//! examples/frontend, served from its own origin and loaded in headless Chromium, signs
//! in, searches, uploads an import and follows it over the WebSocket — with nothing
//! between it and Roster but the tenant's `[api] allowed_origins`.

use crate::support;

use std::path::PathBuf;
use std::time::Duration;

use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Path;
use poem::{get, handler, Response, Route, Server};
use serde_json::json;
use support::{TestApp, ACME};

/// The example's files, as any static file server would send them.
#[handler]
fn example_file(Path(name): Path<String>) -> Response {
    let content_type = match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => return StatusCode::NOT_FOUND.into(),
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/frontend");
    match std::fs::read(dir.join(&name)) {
        Ok(bytes) if !name.contains('/') => Response::builder().content_type(content_type).body(bytes),
        _ => StatusCode::NOT_FOUND.into(),
    }
}

/// Serves examples/frontend on a port of its own: another origin than Roster's.
async fn serve_example() -> u16 {
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
    let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(Route::new().at("/:name", get(example_file))));
    port
}

async fn tour(t: &TestApp, chromium: &str, page_origin: &str) -> String {
    let api = format!("http://{}/t/acme", t.addr);
    let url = format!(
        "{page_origin}/index.html?auto=1&api={api}&identifier=admin%40acme.example&password=correct-horse-battery"
    );
    support::browser::run_until_settled(chromium, &url, Duration::from_secs(60)).await
}

#[tokio::test]
async fn the_example_page_works_from_an_allowed_origin_and_is_kept_out_of_others() {
    let Some(chromium) = support::browser::chromium() else {
        return;
    };
    let port = serve_example().await;
    let allowed = format!("http://127.0.0.1:{port}");
    let tenant = format!("{ACME}\n[api]\nallowed_origins = [\"{allowed}\"]\n");
    let t = TestApp::with_tenants(&[("acme", tenant.as_str())]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;

    let dom = tour(&t, chromium, &allowed).await;
    assert!(dom.contains("data-state=\"done\""), "{dom}");
    for line in [
        "signed in as",
        "import ",
        "progress: DONE 2/2",
        "import DONE",
        "search \"lovel\": 1 member(s)",
        "Ada Lovelace",
    ] {
        assert!(dom.contains(line), "`{line}` missing from\n{dom}");
    }
    let found = t
        .ok(
            "acme",
            &admin,
            "{ members(filter: {search: \"turing\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(found["members"]["totalCount"], 1, "the import was applied");

    // The same page on an origin the tenant does not list: the browser refuses the answers.
    let elsewhere = format!("http://localhost:{port}");
    let dom = tour(&t, chromium, &elsewhere).await;
    assert!(dom.contains("data-state=\"failed\""), "{dom}");
    assert!(!dom.contains("signed in as"), "{dom}");
}
