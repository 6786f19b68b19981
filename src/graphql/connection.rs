//! Relay connections: page info, opaque cursors, and the connection types of the contract.

use async_graphql::SimpleObject;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use crate::error::{Error, Result};

/// Relay page info.
#[derive(SimpleObject, Clone, Debug, Default)]
pub struct PageInfo {
    /// True when more items follow this page: ask again with `after: endCursor`.
    pub has_next_page: bool,
    /// True when items come before this page (going forward: when `after` was given).
    pub has_previous_page: bool,
    /// Cursor of the page's first item; null when the page is empty.
    pub start_cursor: Option<String>,
    /// Cursor of the page's last item, to pass as `after` for the next page; null when the page is empty.
    pub end_cursor: Option<String>,
}

/// Most items a page may ask for.
pub const MAX_PAGE: i32 = 500;
/// Items in a page when `first` is absent.
pub const DEFAULT_PAGE: i32 = 50;

/// Checks `first` and turns it into a row count.
pub fn page_size(first: Option<i32>) -> Result<u64> {
    match first.unwrap_or(DEFAULT_PAGE) {
        n if (0..=MAX_PAGE).contains(&n) => Ok(n as u64),
        _ => Err(Error::invalid("first", format!("between 0 and {MAX_PAGE}"))),
    }
}

/// An opaque cursor for an id-ordered list.
pub fn id_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

/// Reads an id cursor back; anything else is a VALIDATION error on `field`.
pub fn parse_id_cursor(field: &str, cursor: &str) -> Result<Uuid> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| Error::invalid(field, "not a cursor of this list"))
}

/// An opaque cursor for a list ordered by a sequence number.
pub fn seq_cursor(seq: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("seq:{seq}"))
}

/// Reads a sequence cursor back; anything else is a VALIDATION error on `field`.
pub fn parse_seq_cursor(field: &str, cursor: &str) -> Result<i32> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("seq:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| Error::invalid(field, "not a cursor of this list"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Uuid::now_v7();
        assert_eq!(parse_id_cursor("after", &id_cursor(id)).unwrap(), id);
        assert!(parse_id_cursor("after", "garbage!").is_err());
        assert!(page_size(Some(-1)).is_err() && page_size(Some(MAX_PAGE + 1)).is_err());
        assert_eq!(page_size(None).unwrap(), DEFAULT_PAGE as u64);
        assert_eq!(parse_seq_cursor("after", &seq_cursor(41)).unwrap(), 41);
        assert!(parse_seq_cursor("after", &id_cursor(id)).is_err());
    }
}
