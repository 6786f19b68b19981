//! The one domain error type, and its single mapping to GraphQL error codes
//! (DESIGN.md "Errors"). Messages speak to a person; internals go to the log.

use async_graphql::ErrorExtensions;
use serde::Serialize;

/// A problem with one input field, reported under `extensions.fields`: `message` in
/// English; for the problems people meet in forms also `key` and `args`, naming the
/// sentence so that a page words it in its reader's language (the console's catalogs
/// hold it as `problem-{key}`, filled with `args`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
    pub key: Option<&'static str>,
    pub args: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
            key: None,
            args: Vec::new(),
        }
    }

    /// A problem with its sentence named by `key` and filled with `args`.
    pub fn worded(
        field: impl Into<String>,
        message: impl Into<String>,
        key: &'static str,
        args: &[(&'static str, String)],
    ) -> Self {
        Self {
            key: Some(key),
            args: args.to_vec(),
            ..Self::new(field, message)
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
    /// CONFLICT: `count` logins or addresses, `shown` (the first few, comma-separated),
    /// were taken by other members between the check and the write.
    #[error("{count} login(s) or address(es) were taken meanwhile by other members ({shown}): start again to see the list as it is now.")]
    TakenMeanwhile { count: usize, shown: String },
    /// CONFLICT: `count` members an import was to change, `shown` (the first few logins,
    /// comma-separated), changed after its preview; it must be previewed again.
    #[error(
        "{count} member(s) changed since the preview ({shown}): start the import again to see the list as it is now."
    )]
    ChangedSincePreview { count: usize, shown: String },
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

    /// One VALIDATION error on one field, with its sentence's key: see [`FieldError::worded`].
    pub fn invalid_worded(field: impl Into<String>, message: impl Into<String>, key: &'static str) -> Self {
        Error::Validation(vec![FieldError::worded(field, message, key, &[])])
    }

    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::NotFound(_) => "NOT_FOUND",
            Error::Validation(_) => "VALIDATION",
            Error::Conflict(_) | Error::TakenMeanwhile { .. } | Error::ChangedSincePreview { .. } => "CONFLICT",
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

    /// A conflict about some records, as (catalog key, how many, the first few names):
    /// the same sentence in the admin's language for frontends and stored failures.
    pub fn counted_sentence(&self) -> Option<(&'static str, usize, &str)> {
        match self {
            Error::TakenMeanwhile { count, shown } => Some(("taken-meanwhile", *count, shown)),
            Error::ChangedSincePreview { count, shown } => Some(("changed-since-preview", *count, shown)),
            _ => None,
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
                            if let Some(key) = f.key {
                                obj.insert(async_graphql::Name::new("key"), async_graphql::Value::from(key));
                                let args = f
                                    .args
                                    .iter()
                                    .map(|(name, value)| (async_graphql::Name::new(name), value.as_str().into()))
                                    .collect();
                                obj.insert(async_graphql::Name::new("args"), async_graphql::Value::Object(args));
                            }
                            async_graphql::Value::Object(obj)
                        })
                        .collect();
                    ext.set("fields", async_graphql::Value::List(list));
                }
                Error::RateLimited { retry_after_seconds } => ext.set("retryAfterSeconds", *retry_after_seconds),
                _ => {}
            }
            // The sentence's catalog key and its values, for frontends in other languages.
            if let Some((key, count, shown)) = self.counted_sentence() {
                ext.set("key", key);
                let args = [("count", count.to_string()), ("names", shown.to_owned())]
                    .into_iter()
                    .map(|(name, value)| (async_graphql::Name::new(name), async_graphql::Value::from(value)))
                    .collect();
                ext.set("args", async_graphql::Value::Object(args));
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
        match failure_of(&err) {
            DbFailure::Unreachable | DbFailure::Busy => Error::ServiceUnavailable(err.to_string()),
            DbFailure::LostRace => Error::Conflict(
                "Someone else changed the same records at the same moment: look again and retry.".into(),
            ),
            DbFailure::Other => Error::Internal(err.to_string()),
        }
    }
}

/// What went wrong with a database call, told from the error's kind and the database's
/// code, never from its text (which changes with the driver, the server and the OS).
#[derive(Debug, PartialEq, Eq)]
enum DbFailure {
    /// No connection to the server: refused, dropped, or none free in the pool in time.
    Unreachable,
    /// The lock was still held when the wait ran out: try again later.
    Busy,
    /// This transaction lost a race to another one's write: what it read is stale.
    LostRace,
    /// A bug or an unexpected state.
    Other,
}

fn failure_of(err: &sea_orm::DbErr) -> DbFailure {
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => DbFailure::Unreachable,
        // sqlx reports a dropped server as an I/O or pool error inside Exec/Query.
        DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => sqlx_failure(sqlx),
        _ => DbFailure::Other,
    }
}

fn sqlx_failure(err: &sea_orm::sqlx::Error) -> DbFailure {
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::Tls(_) => DbFailure::Unreachable,
        Sqlx::Io(io) if connection_lost(io.kind()) => DbFailure::Unreachable,
        Sqlx::Database(db) => db.code().map_or(DbFailure::Other, |code| code_failure(&code)),
        _ => DbFailure::Other,
    }
}

