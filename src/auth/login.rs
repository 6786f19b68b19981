//! Sign-in: identifier + password to a session, with per-account and per-IP limits,
//! the same answer and the same cost for an unknown identifier and a wrong password.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::rate_limit::{self, Attempt};
use super::token::{hash_token, OpaqueToken};
use super::{open_session, Visitor};
use crate::app::App;
use crate::audit;
use crate::config::{RateLimit, Tenant};
use crate::error::{Error, Result};
use crate::members;
use crate::values::password;

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
    let member = if identifier.is_empty() || identifier.len() > 320 {
        None
    } else {
        members::find_by_identifier(&app.db, &tenant.slug, identifier).await?
    };
    // Counted per member, whichever identifier names them (login, email, second
    // email): otherwise each spelling would bring its own allowance of guesses.
    let account = match &member {
        Some(member) => member.id.to_string(),
        None => identifier.to_lowercase(),
    };
    let limits = LoginLimits::new(&tenant.slug, &account, visitor.client_ip);
    let attempt = rate_limit::reserve(app, &limits.of(tenant)).await?;

    let checked = verify_member(tenant, member.as_ref(), password).await?;
    let member = match (member, checked.is_right()) {
        (Some(member), true) => member,
        (member, _) => {
            limits
                .record_failure(app, visitor, attempt, member.map(|m| m.id))
                .await?;
            return Err(Error::InvalidCredentials);
        }
    };
    // The right password is no guess: the IP gets its unit back, the account starts afresh.
    attempt.give_back().await?;
    limits.forget_account(app).await?;
    if member.status != members::Status::Active {
        return Err(Error::AccountDeactivated);
    }

    let must_change_password = members::must_change_password(&member);
    let session = open_session(app, tenant, member.id, must_change_password).await?;
    let stale_hash = checked == password::Checked::RightButStale && !member.uses_default_password;
    // Hashed before passwords were normalised: stored again in NFC form.
    let rehashed = match stale_hash {
        true => Some(password::hash(password.to_owned()).await?),
        false => None,
    };
    let member = record_sign_in_soon(app, member, rehashed).await;
    Ok(SignedIn {
        token: session.token,
        expires_at: session.expires_at,
        member,
        must_change_password,
    })
}

/// How long a sign-in waits for its record to be written before it goes on without.
const SIGN_IN_RECORD_WAIT: Duration = Duration::from_secs(1);

/// How many times a sign-in's record is tried when the database is busy (each try waits
/// out SQLite's busy timeout, 10 s).
const SIGN_IN_RECORD_TRIES: u32 = 12;

/// Records a sign-in (when, and a password hash stored again) without holding the member
/// up: the write runs as a task of its own, awaited for [`SIGN_IN_RECORD_WAIT`]; past
/// that it goes on in the background and the member is signed in as recorded. On SQLite
/// an import's apply holds the database's one write lock for the whole of its
/// transaction (seconds for 100,000 rows, a minute for a million): sign-ins waited
/// behind it until the busy timeout, then failed as unavailable. A record that cannot be
/// written in [`SIGN_IN_RECORD_TRIES`] tries is logged: the sign-in stands, its time is
/// lost, and a stale hash is stored again at the next one.
async fn record_sign_in_soon(
    app: &App,
    member: entity::members::Model,
    rehashed: Option<String>,
) -> entity::members::Model {
    let mut signed_in = member.clone();
    signed_in.last_login_at = Some(crate::stored::now());
    if rehashed.is_some() {
        signed_in.password_hash.clone_from(&rehashed);
    }
    let (db, at) = (app.db.clone(), signed_in.last_login_at);
    let write = tokio::spawn(async move {
        // A lock wait that runs out is tried again: a million-row apply holds SQLite's
        // write lock longer than one busy timeout.
        let mut tries = 0;
        loop {
            tries += 1;
            let written = crate::members::write::record_sign_in(&db, member.clone(), at, rehashed.clone()).await;
            match written {
                Err(Error::ServiceUnavailable(_)) if tries < SIGN_IN_RECORD_TRIES => continue,
                Err(err) => {
                    tracing::warn!(error = %err, "a sign-in could not be recorded");
                    break Err(err);
                }
                Ok(written) => break Ok(written),
            }
        }
    });
    match tokio::time::timeout(SIGN_IN_RECORD_WAIT, write).await {
        Ok(Ok(Ok(written))) => written,
        _ => signed_in,
    }
}

/// The two counters a sign-in attempt is held against.
struct LoginLimits {
    account_key: String,
    ip_key: Option<String>,
}

impl LoginLimits {
    /// `account`: the member's id, or the identifier that names nobody.
    fn new(tenant: &str, account: &str, ip: Option<IpAddr>) -> Self {
        // Hashed so that addresses do not sit in Redis in clear.
        Self {
            account_key: format!("login:acct:{tenant}:{}", hash_token(account)),
            ip_key: ip.map(|ip| format!("login:ip:{tenant}:{ip}")),
        }
    }

    /// The limits an attempt is counted against: the account's first, then the IP's.
    fn of(&self, tenant: &Tenant) -> Vec<(String, RateLimit)> {
        let limits = &tenant.rate_limits;
        let mut of = vec![(self.account_key.clone(), limits.login_per_account)];
        if let Some(ip_key) = &self.ip_key {
            of.push((ip_key.clone(), limits.login_per_ip));
        }
        of
    }

    /// Keeps a failed attempt counted; the attempt that reaches a limit goes to the audit log.
    async fn record_failure(
        &self,
        app: &App,
        visitor: &Visitor,
        attempt: Attempt<'_>,
        member: Option<uuid::Uuid>,
    ) -> Result<()> {
        let limits = &visitor.tenant.rate_limits;
        let account_failures = attempt.count(0);
        let burst = account_failures == u64::from(limits.login_per_account.count)
            || (self.ip_key.is_some() && attempt.count(1) == u64::from(limits.login_per_ip.count));
        attempt.keep();
        if burst {
            let details = json!({
                "ip": visitor.client_ip.map(|ip| ip.to_string()),
                "accountFailures": account_failures,
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

/// Checks a password against a member's own hash, or the tenant's default for a member
/// on it. Always costs one verification — against a dummy hash when there is no member or
/// no password — so unknown identifiers take as long as wrong passwords.
pub(crate) async fn verify_member(
    tenant: &Tenant,
    member: Option<&entity::members::Model>,
    password: &str,
) -> Result<password::Checked> {
    let stored = member.and_then(|m| {
        if m.uses_default_password {
            tenant.accounts.default_password.as_ref().map(|d| d.phc.clone())
        } else {
            m.password_hash.clone()
        }
    });
    match stored {
        Some(phc) => password::check(password.to_owned(), phc).await,
        None => {
            password::check(password.to_owned(), dummy_hash().to_owned()).await?;
            Ok(password::Checked::Wrong)
        }
    }
}

/// A hash of a random password, verified against when the identifier is unknown so that
/// a wrong identifier costs the same time as a wrong password (no account enumeration).
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| password::hash_blocking(&OpaqueToken::generate().plain))
}
