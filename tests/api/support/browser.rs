//! Headless Chromium for the tests that drive pages as a browser does.

use std::time::Duration;

/// Debian's Chromium, or None when it is not installed: the test then prints why it
/// did nothing. `.ci/run` installs it and sets `ROSTER_REQUIRE_CHROMIUM`, under which a
/// missing browser fails the test instead.
pub fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    if found.is_none() {
        assert!(
            std::env::var_os("ROSTER_REQUIRE_CHROMIUM").is_none(),
            "Chromium is required here (apt-get install chromium)"
        );
        eprintln!("skipped: Chromium is not installed (apt-get install chromium)");
    }
    found
}

/// The DOM of `url` once loaded and once the page's scripts had `budget` of virtual
/// time (timers, fetches and sockets run meanwhile), as headless Chromium serialises it.
pub async fn dump_dom(chromium: &str, url: &str, budget: Duration) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--virtual-time-budget={}", budget.as_millis()))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .await
        .expect("chromium runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Opens `url` in headless Chromium and waits, up to `timeout` of real time, until the
/// page's `<body data-state>` says `done` or `failed` (pages with sockets and polling
/// never go idle, so `--dump-dom` would read them too early); returns the DOM then.
pub async fn run_until_settled(chromium: &str, url: &str, timeout: Duration) -> String {
    let state = "document.body ? (document.body.dataset.state || '') : ''";
    run_until(chromium, url, &[], state, timeout).await
}

/// Opens `url` in headless Chromium started with `extra_args`, and evaluates `state` (a
/// JavaScript expression) every 200 ms, once the page has loaded, until it yields `done`
/// or `failed` or `timeout` of real time has passed; returns the DOM then.
pub async fn run_until(chromium: &str, url: &str, extra_args: &[&str], state: &str, timeout: Duration) -> String {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut session = Session::start(chromium, url, extra_args, timeout).await;
    // Never on a page still being parsed: its later elements would be missing.
    let when_loaded = format!("document.readyState === 'complete' ? ({state}) : ''");
    loop {
        let state = session.evaluate(&when_loaded).await;
        if state == "done" || state == "failed" || tokio::time::Instant::now() >= deadline {
            return session
                .evaluate("document.documentElement.outerHTML")
                .await
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A headless Chromium with one page, driven over the DevTools protocol's WebSocket
/// (`Runtime.evaluate`, `Page.navigate`, `Page.captureScreenshot`). The browser ends
/// when the session is dropped.
pub struct Session {
    _browser: tokio::process::Child,
    _profile: tempfile::TempDir,
    devtools: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    next_id: u64,
}

impl Session {
    /// Starts Chromium with `extra_args` on `url`; panics when it opens no page within
    /// `timeout`.
    pub async fn start(chromium: &str, url: &str, extra_args: &[&str], timeout: Duration) -> Session {
        let profile = tempfile::tempdir().unwrap();
        let browser = tokio::process::Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--remote-debugging-port=0",
            ])
            .args(extra_args)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(url)
            .kill_on_drop(true)
            .spawn()
            .expect("chromium starts");
        let deadline = tokio::time::Instant::now() + timeout;
        // Chromium writes the port it chose into the profile.
        let port_file = profile.path().join("DevToolsActivePort");
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|t| t.lines().next().map(str::to_owned))
            {
                break port;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "Chromium opened no DevTools port"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let page = loop {
            let targets: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{port}/json/list"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let page = targets
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["type"] == "page")
                .cloned();
            if let Some(page) = page {
                break page["webSocketDebuggerUrl"].as_str().unwrap().to_owned();
            }
            assert!(tokio::time::Instant::now() < deadline, "no page in Chromium");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let (devtools, _) = tokio_tungstenite::connect_async(page).await.expect("DevTools socket");
        Session {
            _browser: browser,
            _profile: profile,
            devtools,
            next_id: 0,
        }
    }

    /// Calls a DevTools method; its `result`.
    pub async fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;

        self.next_id += 1;
        let call = serde_json::json!({ "id": self.next_id, "method": method, "params": params });
        self.devtools
            .send(Message::Text(call.to_string().into()))
            .await
            .unwrap();
        while let Some(message) = self.devtools.next().await {
            let answer: serde_json::Value = serde_json::from_str(message.unwrap().to_text().unwrap()).unwrap();
            if answer["id"] == self.next_id {
                return answer["result"].clone();
            }
        }
        panic!("the DevTools socket closed");
    }

    /// The value of a JavaScript expression in the page (promises awaited); null when
    /// it throws (the exception is printed).
    pub async fn evaluate(&mut self, expression: &str) -> serde_json::Value {
        let params = serde_json::json!({ "expression": expression, "returnByValue": true, "awaitPromise": true });
        let answer = self.call("Runtime.evaluate", params).await;
        if let Some(exception) = answer.get("exceptionDetails") {
            eprintln!("script failed: {exception}");
        }
        answer["result"]["value"].clone()
    }

    /// Opens `url` and waits until it has loaded (and any redirect is followed).
    pub async fn open(&mut self, url: &str) {
        self.evaluate("window.__left = true").await;
        self.call("Page.navigate", serde_json::json!({ "url": url })).await;
        self.settle().await;
    }

    /// Waits until the page that replaced the current one (or the first page) has loaded.
    pub async fn settle(&mut self) {
        for _ in 0..150 {
            let state = self
                .evaluate("window.__left || location.href === 'about:blank' ? 'old' : document.readyState")
                .await;
            if state == "complete" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page did not load");
    }

    /// A PNG of the page as shown.
    pub async fn screenshot(&mut self) -> Vec<u8> {
        use base64::Engine;
        let shot = self
            .call("Page.captureScreenshot", serde_json::json!({ "format": "png" }))
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .unwrap()
    }
}
