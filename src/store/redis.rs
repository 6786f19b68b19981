//! Redis session store and rate limiter: shared by every instance, so a session
//! opened on one works on all, and a session ended on one is gone everywhere.

use std::sync::RwLock;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ConnectionAddr, IntoConnectionInfo, TlsCertificates};
use uuid::Uuid;

use super::{now_ms, RateLimiter, RateWindow, SessionRecord, SessionStore, StoreError};
use crate::tls::ExtraRoots;

/// Slower than this, Redis counts as down and the request fails closed.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(2);

/// Sessions as `{prefix}s:{tenant}:{hash}` (JSON), each member's session hashes in
/// the set `{prefix}m:{tenant}:{member}`, counters as `{prefix}rl:{key}`.
pub struct RedisStore {
    client: redis::Client,
    prefix: String,
    connection: RwLock<Option<ConnectionManager>>,
    connecting: tokio::sync::Mutex<()>,
}

fn store_err(err: impl std::fmt::Display) -> StoreError {
    StoreError(err.to_string())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A client for `url`: `redis://` in the clear, `rediss://` over TLS checking the
/// server's certificate against Mozilla's roots and `roots`, `unix://` a local socket.
fn client(url: &str, roots: Option<&ExtraRoots>) -> Result<redis::Client, String> {
    crate::tls::use_ring_provider();
    let schemes = ["redis", "rediss", "unix", "redis+unix"];
    if !url::Url::parse(url).is_ok_and(|u| schemes.contains(&u.scheme())) {
        return Err("must be a redis://, rediss:// (TLS) or unix:// URL".into());
    }
    let info = url.into_connection_info().map_err(|e| {
        // "Invalid database number- InvalidClientConfig": the words, not the kind.
        let kind = format!("{:?}", e.kind());
        e.to_string()
            .replace(&format!(" - {kind}"), "")
            .replace(&format!("- {kind}"), "")
    })?;
    let ConnectionAddr::TcpTls { insecure, .. } = &info.addr else {
        return redis::Client::open(info).map_err(|e| e.to_string());
    };
    // The redis crate would accept it here and refuse at the first connection.
    if *insecure {
        return Err("#insecure is not supported: the certificate is always checked \
                    (a private CA goes in tls_ca_file)"
            .into());
    }
    let client = match roots {
        // Roots given to redis replace its public ones: hand it both.
        Some(roots) => redis::Client::build_with_tls(
            info,
            TlsCertificates {
                client_tls: None,
                root_cert: Some(roots.with_public_roots_pem()),
            },
        ),
        None => redis::Client::open(info),
    };
    client.map_err(|e| e.to_string())
}

impl RedisStore {
    /// Checks the URL now; connects lazily so that a server started while Redis is
    /// down serves SERVICE_UNAVAILABLE and recovers by itself. `roots`: `tls_ca_file`.
    pub fn new(url: &str, prefix: &str, roots: Option<&ExtraRoots>) -> Result<Self, StoreError> {
        Ok(Self {
            client: client(url, roots).map_err(StoreError)?,
            prefix: prefix.to_owned(),
            connection: RwLock::new(None),
            connecting: tokio::sync::Mutex::new(()),
        })
    }

    /// Whether `new` would take `url`, without connecting (for `roster check-config`).
    pub fn check_url(url: &str) -> Result<(), String> {
        client(url, None).map(|_| ())
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        if let Some(conn) = self.connection.read().expect("redis lock").as_ref() {
            return Ok(conn.clone());
        }
        let _guard = self.connecting.lock().await;
        if let Some(conn) = self.connection.read().expect("redis lock").as_ref() {
            return Ok(conn.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(OPERATION_TIMEOUT)
            .set_response_timeout(OPERATION_TIMEOUT)
            .set_number_of_retries(1);
        let conn = tokio::time::timeout(
            OPERATION_TIMEOUT * 2,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| StoreError("timed out connecting to Redis".into()))?
        .map_err(store_err)?;
        *self.connection.write().expect("redis lock") = Some(conn.clone());
        Ok(conn)
    }

    async fn run<T: redis::FromRedisValue>(&self, make: impl FnOnce(&mut redis::Pipeline)) -> Result<T, StoreError> {
        let mut conn = self.connection().await?;
        let mut pipe = redis::pipe();
        make(&mut pipe);
        tokio::time::timeout(OPERATION_TIMEOUT, pipe.query_async(&mut conn))
            .await
            .map_err(|_| StoreError("Redis did not answer in time".into()))?
            .map_err(store_err)
    }

    fn session_key(&self, tenant: &str, hash: &str) -> String {
        format!("{}s:{tenant}:{hash}", self.prefix)
    }

    fn member_key(&self, tenant: &str, member: Uuid) -> String {
        format!("{}m:{tenant}:{member}", self.prefix)
    }

    fn counter_key(&self, key: &str) -> String {
        format!("{}rl:{key}", self.prefix)
    }
}

#[async_trait]
impl SessionStore for RedisStore {
    async fn create(
        &self,
        tenant: &str,
        token_hash: &str,
        record: &SessionRecord,
        idle: Duration,
    ) -> Result<(), StoreError> {
        let value = serde_json::to_string(record).map_err(store_err)?;
        let absolute_ms = (record.absolute_expires_at_ms - now_ms()).max(1) as u64;
        let ttl = millis(idle).min(absolute_ms);
        let skey = self.session_key(tenant, token_hash);
        let mkey = self.member_key(tenant, record.member_id);
        self.run::<()>(|p| {
            p.atomic()
                .cmd("SET")
                .arg(&skey)
                .arg(value)
                .arg("PX")
                .arg(ttl)
                .ignore()
                .cmd("SADD")
                .arg(&mkey)
                .arg(token_hash)
                .ignore()
                // The index lives as long as the longest session in it.
                .cmd("PEXPIRE")
                .arg(&mkey)
                .arg(absolute_ms)
                .arg("NX")
                .ignore()
                .cmd("PEXPIRE")
                .arg(&mkey)
                .arg(absolute_ms)
                .arg("GT")
                .ignore();
        })
        .await
    }

    async fn touch(&self, tenant: &str, token_hash: &str, idle: Duration) -> Result<Option<SessionRecord>, StoreError> {
        let skey = self.session_key(tenant, token_hash);
        let (raw,): (Option<String>,) = self
            .run(|p| {
                p.cmd("GETEX").arg(&skey).arg("PX").arg(millis(idle));
            })
            .await?;
        let Some(raw) = raw else { return Ok(None) };
        let record: SessionRecord = serde_json::from_str(&raw).map_err(store_err)?;
        if now_ms() >= record.absolute_expires_at_ms {
            self.remove(tenant, token_hash).await?;
            return Ok(None);
        }
        Ok(Some(record))
    }

    async fn remove(&self, tenant: &str, token_hash: &str) -> Result<bool, StoreError> {
        let skey = self.session_key(tenant, token_hash);
        let (raw,): (Option<String>,) = self
            .run(|p| {
                p.cmd("GETDEL").arg(&skey);
            })
            .await?;
        let Some(raw) = raw else { return Ok(false) };
        if let Ok(record) = serde_json::from_str::<SessionRecord>(&raw) {
            let mkey = self.member_key(tenant, record.member_id);
            self.run::<()>(|p| {
                p.cmd("SREM").arg(&mkey).arg(token_hash).ignore();
            })
            .await?;
        }
        Ok(true)
    }

    async fn remove_member_sessions(
        &self,
        tenant: &str,
        member_id: Uuid,
        keep: Option<&str>,
    ) -> Result<u64, StoreError> {
        let mkey = self.member_key(tenant, member_id);
        let (hashes,): (Vec<String>,) = self
            .run(|p| {
                p.cmd("SMEMBERS").arg(&mkey);
            })
            .await?;
        let doomed: Vec<&String> = hashes.iter().filter(|h| Some(h.as_str()) != keep).collect();
        if doomed.is_empty() {
            return Ok(0);
        }
        let keys: Vec<String> = doomed.iter().map(|h| self.session_key(tenant, h)).collect();
        let (ended,): (u64,) = self
            .run(|p| {
                p.atomic().cmd("DEL").arg(&keys);
                p.cmd("SREM").arg(&mkey).arg(&doomed).ignore();
            })
            .await?;
        Ok(ended)
    }

    async fn remove_sessions_of(&self, tenant: &str, members: &[Uuid]) -> Result<u64, StoreError> {
        // Two pipelined round trips per thousand members instead of two per member.
        let mut ended = 0;
        for chunk in members.chunks(1_000) {
            let index_keys: Vec<String> = chunk.iter().map(|m| self.member_key(tenant, *m)).collect();
            let hashes: Vec<Vec<String>> = self
                .run(|p| {
                    for key in &index_keys {
                        p.cmd("SMEMBERS").arg(key);
                    }
                })
                .await?;
            let session_keys: Vec<String> = hashes.iter().flatten().map(|h| self.session_key(tenant, h)).collect();
            let (deleted,): (u64,) = self
                .run(|p| {
                    if session_keys.is_empty() {
                        p.cmd("ECHO").arg(0);
                    } else {
                        p.cmd("DEL").arg(&session_keys);
                    }
                    p.cmd("DEL").arg(&index_keys).ignore();
                })
                .await?;
            ended += deleted;
        }
        Ok(ended)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let (pong,): (String,) = self
            .run(|p| {
                p.cmd("PING");
            })
            .await?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(StoreError(format!("unexpected PING answer {pong}")))
        }
    }
}

#[async_trait]
impl RateLimiter for RedisStore {
    async fn peek(&self, key: &str) -> Result<RateWindow, StoreError> {
        let ckey = self.counter_key(key);
        let (count, ttl): (Option<u64>, i64) = self
            .run(|p| {
                p.cmd("GET").arg(&ckey).cmd("PTTL").arg(&ckey);
            })
            .await?;
        Ok(RateWindow {
            count: count.unwrap_or(0),
            resets_in: Duration::from_millis(ttl.max(0) as u64),
        })
    }

    async fn hit(&self, key: &str, window: Duration) -> Result<RateWindow, StoreError> {
        let ckey = self.counter_key(key);
        let (count, ttl): (u64, i64) = self
            .run(|p| {
                p.atomic()
                    .cmd("INCR")
                    .arg(&ckey)
                    .cmd("PEXPIRE")
                    .arg(&ckey)
                    .arg(millis(window))
                    .arg("NX")
                    .ignore()
                    .cmd("PTTL")
                    .arg(&ckey);
            })
            .await?;
        Ok(RateWindow {
            count,
            resets_in: Duration::from_millis(ttl.max(0) as u64),
        })
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        // DECR alone would recreate an expired key at -1 with no expiry.
        let script = redis::Script::new(
            "local n = tonumber(redis.call('GET', KEYS[1]) or '0') \
             if n > 0 then redis.call('DECR', KEYS[1]) end return 0",
        );
        let mut conn = self.connection().await?;
        let ckey = self.counter_key(key);
        tokio::time::timeout(OPERATION_TIMEOUT, script.key(ckey).invoke_async::<i64>(&mut conn))
            .await
            .map_err(|_| StoreError("Redis did not answer in time".into()))?
            .map_err(store_err)?;
        Ok(())
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        let ckey = self.counter_key(key);
        self.run::<()>(|p| {
            p.cmd("DEL").arg(&ckey).ignore();
        })
        .await
    }
}
