//! JSON kept in text columns, decoded in one place per column (`Options::of_job`,
//! `invitations::roles_of`, …) through [`decode`]: what does not decode is corrupt data,
//! an INTERNAL error naming the table, column and row, never read as an empty default.

use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{Error, Result};

/// Decodes `text`, the `column` of the `table` row `id`; INTERNAL when it is not the
/// JSON of a `T`.
pub fn decode<T: DeserializeOwned>(table: &str, column: &str, id: Uuid, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|err| Error::Internal(format!("{table}.{column} of row {id} is corrupt: {err}")))
}

/// The current time as both databases keep it, to the microsecond: a time written now
/// reads back the same on SQLite (which would keep nanoseconds) and PostgreSQL, and the
/// API shows it the same way on both.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_json_is_an_internal_error_naming_the_column_and_row() {
        let id = Uuid::now_v7();
        let err = decode::<Vec<String>>("invitations", "roles", id, "[\"admin\"").unwrap_err();
        match err {
            Error::Internal(message) => {
                assert!(message.contains("invitations.roles"), "{message}");
                assert!(message.contains(&id.to_string()), "{message}");
            }
            other => panic!("expected INTERNAL, got {other:?}"),
        }
        let roles: Vec<String> = decode("invitations", "roles", id, "[\"admin\"]").unwrap();
        assert_eq!(roles, ["admin"]);
    }
}
