//! The two transports: pooled SMTP (lettre) and .eml files in a folder.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use url::Url;

use super::{MailTransport, OutgoingEmail};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::tls::ExtraRoots;

fn build(from: &Mailbox, email: &OutgoingEmail) -> std::result::Result<Message, String> {
    let to: Mailbox = email.to.parse().map_err(|e| format!("recipient {}: {e}", email.to))?;
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone());
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(email.text.clone());
    let message = match &email.html {
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(text)
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone())),
        ),
        None => builder.singlepart(text),
    };
    message.map_err(|e| e.to_string())
}

/// SMTP with a connection pool (plain, STARTTLS or TLS, credentials from the URL).
pub struct SmtpTransport {
    from: Mailbox,
    inner: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpTransport {
    /// A transport for `smtp_url` (lettre's URL forms); `roots`: `tls_ca_file`.
    pub fn new(url: &str, from: Mailbox, roots: Option<&ExtraRoots>) -> Result<Self> {
        let smtp_url = |e: &dyn std::fmt::Display| Error::Internal(format!("smtp_url: {e}"));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| smtp_url(&e))?;
        if let Some(roots) = roots {
            builder = trusting(builder, url, roots).map_err(|e| smtp_url(&e))?;
        }
        let inner = builder
            .pool_config(PoolConfig::new().max_size(48).idle_timeout(Duration::from_secs(60)))
            .timeout(Some(Duration::from_secs(15)))
            .build();
        Ok(Self { from, inner })
    }
}

/// The TLS mode `from_url` chose for `url`, again, with `roots` trusted beside the
/// public roots (lettre's URL forms have no place for a CA).
fn trusting(
    builder: AsyncSmtpTransportBuilder,
    url: &str,
    roots: &ExtraRoots,
) -> std::result::Result<AsyncSmtpTransportBuilder, String> {
    let url = Url::parse(url).map_err(|e| e.to_string())?;
    let tls = url
        .query_pairs()
        .find(|(key, _)| key == "tls")
        .map(|(_, v)| v.into_owned());
    // As lettre's connection_url.rs reads the URL.
    let mode: fn(TlsParameters) -> Tls = match (url.scheme(), tls.as_deref()) {
        ("smtps", _) => Tls::Wrapper,
        ("smtp", Some("required")) => Tls::Required,
        ("smtp", Some("opportunistic")) => Tls::Opportunistic,
        _ => return Ok(builder),
    };
    let host = url.host_str().ok_or("no host")?;
    let mut parameters = TlsParameters::builder(host.to_owned());
    for certificate in roots.certificates() {
        let certificate = Certificate::from_der(certificate.to_vec()).map_err(|e| e.to_string())?;
        parameters = parameters.add_root_certificate(certificate);
    }
    Ok(builder.tls(mode(parameters.build_rustls().map_err(|e| e.to_string())?)))
}

#[async_trait]
impl MailTransport for SmtpTransport {
    async fn send(&self, email: &OutgoingEmail) -> std::result::Result<(), String> {
        let message = build(&self.from, email)?;
        self.inner.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Each message as an .eml file in a folder, and a line in the log (the embedded default).
pub struct FileTransport {
    from: Mailbox,
    dir: PathBuf,
    inner: AsyncFileTransport<Tokio1Executor>,
}

impl FileTransport {
    pub fn new(dir: PathBuf, from: Mailbox) -> Result<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| Error::Internal(format!("outbox_dir {}: {e}", dir.display())))?;
        Ok(Self {
            from,
            inner: AsyncFileTransport::new(&dir),
            dir,
        })
    }
}

#[async_trait]
impl MailTransport for FileTransport {
    async fn send(&self, email: &OutgoingEmail) -> std::result::Result<(), String> {
        let message = build(&self.from, email)?;
        let id = self.inner.send(message).await.map_err(|e| e.to_string())?;
        tracing::info!(to = %email.to, subject = %email.subject, file = %self.dir.join(format!("{id}.eml")).display(), "email written");
        Ok(())
    }
}

/// The transport the settings ask for: SMTP when `smtp_url` is set, else files;
/// `roots`: the certificates of `tls_ca_file`.
pub fn transport_for(settings: &Settings, roots: Option<&ExtraRoots>) -> Result<Arc<dyn MailTransport>> {
    let from: Mailbox = settings
        .mail_from
        .parse()
        .map_err(|e| Error::Internal(format!("mail_from: {e}")))?;
    Ok(match &settings.smtp_url {
        Some(url) => Arc::new(SmtpTransport::new(url, from, roots)?),
        None => Arc::new(FileTransport::new(settings.outbox_dir.clone(), from)?),
    })
}
