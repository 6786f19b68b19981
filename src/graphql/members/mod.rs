//! Members: the `Member` type, `member`, `members`, `myData`, and the admin mutations.

mod inputs;
mod mutation;
mod query;
mod types;

pub use self::inputs::{MemberFilterInput, MemberSelectionInput};
pub use self::mutation::MembersMutation;
pub use self::query::MembersQuery;
pub use self::types::{member_connection, BulkResult, MemberConnection, MemberView};
