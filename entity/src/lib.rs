//! sea-orm entities, one file per table; no logic here.

pub mod audit_log;
pub mod downloads;
pub mod group_members;
pub mod groups;
pub mod import_changes;
pub mod import_jobs;
pub mod import_row_errors;
pub mod invitation_tokens;
pub mod invitations;
pub mod member_emails;
pub mod member_search_tokens;
pub mod members;
pub mod one_time_tokens;
pub mod outbox;
pub mod role_assignments;
pub mod roster_meta;

/// The entities under short names.
pub mod prelude {
    pub use super::audit_log::Entity as AuditLog;
    pub use super::downloads::Entity as Downloads;
    pub use super::group_members::Entity as GroupMembers;
    pub use super::groups::Entity as Groups;
    pub use super::import_changes::Entity as ImportChanges;
    pub use super::import_jobs::Entity as ImportJobs;
    pub use super::import_row_errors::Entity as ImportRowErrors;
    pub use super::invitation_tokens::Entity as InvitationTokens;
    pub use super::invitations::Entity as Invitations;
    pub use super::member_emails::Entity as MemberEmails;
    pub use super::member_search_tokens::Entity as MemberSearchTokens;
    pub use super::members::Entity as Members;
    pub use super::one_time_tokens::Entity as OneTimeTokens;
    pub use super::outbox::Entity as Outbox;
    pub use super::role_assignments::Entity as RoleAssignments;
    pub use super::roster_meta::Entity as RosterMeta;
}
