//! A real SMTP server on loopback (mailin-embedded) that keeps what it receives.
#![allow(dead_code)]

use std::net::{IpAddr, TcpListener};
use std::sync::{Arc, Mutex};

use mailin_embedded::{response, Handler, Response, Server};

/// A message as received, decoded.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Received {
    /// The first link of the text part that contains `path`.
    pub fn link(&self, path: &str) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(path))
            .unwrap_or_else(|| panic!("no {path} link in {}", self.text))
            .to_owned()
    }

    /// The token in that link.
    pub fn token(&self, path: &str) -> String {
        self.link(path)
            .split("token=")
            .nth(1)
            .expect("token in link")
            .to_owned()
    }
}

#[derive(Clone)]
struct Sink {
    inbox: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        self.to.clear();
        self.data.clear();
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.to.push(to.to_owned());
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let parsed = mailparse::parse_mail(&self.data).expect("a parsable message");
        let subject = parsed
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case("subject"))
            .map(|h| h.get_value());
        let mut text = String::new();
        let mut html = String::new();
        let parts: Vec<&mailparse::ParsedMail> = if parsed.subparts.is_empty() {
            vec![&parsed]
        } else {
            parsed.subparts.iter().collect()
        };
        for part in parts {
            let body = part.get_body().unwrap_or_default();
            if part.ctype.mimetype == "text/html" {
                html = body;
            } else {
                text = body;
            }
        }
        self.inbox.lock().unwrap().push(Received {
            to: self.to.clone(),
            subject: subject.unwrap_or_default(),
            text,
            html,
        });
        response::OK
    }
}

/// An SMTP server collecting messages in memory.
pub struct MailServer {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl MailServer {
    /// Starts on a free loopback port.
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(port)
    }

    /// Starts on `port` (e.g. after the app was pointed at it while it was down).
    pub fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("SMTP port free");
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let sink = Sink {
            inbox: inbox.clone(),
            to: Vec::new(),
            data: Vec::new(),
        };
        // A thread per connection, more than the app's SMTP pool (48): otherwise pooled
        // connections would wait for a thread that never frees.
        let mut server = Server::new(sink);
        server
            .with_name("localhost")
            .with_num_threads(128)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, inbox }
    }

    /// The `smtp_url` that reaches it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Everything received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().unwrap().clone()
    }

    /// Messages to one address.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }
}

/// A loopback port where nothing listens (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
