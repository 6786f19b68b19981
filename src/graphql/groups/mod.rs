//! Groups: the `Group` type, `groups`, `group`, and the group mutations.

mod inputs;
mod mutation;
mod query;
mod types;

pub use self::mutation::GroupsMutation;
pub use self::query::GroupsQuery;
pub use self::types::GroupView;
