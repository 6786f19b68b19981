//! The HTTP surface: routing, bad requests, limits, deadlines, GraphiQL, health.

use crate::support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{error_code, TestApp, ACME};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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
    let login = t.gql("acme", None, support::LOGIN, json!({ "i": "x", "p": "y" })).await;
    assert_eq!(error_code(&login), Some("SERVICE_UNAVAILABLE"), "{login}");
    let me = t.gql("acme", Some(&"A".repeat(43)), "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&me), Some("SERVICE_UNAVAILABLE"), "{me}");
    // Public facts still answer.
    let tenant = t.gql("acme", None, "{ tenant { slug } }", json!({})).await;
    assert_eq!(tenant["data"]["tenant"]["slug"], "acme");
}

#[tokio::test]
async fn stopping_lets_in_flight_requests_finish() {
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

/// 25 MB, over the default 20 MB upload limit.
const OVERSIZED_UPLOAD: usize = 25_000_000;

fn assert_too_large(status: u16, answer: &Value, context: &str) {
    assert_eq!(status, 413, "{context}: {answer}");
    assert_eq!(error_code(answer), Some("VALIDATION"), "{context}: {answer}");
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("larger than the"), "{context}: {answer}");
}

/// Status and JSON body of a raw HTTP/1.1 answer.
fn parse_answer(raw: &str) -> (u16, Value) {
    let status = raw.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Sends a whole request before reading anything, as simple clients do, then reads to the end.
async fn send_then_read(addr: SocketAddr, head: &str, body: &[u8]) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn uploads_over_the_limit_get_their_413_every_time() {
    let t = TestApp::start().await;
    let upload = bytes::Bytes::from(vec![b'x'; OVERSIZED_UPLOAD]);
    let query = format!("{{ tenant {{ slug }} }} # {}", "x".repeat(10_000_000));
    let json = bytes::Bytes::from(json!({ "query": query }).to_string());
    for run in 0..20 {
        for (content_type, body) in [
            ("multipart/form-data; boundary=x", &upload),
            ("application/json", &json),
        ] {
            let (status, answer) = post_raw(&t, "/t/acme/graphql", content_type, body.clone()).await;
            assert_too_large(status, &answer, &format!("run {run}, {content_type}"));
        }
    }
    let answer = t.ok_anon("acme", "{ tenant { slug } }", json!({})).await;
    assert_eq!(answer["tenant"]["slug"], "acme");
}

#[tokio::test]
async fn a_client_that_reads_only_after_sending_everything_gets_the_413() {
    let t = TestApp::start().await;
    let upload = vec![b'x'; OVERSIZED_UPLOAD];
    let sized = format!(
        "POST /t/acme/graphql HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {OVERSIZED_UPLOAD}\r\n\r\n"
    );
    // Without a length the refusal comes only once the limit is crossed, mid-body.
    let chunked = "POST /t/acme/graphql HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n";
    let mut chunks = Vec::new();
    for piece in upload.chunks(1_000_000) {
        chunks.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunks.extend_from_slice(piece);
        chunks.extend_from_slice(b"\r\n");
    }
    chunks.extend_from_slice(b"0\r\n\r\n");
    for run in 0..10 {
        for (head, body) in [(sized.as_str(), &upload), (chunked, &chunks)] {
            let raw = send_then_read(t.addr, head, body).await;
            let raw = raw.unwrap_or_else(|err| panic!("run {run}: {err}"));
            let (status, answer) = parse_answer(&raw);
            assert_too_large(status, &answer, &format!("run {run}: {raw}"));
            assert!(raw.to_ascii_lowercase().contains("connection: close"), "{raw}");
        }
    }
}

#[tokio::test]
async fn curl_gets_the_413_of_an_upload_over_the_limit() {
    if std::process::Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl is not installed: skipped");
        return;
    }
    let t = TestApp::start().await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), vec![b'x'; OVERSIZED_UPLOAD]).unwrap();
    let data = format!("@{}", file.path().display());
    for run in 0..20 {
        // With 100-continue curl waits for a go-ahead; without, it sends at once.
        for expect in ["Expect: 100-continue", "Expect:"] {
            let out = tokio::process::Command::new("curl")
                .args([
                    "-sS",
                    "-H",
                    "Content-Type: multipart/form-data; boundary=x",
                    "-H",
                    expect,
                ])
                .args([
                    "--data-binary",
                    &data,
                    "-w",
                    "\n%{http_code}",
                    &t.url("/t/acme/graphql"),
                ])
                .output()
                .await
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let (body, status) = stdout.rsplit_once('\n').unwrap_or_default();
            let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            let context = format!("run {run}, {expect}: {stdout} {}", String::from_utf8_lossy(&out.stderr));
            assert_too_large(status.parse().unwrap_or(0), &answer, &context);
        }
    }
}

#[tokio::test]
async fn stalled_bodies_are_dropped_while_other_requests_are_served() {
    let t = TestApp::with(&[("acme", ACME)], |s| s.http.body_read_timeout = Duration::from_secs(1)).await;
    let body = json!({ "query": "{ tenant { slug } }" }).to_string();
    let head = format!(
        "POST /t/acme/graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let started = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..60 {
        let mut stream = TcpStream::connect(t.addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&body.as_bytes()[..body.len() / 2]).await.unwrap();
        stalled.push(stream);
    }
    let answer = t.ok_anon("acme", "{ tenant { slug } }", json!({})).await;
    assert_eq!(answer["tenant"]["slug"], "acme", "served while 60 bodies stall");

    for stream in &mut stalled {
        let mut raw = String::new();
        let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut raw)).await;
        read.expect("the server closes a stalled request").unwrap();
        let (status, answer) = parse_answer(&raw);
        assert_eq!(status, 408, "{raw}");
        assert_eq!(error_code(&answer), Some("VALIDATION"), "{raw}");
    }
    assert!(started.elapsed() >= Duration::from_secs(1), "not before the timeout");
    let answer = t.ok_anon("acme", "{ tenant { slug } }", json!({})).await;
    assert_eq!(answer["tenant"]["slug"], "acme");
}

