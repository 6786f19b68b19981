//! Invitations: inviting people by email (JOIN) or activating pre-created members
//! (ACTIVATION), their links, acceptance, reminders and expiry.

mod accept;
pub(crate) mod invite;
pub mod jobs;
mod link;
mod sent;
mod settle;
pub mod tokens;

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ActiveEnum, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::Result;
use crate::sql::unindexed;
use entity::invitations;

pub use self::accept::{accept_invitation, request_new_invitation, Acceptance};
pub use self::invite::{
    activation_in, invite_members, send_activation_invitations, InviteOutcome, InviteRequest, SkipReason,
};
pub use self::link::{preview, status_now, LinkState, Preview};
pub use self::sent::{
    get_invitation, invitation_link, list_invitations, resend_invitations, revoke, revoke_activations_of,
    revoke_invitations, InvitationFilter,
};
pub use self::settle::{any_pending_join, settle_for_members};
pub use entity::invitations::{DeliveryStatus, Kind, Status};

/// Longest personal message.
pub const MAX_MESSAGE: usize = 2_000;

/// An invitation of the tenant by id.
pub async fn find<C: ConnectionTrait>(conn: &C, tenant: &str, id: Uuid) -> Result<Option<invitations::Model>> {
    Ok(invitations::Entity::find_by_id(id)
        .filter(invitations::Column::Tenant.eq(tenant))
        .one(conn)
        .await?)
}

/// The pending invitations of these members of `tenant`, found through each member's
/// invitations whatever the statistics say: written plainly, SQLite reads every pending
/// invitation of the tenant through `(tenant, status)` or every pending invitation of
/// any tenant through `(status, expires_at)` (see [`crate::sql::unindexed`]).
pub fn pending_of_members(tenant: &str, member_ids: impl IntoIterator<Item = Uuid>) -> Condition {
    crate::sql::of_tenant_among(
        invitations::Column::Tenant,
        invitations::Column::MemberId,
        tenant,
        member_ids,
    )
    .add(is_pending())
}

/// "The invitation is pending", checked on the rows the other conditions found: the
/// status is on nearly every invitation row and must not choose the index.
pub(crate) fn is_pending() -> SimpleExpr {
    Expr::expr(unindexed(invitations::Column::Status)).eq(Status::Pending.into_value())
}

/// Those of `members` whose pending invitation `caller` may see: their own, and
/// everyone's with invitations.manage held tenant-wide (as `invitations` lists them). A
/// member list readable with members.read alone shows no one else's.
pub async fn pending_visible_among<C: ConnectionTrait>(
    conn: &C,
    caller: &crate::auth::Caller,
    members: &[Uuid],
) -> Result<Vec<Uuid>> {
    let scope = caller
        .grants(conn)
        .await?
        .scope(crate::config::Permission::InvitationsManage);
    if scope == Some(crate::auth::permissions::Scope::All) {
        return Ok(members.to_vec());
    }
    Ok(members.iter().copied().filter(|m| *m == caller.member_id()).collect())
}

/// The latest pending invitation of each of `member_ids` that has one.
pub async fn pending_of<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    member_ids: &[Uuid],
) -> Result<HashMap<Uuid, invitations::Model>> {
    let mut latest: HashMap<Uuid, invitations::Model> = HashMap::new();
    for chunk in member_ids.chunks(crate::members::IDS_PER_QUERY) {
        let rows = invitations::Entity::find()
            .filter(pending_of_members(tenant, chunk.iter().copied()))
            .order_by_asc(invitations::Column::CreatedAt)
            .all(conn)
            .await?;
        for invitation in rows {
            if let Some(member) = invitation.member_id {
                // Ascending order: the last one written wins.
                latest.insert(member, invitation);
            }
        }
    }
    Ok(latest)
}

/// The role keys `invitation` gives (`invitations.roles`); INTERNAL when corrupt.
pub fn roles_of(invitation: &entity::invitations::Model) -> crate::error::Result<Vec<String>> {
    crate::stored::decode("invitations", "roles", invitation.id, &invitation.roles)
}

/// The manual groups `invitation` puts the member in (`invitations.group_ids`); INTERNAL
/// when corrupt.
pub fn group_ids_of(invitation: &entity::invitations::Model) -> crate::error::Result<Vec<uuid::Uuid>> {
    crate::stored::decode("invitations", "group_ids", invitation.id, &invitation.group_ids)
}