/// I/O errors that mean the connection to the server is gone or never came.
fn connection_lost(kind: std::io::ErrorKind) -> bool {
    use std::io::ErrorKind;
    matches!(
        kind,
        ErrorKind::ConnectionRefused
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::NotConnected
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof
            | ErrorKind::TimedOut
    )
}

fn code_failure(code: &str) -> DbFailure {
    match code {
        // SQLite, extended codes: BUSY_SNAPSHOT (a reader that became a writer after
        // another write) is a lost race; BUSY / LOCKED are the busy timeout running out.
        "517" => DbFailure::LostRace,
        c if c.parse::<i32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6)) => DbFailure::Busy,
        // PostgreSQL: serialization failure, deadlock; lock not available.
        "40001" | "40P01" => DbFailure::LostRace,
        "55P03" => DbFailure::Busy,
        // PostgreSQL: connection exceptions (class 08); the server shutting down or starting.
        c if c.starts_with("08") => DbFailure::Unreachable,
        "57P01" | "57P02" | "57P03" => DbFailure::Unreachable,
        _ => DbFailure::Other,
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

    /// A database's refusal carrying only a code, as sqlx hands it over.
    #[derive(Debug)]
    struct Refusal(&'static str);

    impl std::fmt::Display for Refusal {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "refused with code {}", self.0)
        }
    }

    impl std::error::Error for Refusal {}

    impl sea_orm::sqlx::error::DatabaseError for Refusal {
        fn message(&self) -> &str {
            "refused"
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            Some(self.0.into())
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sea_orm::sqlx::error::ErrorKind {
            sea_orm::sqlx::error::ErrorKind::Other
        }
    }

    /// The code of the domain error a failed statement becomes.
    fn code_of(sqlx: sea_orm::sqlx::Error) -> &'static str {
        Error::from(sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(sqlx))).code()
    }

    fn io(kind: std::io::ErrorKind) -> sea_orm::sqlx::Error {
        sea_orm::sqlx::Error::Io(std::io::Error::new(kind, "os says no"))
    }

    fn refused(code: &'static str) -> sea_orm::sqlx::Error {
        sea_orm::sqlx::Error::Database(Box::new(Refusal(code)))
    }

    #[test]
    fn a_pool_without_connections_is_unavailable() {
        use sea_orm::sqlx::Error as Sqlx;
        assert_eq!(code_of(Sqlx::PoolTimedOut), "SERVICE_UNAVAILABLE");
        assert_eq!(code_of(Sqlx::PoolClosed), "SERVICE_UNAVAILABLE");
        let query = Error::from(sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(
            Sqlx::PoolTimedOut,
        )));
        assert_eq!(query.code(), "SERVICE_UNAVAILABLE");
        let acquire = Error::from(sea_orm::DbErr::ConnectionAcquire(
            sea_orm::error::ConnAcquireErr::Timeout,
        ));
        assert_eq!(acquire.code(), "SERVICE_UNAVAILABLE");
    }

    #[test]
    fn a_lost_connection_is_unavailable_whatever_the_os_calls_it() {
        use std::io::ErrorKind;
        for kind in [
            ErrorKind::ConnectionRefused,
            ErrorKind::ConnectionReset,
            ErrorKind::ConnectionAborted,
            ErrorKind::NotConnected,
            ErrorKind::BrokenPipe,
            ErrorKind::UnexpectedEof,
            ErrorKind::TimedOut,
        ] {
            assert_eq!(code_of(io(kind)), "SERVICE_UNAVAILABLE", "{kind:?}");
        }
        assert_eq!(code_of(io(ErrorKind::PermissionDenied)), "INTERNAL");
    }

    #[test]
    fn a_failed_tls_handshake_is_unavailable() {
        assert_eq!(
            code_of(sea_orm::sqlx::Error::Tls("bad certificate".into())),
            "SERVICE_UNAVAILABLE"
        );
    }

    #[test]
    fn database_codes_tell_busy_from_lost_races() {
        // SQLite: BUSY, LOCKED, BUSY_RECOVERY; BUSY_SNAPSHOT.
        for busy in ["5", "6", "261"] {
            assert_eq!(code_of(refused(busy)), "SERVICE_UNAVAILABLE", "{busy}");
        }
        assert_eq!(code_of(refused("517")), "CONFLICT");
        // PostgreSQL: lock not available; serialization failure, deadlock.
        assert_eq!(code_of(refused("55P03")), "SERVICE_UNAVAILABLE");
        assert_eq!(code_of(refused("40001")), "CONFLICT");
        assert_eq!(code_of(refused("40P01")), "CONFLICT");
    }

    #[test]
    fn a_server_going_away_is_unavailable() {
        for code in ["08006", "08001", "57P01", "57P03"] {
            assert_eq!(code_of(refused(code)), "SERVICE_UNAVAILABLE", "{code}");
        }
    }

    #[test]
    fn other_database_failures_are_internal() {
        // SQLite UNIQUE constraint, PostgreSQL unique violation: a bug by the time they get here.
        assert_eq!(code_of(refused("2067")), "INTERNAL");
        assert_eq!(code_of(refused("23505")), "INTERNAL");
        assert_eq!(code_of(sea_orm::sqlx::Error::RowNotFound), "INTERNAL");
        assert_eq!(Error::from(sea_orm::DbErr::Custom("odd".into())).code(), "INTERNAL");
    }
}
