//! The audit log: `auditLog` and the `AuditEntry` type.

mod inputs;
mod query;
mod types;

pub use self::query::AuditQuery;
