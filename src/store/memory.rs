//! In-process session store and rate limiter for the embedded default (one instance).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use uuid::Uuid;

use super::{now_ms, RateLimiter, RateWindow, SessionRecord, SessionStore, StoreError};

struct LiveSession {
    record: SessionRecord,
    idle_expires_at_ms: i64,
}

#[derive(Default)]
struct Sessions {
    by_key: HashMap<(String, String), LiveSession>,
    by_member: HashMap<(String, Uuid), HashSet<String>>,
    writes_since_sweep: usize,
}

impl Sessions {
    fn unlink(&mut self, tenant: &str, hash: &str, member_id: Uuid) {
        let member_key = (tenant.to_owned(), member_id);
        if let Some(set) = self.by_member.get_mut(&member_key) {
            set.remove(hash);
            if set.is_empty() {
                self.by_member.remove(&member_key);
            }
        }
    }

    /// Drops dead sessions now and then so an idle server does not grow forever.
    fn sweep_if_due(&mut self, now: i64) {
        self.writes_since_sweep += 1;
        if self.writes_since_sweep < 1024 {
            return;
        }
        self.writes_since_sweep = 0;
        let dead: Vec<((String, String), Uuid)> = self
            .by_key
            .iter()
            .filter(|(_, s)| is_dead(s, now))
            .map(|(k, s)| (k.clone(), s.record.member_id))
            .collect();
        for ((tenant, hash), member) in dead {
            self.by_key.remove(&(tenant.clone(), hash.clone()));
            self.unlink(&tenant, &hash, member);
        }
    }
}

fn is_dead(session: &LiveSession, now: i64) -> bool {
    now >= session.idle_expires_at_ms || now >= session.record.absolute_expires_at_ms
}

/// Sessions and counters in this process's memory; lost at restart, not shared.
#[derive(Default)]
pub struct MemoryStore {
    sessions: Mutex<Sessions>,
    counters: Mutex<HashMap<String, (u64, i64)>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create(
        &self,
        tenant: &str,
        token_hash: &str,
        record: &SessionRecord,
        idle: Duration,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let mut sessions = self.sessions.lock().expect("session lock");
        sessions.sweep_if_due(now);
        sessions.by_key.insert(
            (tenant.to_owned(), token_hash.to_owned()),
            LiveSession {
                record: record.clone(),
                idle_expires_at_ms: now.saturating_add(millis(idle)),
            },
        );
        sessions
            .by_member
            .entry((tenant.to_owned(), record.member_id))
            .or_default()
            .insert(token_hash.to_owned());
        Ok(())
    }

    async fn touch(&self, tenant: &str, token_hash: &str, idle: Duration) -> Result<Option<SessionRecord>, StoreError> {
        let now = now_ms();
        let mut sessions = self.sessions.lock().expect("session lock");
        let key = (tenant.to_owned(), token_hash.to_owned());
        let Some(live) = sessions.by_key.get_mut(&key) else {
            return Ok(None);
        };
        if is_dead(live, now) {
            let member = live.record.member_id;
            sessions.by_key.remove(&key);
            sessions.unlink(tenant, token_hash, member);
            return Ok(None);
        }
        live.idle_expires_at_ms = now.saturating_add(millis(idle));
        Ok(Some(live.record.clone()))
    }

    async fn remove(&self, tenant: &str, token_hash: &str) -> Result<bool, StoreError> {
        let mut sessions = self.sessions.lock().expect("session lock");
        match sessions.by_key.remove(&(tenant.to_owned(), token_hash.to_owned())) {
            Some(live) => {
                sessions.unlink(tenant, token_hash, live.record.member_id);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn remove_member_sessions(
        &self,
        tenant: &str,
        member_id: Uuid,
        keep: Option<&str>,
    ) -> Result<u64, StoreError> {
        let now = now_ms();
        let mut sessions = self.sessions.lock().expect("session lock");
        let hashes = sessions
            .by_member
            .remove(&(tenant.to_owned(), member_id))
            .unwrap_or_default();
        let mut ended = 0;
        let mut kept = HashSet::new();
        for hash in hashes {
            if Some(hash.as_str()) == keep {
                kept.insert(hash);
                continue;
            }
            if let Some(live) = sessions.by_key.remove(&(tenant.to_owned(), hash)) {
                if !is_dead(&live, now) {
                    ended += 1;
                }
            }
        }
        if !kept.is_empty() {
            sessions.by_member.insert((tenant.to_owned(), member_id), kept);
        }
        Ok(ended)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[async_trait]
impl RateLimiter for MemoryStore {
    async fn peek(&self, key: &str) -> Result<RateWindow, StoreError> {
        let now = now_ms();
        let counters = self.counters.lock().expect("counter lock");
        Ok(match counters.get(key) {
            Some(&(count, ends)) if ends > now => RateWindow {
                count,
                resets_in: Duration::from_millis((ends - now) as u64),
            },
            _ => RateWindow {
                count: 0,
                resets_in: Duration::ZERO,
            },
        })
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<RateWindow, StoreError> {
        let now = now_ms();
        let mut counters = self.counters.lock().expect("counter lock");
        if counters.len() > 100_000 {
            counters.retain(|_, (_, ends)| *ends > now);
        }
        let entry = counters.entry(key.to_owned()).or_insert((0, 0));
        if entry.1 <= now {
            *entry = (0, now.saturating_add(millis(window)));
        }
        entry.0 += 1;
        Ok(RateWindow {
            count: entry.0,
            resets_in: Duration::from_millis((entry.1 - now).max(0) as u64),
        })
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let now = now_ms();
        let mut counters = self.counters.lock().expect("counter lock");
        if let Some((count, ends)) = counters.get_mut(key) {
            if *ends > now {
                *count = count.saturating_sub(1);
            }
        }
        Ok(())
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        self.counters.lock().expect("counter lock").remove(key);
        Ok(())
    }
}
