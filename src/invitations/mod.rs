//! Invitations: inviting people by email (JOIN) or activating pre-created members
//! (ACTIVATION), their links, acceptance, reminders and expiry.

mod accept;
pub(crate) mod invite;
pub mod jobs;
mod manage;
pub mod tokens;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::Result;
use entity::invitations;

pub use self::accept::{accept_invitation, preview, request_new_invitation, Acceptance, Preview};
pub use self::invite::{
    activation_in, invite_members, send_activation_invitations, InviteOutcome, InviteRequest, SkipReason,
};
pub use self::manage::{
    get_invitation, invitation_link, list_invitations, resend_invitations, revoke_invitations, InvitationFilter,
};

/// Waiting for the person.
pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
pub const EXPIRED: &str = "expired";
pub const REVOKED: &str = "revoked";
/// Brings a new person in.
pub const JOIN: &str = "join";
/// Sets the password of a member created beforehand.
pub const ACTIVATION: &str = "activation";
/// Longest personal message.
pub const MAX_MESSAGE: usize = 2_000;

/// An invitation of the tenant by id.
pub async fn find<C: ConnectionTrait>(conn: &C, tenant: &str, id: Uuid) -> Result<Option<invitations::Model>> {
    Ok(invitations::Entity::find_by_id(id)
        .filter(invitations::Column::Tenant.eq(tenant))
        .one(conn)
        .await?)
}
