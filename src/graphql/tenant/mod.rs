//! `tenant`: public facts about the tenant of the request, and its roles.

mod query;
mod types;

pub use self::query::TenantQuery;
pub use self::types::RoleView;
