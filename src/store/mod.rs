//! Where sessions and rate-limit counters live: one trait each, two
//! implementations (Redis for production, in-process for the embedded default),
//! chosen once at startup.

mod memory;
mod redis;

pub use self::memory::MemoryStore;
pub use self::redis::RedisStore;

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The store could not be reached or answered nonsense; callers fail closed.
#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct StoreError(pub String);

/// What a session token opens. Stored under the SHA-256 of the token, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub member_id: Uuid,
    /// Unix milliseconds.
    pub created_at_ms: i64,
    /// Unix milliseconds after which the session is dead whatever its activity.
    pub absolute_expires_at_ms: i64,
    /// Opened with the default (or an admin-set) password: only changePassword, me, logout.
    pub restricted: bool,
}

/// Sessions of all tenants, keyed by (tenant, token hash); a token works only in its tenant.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session that dies after `idle` without use or at its absolute expiry.
    async fn create(
        &self,
        tenant: &str,
        token_hash: &str,
        record: &SessionRecord,
        idle: Duration,
    ) -> Result<(), StoreError>;

    /// Returns the live session and pushes its idle expiry back, in one round trip.
    async fn touch(&self, tenant: &str, token_hash: &str, idle: Duration) -> Result<Option<SessionRecord>, StoreError>;

    /// Ends one session; true if it existed.
    async fn remove(&self, tenant: &str, token_hash: &str) -> Result<bool, StoreError>;

    /// Ends every session of a member except `keep`; returns how many ended.
    async fn remove_member_sessions(
        &self,
        tenant: &str,
        member_id: Uuid,
        keep: Option<&str>,
    ) -> Result<u64, StoreError>;

    /// Ends every session of many members at once; returns how many ended.
    async fn remove_sessions_of(&self, tenant: &str, members: &[Uuid]) -> Result<u64, StoreError> {
        let mut ended = 0;
        for member in members {
            ended += self.remove_member_sessions(tenant, *member, None).await?;
        }
        Ok(ended)
    }

    /// Answers when the store is reachable (for /readyz).
    async fn ping(&self) -> Result<(), StoreError>;
}

/// A fixed-window counter's state after a read or a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    pub count: u64,
    /// Time until the window resets (zero when no window is open).
    pub resets_in: Duration,
}

/// Fixed-window counters for rate limits, shared by every instance in production.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// The current count of `key` without changing it.
    async fn peek(&self, key: &str) -> Result<RateWindow, StoreError>;
    /// Adds one to `key`, opening a window of `window` if none is open.
    async fn hit(&self, key: &str, window: Duration) -> Result<RateWindow, StoreError>;
    /// Gives back one unit a `hit` took, for an attempt that turned out not to count;
    /// never below zero, and the window keeps its end.
    async fn release(&self, key: &str) -> Result<(), StoreError>;
    /// Forgets `key`.
    async fn clear(&self, key: &str) -> Result<(), StoreError>;
}

/// Current time in Unix milliseconds.
pub fn now_ms() -> i64 {
    crate::stored::now().timestamp_millis()
}

#[cfg(test)]
mod contract_tests;
