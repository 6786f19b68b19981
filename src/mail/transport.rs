//! The two transports: pooled SMTP (lettre) and .eml files in a folder.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use url::Url;

use super::{MailTransport, OutgoingEmail, SendError};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::tls::ExtraRoots;

/// SMTP with a connection pool (plain, STARTTLS or TLS, credentials from the URL).
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpTransport {
    /// A transport for `smtp_url` (lettre's URL forms); `roots`: `tls_ca_file`.
    pub fn new(url: &str, roots: Option<&ExtraRoots>) -> Result<Self> {
        let smtp_url = |e: &dyn std::fmt::Display| Error::Internal(format!("smtp_url: {e}"));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| smtp_url(&e))?;
        if let Some(roots) = roots {
            builder = trusting(builder, url, roots).map_err(|e| smtp_url(&e))?;
        }
        let inner = builder
            .pool_config(PoolConfig::new().max_size(48).idle_timeout(Duration::from_secs(60)))
            .timeout(Some(Duration::from_secs(15)))
            .build();
        Ok(Self { inner })
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
    async fn send(&self, email: &OutgoingEmail) -> std::result::Result<(), SendError> {
        let Err(error) = self.inner.send(email.message.clone()).await else {
            return Ok(());
        };
        let envelope = email.message.envelope();
        let ascii = envelope
            .to()
            .iter()
            .chain(envelope.from())
            .all(|address| address.to_string().is_ascii());
        // lettre refuses, before sending anything, an envelope the server cannot carry:
        // a non-ASCII address (domains are already in their ASCII form, so it is the part
        // before the @) to a server without SMTPUTF8. Retrying would change nothing.
        if !ascii && error.is_client() {
            return Err(SendError::permanent(format!(
                "cannot be delivered: the address has non-ASCII characters before the @ and the \
                 mail server does not offer SMTPUTF8 ({error})"
            )));
        }
        Err(SendError::temporary(error.to_string()))
    }
}

/// Each message as an .eml file in a folder, and a line in the log (the embedded default).
pub struct FileTransport {
    dir: PathBuf,
    inner: AsyncFileTransport<Tokio1Executor>,
}

impl FileTransport {
    /// Writes into `dir`, created if needed.
    pub fn new(dir: PathBuf) -> Result<Self> {
        std::fs::create_dir_all(&dir).map_err(|e| Error::Internal(format!("outbox_dir {}: {e}", dir.display())))?;
        Ok(Self {
            inner: AsyncFileTransport::new(&dir),
            dir,
        })
    }
}

#[async_trait]
impl MailTransport for FileTransport {
    async fn send(&self, email: &OutgoingEmail) -> std::result::Result<(), SendError> {
        let sent = self.inner.send(email.message.clone()).await;
        let id = sent.map_err(|e| SendError::temporary(e.to_string()))?;
        tracing::info!(to = %email.to, subject = %email.subject, file = %self.dir.join(format!("{id}.eml")).display(), "email written");
        Ok(())
    }
}

/// The transport the settings ask for: SMTP when `smtp_url` is set, else files;
/// `roots`: the certificates of `tls_ca_file`.
pub fn transport_for(settings: &Settings, roots: Option<&ExtraRoots>) -> Result<Arc<dyn MailTransport>> {
    Ok(match &settings.smtp_url {
        Some(url) => Arc::new(SmtpTransport::new(url, roots)?),
        None => Arc::new(FileTransport::new(settings.outbox_dir.clone())?),
    })
}
