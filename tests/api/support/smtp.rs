//! A real SMTP server on loopback (mailin-embedded) that keeps what it receives:
//! in the clear, with STARTTLS, or behind implicit TLS.

use std::net::{IpAddr, TcpListener};
use std::path::Path;
use std::sync::{Arc, Mutex};

use mailin_embedded::{response, Handler, Response, Server, SslConfig};

/// A message as received, decoded.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope's sender (MAIL FROM).
    pub from: String,
    /// The envelope's recipients (RCPT TO).
    pub to: Vec<String>,
    /// The headers as written (encoded), in order.
    pub raw_headers: Vec<(String, String)>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Received {
    /// A header's value as written on the wire (still RFC 2047-encoded), if present.
    pub fn raw_header(&self, name: &str) -> Option<String> {
        self.raw_headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    }

    /// A header's value as a mail client shows it (RFC 2047 decoded), if present.
    pub fn header(&self, name: &str) -> Option<String> {
        let raw = self.raw_header(name)?;
        let line = format!("{name}: {raw}\r\n");
        let (header, _) = mailparse::parse_header(line.as_bytes()).expect("a header");
        Some(header.get_value())
    }

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
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.from = from.to_owned();
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
        let raw_headers = parsed
            .headers
            .iter()
            .map(|h| (h.get_key(), String::from_utf8_lossy(h.get_value_raw()).into_owned()))
            .collect();
        self.inbox.lock().unwrap().push(Received {
            from: self.from.clone(),
            to: self.to.clone(),
            raw_headers,
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
        Self::start_with(port, SslConfig::None)
    }

    /// Starts on a free port, offering STARTTLS with this certificate and key (PEM files).
    pub fn start_starttls(cert: &Path, key: &Path) -> Self {
        // mailin asks rustls for the process's provider; two are compiled into the tests.
        roster::tls::use_ring_provider();
        let ssl = SslConfig::SelfSigned {
            cert_path: cert.display().to_string(),
            key_path: key.display().to_string(),
        };
        Self::start_with(free_port(), ssl)
    }

    /// Starts on a free port speaking TLS from the first byte (smtps://, port 465's way):
    /// a TLS front that hands the decrypted stream to a plain server like [`MailServer::start`].
    pub fn start_implicit_tls(cert_pem: &str, key_pem: &str) -> Self {
        let inner = Self::start();
        let front = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = front.local_addr().unwrap().port();
        let acceptor = tls_acceptor(cert_pem, key_pem);
        let inner_port = inner.port;
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                front.set_nonblocking(true).unwrap();
                let front = tokio::net::TcpListener::from_std(front).unwrap();
                while let Ok((client, _)) = front.accept().await {
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let Ok(mut tls) = acceptor.accept(client).await else {
                            return;
                        };
                        let mut plain = tokio::net::TcpStream::connect(("127.0.0.1", inner_port)).await.unwrap();
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                    });
                }
            });
        });
        Self {
            port,
            inbox: inner.inbox,
        }
    }

    fn start_with(port: u16, ssl: SslConfig) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("SMTP port free");
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let sink = Sink {
            inbox: inbox.clone(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        // A thread per connection, more than the app's SMTP pool (48): otherwise pooled
        // connections would wait for a thread that never frees.
        let mut server = Server::new(sink);
        server
            .with_name("localhost")
            .with_num_threads(128)
            .with_tcp_listener(listener)
            .with_ssl(ssl)
            .expect("certificate and key load");
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, inbox }
    }

    /// The `smtp_url` that reaches it in the clear.
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

fn tls_acceptor(cert_pem: &str, key_pem: &str) -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// A loopback port where nothing listens (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
