//! The HTTP surface: routing, bad requests, limits, GraphiQL, health.

mod common;

use common::{error_code, TestApp, ACME};
use serde_json::{json, Value};

async fn post_raw(t: &TestApp, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let response = t
        .client()
        .post(t.url(path))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn tenant_is_public() {
    let t = TestApp::start().await;
    let answer = t
        .gql(
            "acme",
            None,
            "{ tenant { slug name defaultLocale locales registration passwordMinLength invitationLifetimeSeconds invitationReminderSeconds roles { key label permissions } } }",
            json!({}),
        )
        .await;
    let tenant = &answer["data"]["tenant"];
    assert_eq!(tenant["slug"], "acme", "{answer}");
    assert_eq!(tenant["name"], "Acme Co-op");
    assert_eq!(tenant["registration"], "INVITE_ONLY");
    assert_eq!(tenant["locales"], json!(["fr", "en"]));
    assert_eq!(tenant["passwordMinLength"], 10);
    assert_eq!(tenant["invitationLifetimeSeconds"], 30 * 24 * 3600);
    assert_eq!(tenant["invitationReminderSeconds"], json!([3 * 24 * 3600]));
    assert_eq!(
        tenant["roles"][0],
        json!({ "key": "admin", "label": "Administrateur", "permissions": ["*"] })
    );
}

#[tokio::test]
async fn role_labels_follow_accept_language() {
    let t = TestApp::start().await;
    let answer: Value = t
        .client()
        .post(t.url("/t/acme/graphql"))
        .header("Accept-Language", "en-GB,en;q=0.9,fr;q=0.5")
        .json(&json!({ "query": "{ tenant { roles { label } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer["data"]["tenant"]["roles"][0]["label"], "Administrator",
        "{answer}"
    );
}

#[tokio::test]
async fn unknown_tenant_is_a_json_404() {
    let t = TestApp::start().await;
    let (status, body) = post_raw(
        &t,
        "/t/nope/graphql",
        "application/json",
        r#"{"query":"{ tenant { slug } }"}"#,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
}

#[tokio::test]
async fn malformed_requests_get_clear_errors() {
    let t = TestApp::start().await;
    let (status, body) = post_raw(&t, "/t/acme/graphql", "application/json", "{not json").await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), Some("VALIDATION"), "{body}");

    let (status, body) = post_raw(
        &t,
        "/t/acme/graphql",
        "text/plain",
        r#"{"query":"{ tenant { slug } }"}"#,
    )
    .await;
    assert_eq!(status, 415);
    assert_eq!(error_code(&body), Some("VALIDATION"));

    let (status, body) = post_raw(&t, "/t/acme/graphql", "application/json", r#"{"query":"{ tenant { "}"#).await;
    assert_eq!(status, 200);
    assert_eq!(error_code(&body), Some("VALIDATION"), "syntax error: {body}");

    let (_, body) = post_raw(&t, "/t/acme/graphql", "application/json", r#"{"query":"{ nope }"}"#).await;
    assert_eq!(error_code(&body), Some("VALIDATION"), "unknown field: {body}");
}

#[tokio::test]
async fn requests_over_the_limits_are_refused() {
    let t = TestApp::with(&[("acme", ACME)], |s| {
        s.limits.request_bytes = 2_000;
        s.limits.graphql_depth = 4;
        s.limits.graphql_complexity = 30;
    })
    .await;
    let huge = json!({ "query": format!("{{ tenant {{ slug }} }} # {}", "x".repeat(5_000)) }).to_string();
    let (status, body) = post_raw(&t, "/t/acme/graphql", "application/json", huge).await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&body), Some("VALIDATION"));

    let deep = "{ me { groups { members { nodes { groups { name } } } } } }";
    let answer = t.gql("acme", None, deep, json!({})).await;
    assert_eq!(error_code(&answer), Some("VALIDATION"), "{answer}");
    assert!(
        answer["errors"][0]["message"].as_str().unwrap().contains("deep"),
        "{answer}"
    );

    let aliases: String = (0..40).map(|i| format!("a{i}: tenant {{ slug }} ")).collect();
    let answer = t.gql("acme", None, &format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(error_code(&answer), Some("VALIDATION"), "{answer}");
}

#[tokio::test]
async fn get_serves_graphiql_to_browsers_and_queries_to_programs() {
    let t = TestApp::start().await;
    let page = t
        .client()
        .get(t.url("/t/acme/graphql"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("graphiql") && html.contains("/t/acme/graphql"),
        "GraphiQL page"
    );

    let query: Value = t
        .client()
        .get(t.url("/t/acme/graphql?query=%7B%20tenant%20%7B%20slug%20%7D%20%7D"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(query["data"]["tenant"]["slug"], "acme");

    let mutation = t
        .client()
        .get(t.url("/t/acme/graphql?query=mutation%20%7B%20logout%20%7D"))
        .send()
        .await
        .unwrap();
    assert_eq!(mutation.status().as_u16(), 405);
}

#[tokio::test]
async fn health_and_readiness() {
    let t = TestApp::start().await;
    let health = t.client().get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let ready = t.client().get(t.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
}

#[tokio::test]
async fn redis_down_fails_closed_and_readyz_says_so() {
    let t = TestApp::with(&[("acme", ACME)], |s| {
        s.redis_url = Some("redis://127.0.0.1:1/0".into());
    })
    .await;
    let ready = t.client().get(t.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 503);
    let login = t.gql("acme", None, common::LOGIN, json!({ "i": "x", "p": "y" })).await;
    assert_eq!(error_code(&login), Some("SERVICE_UNAVAILABLE"), "{login}");
    let me = t.gql("acme", Some(&"A".repeat(43)), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&me), Some("SERVICE_UNAVAILABLE"), "{me}");
    // Public facts still answer.
    let tenant = t.gql("acme", None, "{ tenant { slug } }", json!({})).await;
    assert_eq!(tenant["data"]["tenant"]["slug"], "acme");
}

#[tokio::test]
async fn stopping_lets_in_flight_requests_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = TestApp::start().await;
    let addr = t.addr;
    // A request whose body is still arriving when the stop comes.
    let body = json!({ "query": "{ tenant { slug } }" }).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let headers = format!(
        "POST /t/acme/graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(headers.as_bytes()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let stopping = tokio::spawn(t.stop());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
    assert!(!stopping.is_finished(), "waits for the request in flight");

    stream.write_all(tail.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""slug":"acme""#), "{answer}");
    stopping.await.unwrap();
}

#[tokio::test]
async fn metrics_count_requests_and_show_the_backlog_in_prometheus_format() {
    let app = TestApp::start().await;
    let answer = app.ok_anon("acme", "{ tenant { name } }", json!({})).await;
    assert!(answer["tenant"]["name"].is_string());
    let response = app.client().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    let served = text
        .lines()
        .find(|l| l.starts_with("roster_http_requests_total{route=\"graphql\",status=\"200\"}"))
        .unwrap_or_else(|| panic!("no graphql counter in:\n{text}"));
    let count: f64 = served.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0);
    assert!(text.contains("roster_http_request_seconds_bucket{route=\"graphql\""));
    assert!(text.contains("roster_backlog{kind=\"outbox_queued\"} 0"), "{text}");
    assert!(!text.contains("acme"), "no tenant names in labels");
}
