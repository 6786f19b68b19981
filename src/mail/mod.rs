//! Email: an outbox table written with the change that causes a message, a worker
//! that renders and delivers it, templates per tenant and locale, and two transports
//! (pooled SMTP in production, .eml files in the embedded default).

pub mod compose;
pub mod outbox;
pub mod templates;
mod transport;

use std::fmt;

use async_trait::async_trait;

pub use self::transport::{transport_for, FileTransport, SmtpTransport};

/// A message ready to hand to a transport: the whole email, headers written by
/// [`compose`], and the recipient and subject as they go to the log.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    /// The recipient as the outbox holds it.
    pub to: String,
    pub subject: String,
    /// The email itself (its envelope is From and To, domains in their ASCII form).
    pub message: lettre::Message,
}

/// Why a message was not delivered: the text for the outbox's `last_error`, and whether
/// trying again could ever help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// What went wrong, for a person reading the outbox.
    pub message: String,
    /// No retry can succeed (the address cannot be written or carried): the message is
    /// marked failed at once instead of retried for a day.
    pub permanent: bool,
}

impl SendError {
    /// A failure worth retrying later (server down, timeout, database error).
    pub fn temporary(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure that will happen again on every attempt.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Somewhere emails go.
#[async_trait]
pub trait MailTransport: Send + Sync {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), SendError>;
}
