//! Who is calling: passwords, session tokens, sign-in and its rate limits, and the
//! `Caller` every domain function takes.

mod login;
pub mod permissions;
pub mod rate_limit;
mod session;
pub mod token;
pub mod token_attempts;

use std::net::IpAddr;
use std::sync::Arc;

use uuid::Uuid;

use crate::app::App;
use crate::config::Tenant;
use crate::error::{Error, Result};
use crate::members;

pub use self::login::{login, SignedIn};
pub use self::session::{open_session, resume_session, ActiveSession, OpenedSession};

/// What the request's bearer token turned out to be.
#[derive(Debug, Clone)]
pub enum SessionState {
    /// No Authorization header.
    Anonymous,
    /// A token that opens nothing (unknown, expired, another tenant's, garbage).
    Invalid,
    Active(ActiveSession),
    /// The session store did not answer: fail closed.
    Unavailable(String),
}

/// Everything known about a request before any domain rule runs.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub tenant: Arc<Tenant>,
    pub session: SessionState,
    pub client_ip: Option<IpAddr>,
    /// The request's preferred locales (Accept-Language), best first.
    pub languages: Vec<String>,
}

impl Visitor {
    /// The tenant locale that best fits the request's Accept-Language.
    pub fn locale(&self) -> &str {
        for lang in &self.languages {
            if let Some(found) = self.tenant.locales.iter().find(|l| l.eq_ignore_ascii_case(lang)) {
                return found;
            }
            let prefix = lang.split('-').next().unwrap_or(lang);
            if let Some(found) = self
                .tenant
                .locales
                .iter()
                .find(|l| l.split('-').next().unwrap_or(l).eq_ignore_ascii_case(prefix))
            {
                return found;
            }
        }
        &self.tenant.default_locale
    }
}

/// A signed-in member acting in their tenant: the first argument of every domain call
/// that needs one.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: Arc<Tenant>,
    pub member: entity::members::Model,
    pub session: ActiveSession,
    /// Loaded on first use: many requests never need them.
    grants: Arc<tokio::sync::OnceCell<permissions::Grants>>,
}

impl Caller {
    /// The id of the signed-in member this caller acts as.
    pub fn member_id(&self) -> Uuid {
        self.member.id
    }

    /// The caller's roles and what they grant.
    pub async fn grants<C: sea_orm::ConnectionTrait>(&self, conn: &C) -> Result<&permissions::Grants> {
        self.grants
            .get_or_try_init(|| permissions::Grants::cached(conn, &self.tenant, &self.member))
            .await
    }

    /// VALIDATION on `currentPassword` unless `password` is the caller's current one.
    pub async fn require_current_password(&self, password: &str) -> Result<()> {
        if self::login::verify_member(&self.tenant, Some(&self.member), password)
            .await?
            .is_right()
        {
            Ok(())
        } else {
            Err(Error::invalid_worded(
                "currentPassword",
                "this is not your current password",
                "current-password-wrong",
            ))
        }
    }
}

/// Turns the visitor's session into a Caller, or None when there is no valid session.
/// A session whose member is gone or deactivated is ended here, at its next request.
pub async fn current_caller(app: &App, visitor: &Visitor) -> Result<Option<Caller>> {
    let session = match &visitor.session {
        SessionState::Anonymous | SessionState::Invalid => return Ok(None),
        SessionState::Unavailable(detail) => return Err(Error::ServiceUnavailable(detail.clone())),
        SessionState::Active(session) => session,
    };
    let member = members::find(&app.db, &visitor.tenant.slug, session.record.member_id).await?;
    match member {
        Some(member) if member.status == members::Status::Active => Ok(Some(Caller {
            tenant: visitor.tenant.clone(),
            member,
            session: session.clone(),
            grants: Default::default(),
        })),
        _ => {
            app.sessions.remove(&visitor.tenant.slug, &session.token_hash).await?;
            Ok(None)
        }
    }
}

/// The caller for anything a signed-in member does: UNAUTHENTICATED without a session,
/// PASSWORD_CHANGE_REQUIRED for a restricted one (opened with a default or admin-set
/// password). This is the one place that refuses restricted sessions, so a `Caller` the
/// domain receives from here holds an unrestricted session.
pub async fn require_caller(app: &App, visitor: &Visitor) -> Result<Caller> {
    let caller = require_caller_even_restricted(app, visitor).await?;
    if caller.session.record.restricted {
        return Err(Error::PasswordChangeRequired);
    }
    Ok(caller)
}

/// Like [`require_caller`], but a restricted session passes: only for what such a session
/// may do before changing its password (changePassword, logout, and reading or erasing
/// oneself: myData, eraseMyAccount, the counts of one's own groups).
pub async fn require_caller_even_restricted(app: &App, visitor: &Visitor) -> Result<Caller> {
    current_caller(app, visitor).await?.ok_or(Error::Unauthenticated)
}

/// Ends the session that made the request.
pub async fn logout(app: &App, caller: &Caller) -> Result<bool> {
    Ok(app
        .sessions
        .remove(&caller.tenant.slug, &caller.session.token_hash)
        .await?)
}

/// Ends every session of the caller, this one included; returns how many ended.
pub async fn logout_everywhere(app: &App, caller: &Caller) -> Result<u64> {
    Ok(app
        .sessions
        .remove_member_sessions(&caller.tenant.slug, caller.member_id(), None)
        .await?)
}
