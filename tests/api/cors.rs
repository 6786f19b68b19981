//! Browser apps on other origins: CORS per tenant on the GraphQL endpoint and download
//! links, and the Origin check of the WebSocket upgrade.

use crate::support;

use reqwest::header::{HeaderMap, ORIGIN};
use reqwest::Method;
use serde_json::json;
use support::{TestApp, ACME};

const APP: &str = "https://app.example.org";
const ELSEWHERE: &str = "https://evil.example";

fn tenant() -> String {
    format!("{ACME}\n[api]\nallowed_origins = [\"{APP}\", \"http://localhost:5173\"]\n")
}

async fn start() -> TestApp {
    let toml = tenant();
    TestApp::with_tenants(&[("acme", toml.as_str()), ("other", ACME)]).await
}

async fn preflight(t: &TestApp, tenant: &str, origin: &str) -> (u16, HeaderMap) {
    let response = t
        .client()
        .request(Method::OPTIONS, t.url(&format!("/t/{tenant}/graphql")))
        .header(ORIGIN, origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type, authorization")
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.headers().clone())
}

async fn post(t: &TestApp, tenant: &str, origin: Option<&str>) -> (u16, HeaderMap, serde_json::Value) {
    let mut request = t
        .client()
        .post(t.url(&format!("/t/{tenant}/graphql")))
        .json(&json!({ "query": "{ tenant { slug } }" }));
    if let Some(origin) = origin {
        request = request.header(ORIGIN, origin);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.json().await.unwrap())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn an_allowed_origin_gets_preflights_and_cors_headers_and_others_get_none() {
    let t = start().await;

    // The preflight a browser sends before a JSON POST with a session token.
    let (status, headers) = preflight(&t, "acme", APP).await;
    assert_eq!(status, 200, "{headers:?}");
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(APP));
    let methods = header(&headers, "access-control-allow-methods")
        .unwrap()
        .to_ascii_uppercase();
    assert!(methods.contains("POST") && methods.contains("GET"), "{methods}");
    let allowed = header(&headers, "access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert_eq!(header(&headers, "access-control-max-age"), Some("600"));
    assert_eq!(header(&headers, "vary"), Some("Origin"));
    assert!(
        header(&headers, "access-control-allow-credentials").is_none(),
        "sessions travel in Authorization, never in cookies"
    );

    let (status, headers, body) = post(&t, "acme", Some(APP)).await;
    assert_eq!((status, &body["data"]["tenant"]["slug"]), (200, &json!("acme")));
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(APP));
    assert_eq!(header(&headers, "vary"), Some("Origin"));
    // The origin as the browser writes it is matched exactly, port included.
    let (_, headers, _) = post(&t, "acme", Some("http://localhost:5173")).await;
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        Some("http://localhost:5173")
    );

    // Another origin, or this origin on another tenant: no CORS header at all, so the
    // browser keeps the page out. The request itself is not a browser's business here.
    for (tenant, origin) in [("acme", ELSEWHERE), ("acme", "http://localhost:5174"), ("other", APP)] {
        let (status, headers) = preflight(&t, tenant, origin).await;
        assert_ne!(status, 200, "{tenant} {origin}");
        assert!(
            header(&headers, "access-control-allow-origin").is_none(),
            "{tenant} {origin}"
        );
        let (status, headers, _) = post(&t, tenant, Some(origin)).await;
        assert_eq!(status, 200);
        assert!(
            header(&headers, "access-control-allow-origin").is_none(),
            "{tenant} {origin}"
        );
        assert_eq!(header(&headers, "vary"), Some("Origin"));
    }
    // No Origin: a server, a script, curl — answered as always, without CORS headers.
    let (status, headers, body) = post(&t, "acme", None).await;
    assert_eq!((status, &body["data"]["tenant"]["slug"]), (200, &json!("acme")));
    assert!(header(&headers, "access-control-allow-origin").is_none());
}

#[tokio::test]
async fn the_websocket_upgrade_checks_the_origin() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Error as WsError;
    let t = start().await;
    let upgrade = |origin: Option<String>| {
        let mut request = format!("ws://{}/t/acme/graphql/ws", t.addr)
            .into_client_request()
            .unwrap();
        let headers = request.headers_mut();
        headers.insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
        if let Some(origin) = origin {
            headers.insert("Origin", origin.parse().unwrap());
        }
        async move {
            match tokio_tungstenite::connect_async(request).await {
                Ok((_, response)) => response.status().as_u16(),
                Err(WsError::Http(response)) => response.status().as_u16(),
                Err(other) => panic!("{other}"),
            }
        }
    };
    assert_eq!(upgrade(Some(APP.to_owned())).await, 101, "an allowed origin");
    assert_eq!(upgrade(None).await, 101, "not a browser");
    assert_eq!(
        upgrade(Some(format!("http://{}", t.addr))).await,
        101,
        "Roster's own pages"
    );
    assert_eq!(upgrade(Some(ELSEWHERE.to_owned())).await, 403, "another origin");
    assert_eq!(upgrade(Some("null".to_owned())).await, 403, "an opaque origin");
}

#[tokio::test]
async fn download_links_follow_the_same_rule() {
    let t = start().await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let answer = t
        .ok(
            "acme",
            &admin,
            "{ importTemplate(mode: CREATE, format: CSV) { url } }",
            json!({}),
        )
        .await;
    let url = url::Url::parse(answer["importTemplate"]["url"].as_str().unwrap()).unwrap();
    for (origin, allowed) in [(APP, true), (ELSEWHERE, false)] {
        let response = t
            .client()
            .get(t.url(url.path()))
            .header(ORIGIN, origin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let granted = header(response.headers(), "access-control-allow-origin").is_some();
        assert_eq!(granted, allowed, "{origin}");
    }
}
