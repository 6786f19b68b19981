//! Invitations: the `Invitation` type, the admins' queries and mutations, and those of
//! the invited person (`invitationByToken`, `acceptInvitation`, `requestNewInvitation`).

mod inputs;
mod mutation;
mod query;
mod types;

pub use self::mutation::InvitationsMutation;
pub use self::query::InvitationsQuery;
pub use self::types::InvitationView;
