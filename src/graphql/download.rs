//! The `Download` type: a signed link to a file (exports, templates, personal data).

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

use crate::downloads::Link;

/// A file to fetch with a plain GET (no header needed) until expiresAt.
#[derive(SimpleObject)]
pub struct Download {
    /// Absolute URL of the file, signed and bound to this tenant (/t/{tenant}/downloads/…).
    url: String,
    /// The name to save the file under.
    file_name: String,
    /// The file's MIME type, e.g. "text/csv; charset=utf-8" or the XLSX type.
    content_type: String,
    /// When the link stops working: 10 minutes after it was made. Ask again for a new one.
    expires_at: DateTime<Utc>,
}

impl From<Link> for Download {
    fn from(link: Link) -> Self {
        Download {
            url: link.url,
            file_name: link.file_name,
            content_type: link.content_type,
            expires_at: link.expires_at,
        }
    }
}
