//! Imports, templates and exports: the `ImportJob` type and its plan, the import
//! queries and mutations, and the `importProgress` subscription.

mod inputs;
mod job;
mod mutation;
mod query;
mod subscription;
mod types;

pub use self::job::ImportJobView;
pub use self::mutation::ImportsMutation;
pub use self::query::ImportsQuery;
pub use self::subscription::Subscription;
