//! Sessions and one's own account: `me`, login, logout, register, change of password
//! and profile, erasure of one's own account.

mod inputs;
mod mutation;
mod query;
mod types;

pub use self::mutation::SessionMutation;
pub use self::query::SessionQuery;
pub use self::types::AuthPayload;
