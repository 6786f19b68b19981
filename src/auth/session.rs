//! Opening and resuming sessions in the session store.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::token::{hash_token, looks_like_token, OpaqueToken};
use crate::app::App;
use crate::config::Tenant;
use crate::error::Result;
use crate::store::{now_ms, SessionRecord};

/// A live session as found in the store, by the hash of its token.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub token_hash: String,
    pub record: SessionRecord,
}

/// A session just opened: the token is shown to its holder once.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    pub token: String,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// Opens a session for a member with the tenant's idle and absolute lifetimes.
pub async fn open_session(app: &App, tenant: &Tenant, member_id: Uuid, restricted: bool) -> Result<OpenedSession> {
    let token = OpaqueToken::generate();
    let now = now_ms();
    let absolute = now.saturating_add(millis(tenant.accounts.session_absolute));
    let record = SessionRecord {
        member_id,
        created_at_ms: now,
        absolute_expires_at_ms: absolute,
        restricted,
    };
    app.sessions
        .create(&tenant.slug, &token.hash, &record, tenant.accounts.session_idle)
        .await?;
    Ok(OpenedSession {
        token: token.plain,
        token_hash: token.hash,
        expires_at: Utc.timestamp_millis_opt(absolute).single().unwrap_or_else(Utc::now),
    })
}

/// Looks a bearer token up in the tenant's sessions, refreshing its idle expiry.
/// Garbage never reaches the store.
pub async fn resume_session(app: &App, tenant: &Tenant, bearer: &str) -> Result<Option<ActiveSession>> {
    if !looks_like_token(bearer) {
        return Ok(None);
    }
    let token_hash = hash_token(bearer);
    let record = app
        .sessions
        .touch(&tenant.slug, &token_hash, tenant.accounts.session_idle)
        .await?;
    Ok(record.map(|record| ActiveSession { token_hash, record }))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
