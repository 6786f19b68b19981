//! `AuthPayload`: what signing in returns.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

use crate::auth;
use crate::graphql::members::MemberView;

/// A new session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// The session token, shown once: send it as `Authorization: Bearer <token>` to this
    /// tenant's endpoint only.
    pub token: String,
    /// When the session ends at the latest (it ends sooner after the tenant's idle time).
    pub expires_at: DateTime<Utc>,
    /// The member the session belongs to.
    pub member: MemberView,
    /// True when the session is restricted to changePassword, me and logout (anything else
    /// answers PASSWORD_CHANGE_REQUIRED) until the password is changed.
    pub must_change_password: bool,
}

impl AuthPayload {
    /// The payload of a session just opened for `member`.
    pub fn opened(session: auth::OpenedSession, member: entity::members::Model) -> Self {
        let must_change_password = crate::members::must_change_password(&member);
        Self {
            token: session.token,
            expires_at: session.expires_at,
            member: MemberView::from(member),
            must_change_password,
        }
    }
}

impl From<auth::SignedIn> for AuthPayload {
    fn from(signed_in: auth::SignedIn) -> Self {
        Self {
            token: signed_in.token,
            expires_at: signed_in.expires_at,
            member: MemberView::from(signed_in.member),
            must_change_password: signed_in.must_change_password,
        }
    }
}
