//! The one domain error type, and its single mapping to GraphQL error codes
//! (DESIGN.md "Errors"). Messages speak to a person; internals go to the log.

use async_graphql::ErrorExtensions;
use serde::Serialize;

/// A problem with one input field, reported under `extensions.fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every way a domain operation can fail; each variant is one code of DESIGN.md.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("You need to sign in first.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("Some fields are not valid.")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Conflict(String),
    #[error("Too many attempts. Try again in {retry_after_seconds} seconds.")]
    RateLimited { retry_after_seconds: u64 },
    #[error("The identifier or the password is wrong.")]
    InvalidCredentials,
    #[error("This account is deactivated. Ask an administrator to reactivate it.")]
    AccountDeactivated,
    #[error("You must change your password before doing anything else.")]
    PasswordChangeRequired,
    #[error("This address has a pending invitation: use the link in the invitation email.")]
    InvitationRequired,
    #[error("This invitation has expired. You can ask for a new one.")]
    InvitationExpired,
    #[error("This link is not valid (unknown, already used or revoked).")]
    TokenInvalid,
    /// A backend (database, Redis, SMTP) is unreachable; the detail is logged, not shown.
    #[error("The service is temporarily unavailable. Try again in a moment.")]
    ServiceUnavailable(String),
    /// A bug or an unexpected state; the detail is logged, not shown.
    #[error("Something went wrong on our side. It has been logged.")]
    Internal(String),
}

/// Result of a domain operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// One VALIDATION error on one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError::new(field, message)])
    }

    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::NotFound(_) => "NOT_FOUND",
            Error::Validation(_) => "VALIDATION",
            Error::Conflict(_) => "CONFLICT",
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::InvalidCredentials => "INVALID_CREDENTIALS",
            Error::AccountDeactivated => "ACCOUNT_DEACTIVATED",
            Error::PasswordChangeRequired => "PASSWORD_CHANGE_REQUIRED",
            Error::InvitationRequired => "INVITATION_REQUIRED",
            Error::InvitationExpired => "INVITATION_EXPIRED",
            Error::TokenInvalid => "TOKEN_INVALID",
            Error::ServiceUnavailable(_) => "SERVICE_UNAVAILABLE",
            Error::Internal(_) => "INTERNAL",
        }
    }

    /// Builds the GraphQL error: message, `extensions.code` and the code's extras.
    pub fn to_graphql(&self) -> async_graphql::Error {
        match self {
            Error::ServiceUnavailable(detail) => tracing::warn!(%detail, "backend unavailable"),
            Error::Internal(detail) => tracing::error!(%detail, "internal error"),
            _ => {}
        }
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                Error::Validation(fields) => {
                    let list: Vec<async_graphql::Value> = fields
                        .iter()
                        .map(|f| {
                            let mut obj = async_graphql::indexmap::IndexMap::new();
                            obj.insert(
                                async_graphql::Name::new("field"),
                                async_graphql::Value::from(f.field.clone()),
                            );
                            obj.insert(
                                async_graphql::Name::new("message"),
                                async_graphql::Value::from(f.message.clone()),
                            );
                            async_graphql::Value::Object(obj)
                        })
                        .collect();
                    ext.set("fields", async_graphql::Value::List(list));
                }
                Error::RateLimited { retry_after_seconds } => ext.set("retryAfterSeconds", *retry_after_seconds),
                _ => {}
            }
        })
    }
}

/// A domain error leaving a resolver. async-graphql turns anything `Display` into an
/// error without extensions, so resolvers return this instead, which keeps the code.
pub struct GraphqlError(pub async_graphql::Error);

impl From<Error> for GraphqlError {
    fn from(err: Error) -> Self {
        GraphqlError(err.to_graphql())
    }
}

impl From<sea_orm::DbErr> for GraphqlError {
    fn from(err: sea_orm::DbErr) -> Self {
        Error::from(err).into()
    }
}

impl From<GraphqlError> for async_graphql::Error {
    fn from(err: GraphqlError) -> Self {
        err.0
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(err: sea_orm::DbErr) -> Self {
        use sea_orm::DbErr;
        match &err {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Error::ServiceUnavailable(err.to_string()),
            _ if matches!(contention(&err), Some(Contention::Busy)) => Error::ServiceUnavailable(err.to_string()),
            _ if matches!(contention(&err), Some(Contention::Conflict)) => Error::Conflict(
                "Someone else changed the same records at the same moment: look again and retry.".into(),
            ),
            _ => {
                // sqlx reports a dropped server as an I/O or pool error inside Exec/Query.
                let text = err.to_string();
                if text.contains("pool timed out")
                    || text.contains("Connection refused")
                    || text.contains("connection closed")
                    || text.contains("broken pipe")
                {
                    Error::ServiceUnavailable(text)
                } else {
                    Error::Internal(text)
                }
            }
        }
    }
}

/// How two writers got in each other's way, told from the database's error code.
#[derive(Debug, PartialEq, Eq)]
enum Contention {
    /// The lock was still held when the wait ran out: try again later.
    Busy,
    /// This transaction lost a race to another one's write: what it read is stale.
    Conflict,
}

fn contention(err: &sea_orm::DbErr) -> Option<Contention> {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx))) = err else {
        return None;
    };
    let code = sqlx.as_database_error()?.code()?;
    match code.as_ref() {
        // SQLite, extended codes: BUSY_SNAPSHOT (a reader that became a writer after
        // another write) is a lost race; BUSY / LOCKED are the busy timeout running out.
        "517" => Some(Contention::Conflict),
        c if c.parse::<i32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6)) => Some(Contention::Busy),
        // PostgreSQL: serialization failure, deadlock; lock not available.
        "40001" | "40P01" => Some(Contention::Conflict),
        "55P03" => Some(Contention::Busy),
        _ => None,
    }
}

impl From<sea_orm::TransactionError<Error>> for Error {
    fn from(err: sea_orm::TransactionError<Error>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

impl From<crate::store::StoreError> for Error {
    fn from(err: crate::store::StoreError) -> Self {
        Error::ServiceUnavailable(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_carries_fields_and_code() {
        let err = Error::Validation(vec![FieldError::new("email", "not an address")]).to_graphql();
        let ext = err.extensions.expect("extensions");
        assert_eq!(ext.get("code"), Some(&async_graphql::Value::from("VALIDATION")));
        let fields = ext.get("fields").expect("fields").to_string();
        assert!(
            fields.contains("email") && fields.contains("not an address"),
            "{fields}"
        );
    }

    #[test]
    fn internals_are_not_shown() {
        let err = Error::Internal("SELECT * FROM members exploded".into()).to_graphql();
        assert!(!err.message.contains("SELECT"));
        let err = Error::from(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::Internal(
            "tcp connect refused 10.0.0.1".into(),
        )));
        assert_eq!(err.code(), "SERVICE_UNAVAILABLE");
        assert!(!err.to_string().contains("10.0.0.1"));
    }

    #[test]
    fn rate_limited_carries_retry_after() {
        let err = Error::RateLimited {
            retry_after_seconds: 42,
        }
        .to_graphql();
        let ext = err.extensions.expect("extensions");
        assert_eq!(ext.get("retryAfterSeconds"), Some(&async_graphql::Value::from(42u64)));
    }
}
