//! Email: an outbox table written with the change that causes a message, a worker
//! that renders and delivers it, templates per tenant and locale, and two transports
//! (pooled SMTP in production, .eml files in the embedded default).

pub mod compose;
pub mod outbox;
pub mod templates;
mod transport;

use async_trait::async_trait;

pub use self::transport::{transport_for, FileTransport, SmtpTransport};

/// A rendered message ready to hand to a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Somewhere emails go. Errors are texts for the outbox's `last_error`.
#[async_trait]
pub trait MailTransport: Send + Sync {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), String>;
}