/// Waits for the server to close `stream`; panics after 10 s.
async fn closed_by_server(stream: &mut TcpStream, which: &str) {
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "{which}: still open after 10 s");
}

/// Reads one answer to `GET /healthz` from a keep-alive connection.
async fn read_health(stream: &mut TcpStream) -> String {
    let mut raw = Vec::new();
    let mut buf = [0u8; 1024];
    while !raw.ends_with(b"\r\n\r\nok") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&raw));
        raw.extend_from_slice(&buf[..n]);
    }
    String::from_utf8(raw).unwrap()
}

#[tokio::test]
async fn stalled_heads_silent_and_idle_connections_are_closed() {
    let t = TestApp::with(&[("acme", ACME)], |s| {
        s.http.header_read_timeout = Duration::from_secs(1);
        s.http.keep_alive_idle = Duration::from_secs(2);
    })
    .await;
    let health = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let started = Instant::now();
    let mut partial = TcpStream::connect(t.addr).await.unwrap();
    partial
        .write_all(b"POST /t/acme/graphql HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(t.addr).await.unwrap();
    let mut kept = TcpStream::connect(t.addr).await.unwrap();
    kept.write_all(health).await.unwrap();
    assert!(read_health(&mut kept).await.starts_with("HTTP/1.1 200"));

    tokio::time::sleep(Duration::from_millis(1_500)).await;
    // Past the head deadline, a kept-alive connection still serves its next request.
    kept.write_all(health).await.unwrap();
    assert!(read_health(&mut kept).await.starts_with("HTTP/1.1 200"));
    let answered = Instant::now();
    closed_by_server(&mut partial, "partial head").await;
    closed_by_server(&mut silent, "silent").await;
    let answer = t.ok_anon("acme", "{ tenant { slug } }", json!({})).await;
    assert_eq!(answer["tenant"]["slug"], "acme");

    closed_by_server(&mut kept, "idle").await;
    assert!(
        answered.elapsed() >= Duration::from_secs(2),
        "idle for keep_alive_idle first"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn websockets_outlive_the_http_deadlines() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;
    let t = TestApp::with(&[("acme", ACME)], |s| {
        s.http.header_read_timeout = Duration::from_secs(1);
        s.http.keep_alive_idle = Duration::from_secs(1);
    })
    .await;
    let mut request = format!("ws://{}/t/acme/graphql/ws", t.addr)
        .into_client_request()
        .unwrap();
    let protocol = "graphql-transport-ws".parse().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", protocol);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    let init = json!({ "type": "connection_init" }).to_string();
    socket.send(Message::Text(init.into())).await.unwrap();
    let ack = socket.next().await.unwrap().unwrap();
    assert!(ack.to_text().unwrap().contains("connection_ack"), "{ack:?}");

    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let ping = json!({ "type": "ping" }).to_string();
    socket.send(Message::Text(ping.into())).await.unwrap();
    let pong = socket.next().await.unwrap().unwrap();
    assert!(pong.to_text().unwrap().contains("pong"), "{pong:?}");
}

#[tokio::test]
async fn a_null_for_a_non_null_argument_is_the_clients_mistake() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    // `$p` declared nullable and left out: async-graphql passes null to `Boolean! = false`.
    let answer = t
        .gql(
            "acme",
            Some(&admin),
            "mutation($p: Boolean) { eraseMembers(selection: {ids: []}, allowProtected: $p) { changed } }",
            json!({}),
        )
        .await;
    assert_eq!(support::error_code(&answer), Some("VALIDATION"), "{answer}");
    assert!(
        answer["errors"][0]["message"].as_str().unwrap().contains("Boolean"),
        "the message says what was wrong: {answer}"
    );
}

/// The answer's keys come in the order the query asks for them, whichever resolver
/// finishes first (GraphQL spec, "Serialized Map Ordering"): `totalCount` is counted
/// by a query of its own, while `nodes` is at hand.
#[tokio::test]
async fn answers_keep_the_order_of_the_query() {
    let t = TestApp::with_tenants(&[("acme", ACME)]).await;
    let admin = t.admin_token("acme", "admin@acme.example").await;
    let raw = |query: &'static str| {
        let request = t
            .client()
            .post(t.url("/t/acme/graphql"))
            .bearer_auth(&admin)
            .json(&json!({ "query": query }));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    for _ in 0..20 {
        let body = raw("{ members(first: 1) { totalCount nodes { displayName login } } }").await;
        assert!(
            body.starts_with(r#"{"data":{"members":{"totalCount":1,"nodes":[{"displayName":"#),
            "{body}"
        );
        let body = raw("query Page { members(first: 1) { ...Rows count: totalCount } } \
                        fragment Rows on MemberConnection { pageInfo { hasNextPage } nodes { login } }")
        .await;
        assert!(
            body.starts_with(r#"{"data":{"members":{"pageInfo":{"hasNextPage":false},"nodes":[{"login":"#),
            "{body}"
        );
        assert!(body.contains(r#"}],"count":1}}}"#), "{body}");
    }
}
