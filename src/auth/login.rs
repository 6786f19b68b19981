//! Sign-in: identifier + password to a session, with per-account and per-IP limits,
//! the same answer and the same cost for an unknown identifier and a wrong password.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
use serde_json::json;

use super::password;
use super::token::hash_token;
use super::{open_session, Visitor};
use crate::app::App;
use crate::audit;
use crate::config::RateLimit;
use crate::error::{Error, Result};
use crate::members;

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub member: entity::members::Model,
    pub must_change_password: bool,
}

/// Signs a member in by login, email or secondary email.
pub async fn login(app: &App, visitor: &Visitor, identifier: &str, password: &str) -> Result<SignedIn> {
    let tenant = &visitor.tenant;
    let identifier = identifier.trim();
    let limits = LoginLimits::new(&tenant.slug, identifier, visitor.client_ip);
    limits
        .check(
            app,
            &tenant.rate_limits.login_per_account,
            &tenant.rate_limits.login_per_ip,
        )
        .await?;

    let member = if identifier.is_empty() || identifier.len() > 320 {
        None
    } else {
        members::find_by_identifier(&app.db, &tenant.slug, identifier).await?
    };
    let matches = password::verify_member(tenant, member.as_ref(), password).await?;
    let member = match (member, matches) {
        (Some(member), true) => member,
        (member, _) => {
            limits.record_failure(app, visitor, member.map(|m| m.id)).await?;
            return Err(Error::InvalidCredentials);
        }
    };
    if member.status != members::STATUS_ACTIVE {
        return Err(Error::AccountDeactivated);
    }
    limits.forget_account(app).await?;

    let must_change_password = member.must_change_password || member.uses_default_password;
    let session = open_session(app, tenant, member.id, must_change_password).await?;
    let mut active = member.into_active_model();
    active.last_login_at = Set(Some(Utc::now()));
    let member = active.update(&app.db).await?;
    Ok(SignedIn {
        token: session.token,
        expires_at: session.expires_at,
        member,
        must_change_password,
    })
}

/// The two counters a sign-in attempt is held against.
struct LoginLimits {
    account_key: String,
    ip_key: Option<String>,
}

impl LoginLimits {
    fn new(tenant: &str, identifier: &str, ip: Option<IpAddr>) -> Self {
        // The identifier is hashed so that addresses do not sit in Redis in clear.
        Self {
            account_key: format!("login:acct:{tenant}:{}", hash_token(&identifier.to_lowercase())),
            ip_key: ip.map(|ip| format!("login:ip:{tenant}:{ip}")),
        }
    }

    async fn check(&self, app: &App, per_account: &RateLimit, per_ip: &RateLimit) -> Result<()> {
        let account = app.limiter.peek(&self.account_key).await?;
        if account.count >= u64::from(per_account.count) {
            return Err(rate_limited(account.resets_in));
        }
        if let Some(ip_key) = &self.ip_key {
            let ip = app.limiter.peek(ip_key).await?;
            if ip.count >= u64::from(per_ip.count) {
                return Err(rate_limited(ip.resets_in));
            }
        }
        Ok(())
    }

    /// Counts a failed attempt; the attempt that reaches a limit goes to the audit log.
    async fn record_failure(&self, app: &App, visitor: &Visitor, member: Option<uuid::Uuid>) -> Result<()> {
        let limits = &visitor.tenant.rate_limits;
        let account = app
            .limiter
            .hit(&self.account_key, limits.login_per_account.window)
            .await?;
        let mut burst = account.count == u64::from(limits.login_per_account.count);
        if let Some(ip_key) = &self.ip_key {
            let ip = app.limiter.hit(ip_key, limits.login_per_ip.window).await?;
            burst |= ip.count == u64::from(limits.login_per_ip.count);
        }
        if burst {
            let details = json!({
                "ip": visitor.client_ip.map(|ip| ip.to_string()),
                "accountFailures": account.count,
            });
            audit::record(
                &app.db,
                &visitor.tenant.slug,
                None,
                "auth.login_rate_limited",
                member,
                details,
            )
            .await?;
        }
        Ok(())
    }

    async fn forget_account(&self, app: &App) -> Result<()> {
        Ok(app.limiter.clear(&self.account_key).await?)
    }
}

pub(crate) fn rate_limited(resets_in: std::time::Duration) -> Error {
    Error::RateLimited {
        retry_after_seconds: resets_in.as_secs_f64().ceil().max(1.0) as u64,
    }
}
