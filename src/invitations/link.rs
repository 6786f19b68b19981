//! What the holder of an invitation link may learn: the invitation as it was offered,
//! and where the link stands now, so that a page can say what happened and show the
//! way on. Nothing else about the tenant or its members is told.

use chrono::{DateTime, Utc};

use super::{tokens, Kind, Status};
use crate::app::App;
use crate::auth::Visitor;
use crate::error::Result;
use crate::members;
use entity::invitations;

/// Where an invitation link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// The link works: the invitation waits to be accepted.
    Pending,
    /// The invitation was accepted: the person has an account.
    Accepted,
    /// An admin withdrew the invitation.
    Revoked,
    /// The invitation ran past its lifetime.
    Expired,
    /// The invitation still waits, but a newer link was sent since (a refresh, a resend,
    /// a link handed out by an admin): only the newer one works.
    Replaced,
}

impl LinkState {
    /// The invitation status the holder is told (`invitationByToken.status`); None for a
    /// replaced link, which reads as unknown: its invitation is pending, yet this link
    /// cannot accept it.
    pub fn invitation_status(self) -> Option<Status> {
        match self {
            LinkState::Pending => Some(Status::Pending),
            LinkState::Accepted => Some(Status::Accepted),
            LinkState::Revoked => Some(Status::Revoked),
            LinkState::Expired => Some(Status::Expired),
            LinkState::Replaced => None,
        }
    }
}

/// What the holder of a link sees, before accepting and after.
#[derive(Debug, Clone)]
pub struct Preview {
    pub tenant_name: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// JOIN or ACTIVATION.
    pub kind: Kind,
    pub state: LinkState,
    pub expires_at: DateTime<Utc>,
    /// Whom to ask about a link that no longer works: the inviter's name while they are an
    /// active member; None otherwise (then the organization's administrators). Only
    /// looked up for revoked, expired and replaced links.
    pub inviter_name: Option<String>,
}

/// Pending past its expiry (the job has not run yet) reads as expired.
pub(super) fn is_expired(inv: &invitations::Model) -> bool {
    inv.status == Status::Expired || (inv.status == Status::Pending && inv.expires_at <= crate::stored::now())
}

/// The status an invitation reads as now: the stored one, except that a PENDING one past
/// its expiry already reads EXPIRED.
pub fn status_now(inv: &invitations::Model) -> Status {
    if is_expired(inv) {
        Status::Expired
    } else {
        inv.status
    }
}

fn state_of(inv: &invitations::Model, live: bool) -> LinkState {
    match inv.status {
        Status::Accepted => LinkState::Accepted,
        Status::Revoked => LinkState::Revoked,
        _ if is_expired(inv) => LinkState::Expired,
        _ if !live => LinkState::Replaced,
        _ => LinkState::Pending,
    }
}

/// The invitation behind any link of this tenant ever sent, and where the link stands;
/// None for an unknown token.
pub async fn preview(app: &App, visitor: &Visitor, token: &str) -> Result<Option<Preview>> {
    let slug = &visitor.tenant.slug;
    let Some((inv, live)) = tokens::find_any(&app.db, slug, token).await? else {
        return Ok(None);
    };
    let state = state_of(&inv, live);
    let inviter_name = match (state, inv.invited_by) {
        (LinkState::Revoked | LinkState::Expired | LinkState::Replaced, Some(id)) => members::find(&app.db, slug, id)
            .await?
            .filter(|m| m.status == members::Status::Active)
            .map(|m| members::display_name(&m)),
        _ => None,
    };
    Ok(Some(Preview {
        tenant_name: visitor.tenant.name.clone(),
        email: inv.email,
        first_name: inv.first_name,
        last_name: inv.last_name,
        kind: inv.kind,
        state,
        expires_at: inv.expires_at,
        inviter_name,
    }))
}
