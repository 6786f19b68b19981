//! Download links: `/t/{tenant}/downloads/{token}`, fetched with a plain GET. The token
//! is signed with the server's `secret_key` (HMAC-SHA256), names its tenant and expires
//! after ten minutes; a tampered, foreign or expired token is a 404. What it points to
//! is built on request (templates, error reports), stored briefly (personal data), or
//! stored as a recipe and streamed as it is built (exports).

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::app::App;
use crate::config::Tenant;
use crate::error::{Error, Result};
use entity::downloads;

/// How long a link works.
pub const LIFETIME: Duration = Duration::minutes(10);

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file to hand out, whole in memory (templates, error reports, personal data).
#[derive(Debug, Clone)]
pub struct File {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The bytes of a file as they are built; an `Err` ends the download unfinished.
pub type ByteStream = Pin<Box<dyn futures_util::Stream<Item = io::Result<Bytes>> + Send>>;

/// What a fetched link serves.
pub struct Download {
    pub name: String,
    pub content_type: String,
    pub body: Body,
}

/// A download's content: whole, or streamed as it is built.
pub enum Body {
    Whole(Vec<u8>),
    Streamed(ByteStream),
}

impl From<File> for Download {
    fn from(file: File) -> Download {
        Download {
            name: file.name,
            content_type: file.content_type,
            body: Body::Whole(file.bytes),
        }
    }
}

/// Bytes a download has buffered before they go to the client.
const CHUNK: usize = 64 * 1024;

/// An `io::Write` that hands what is written to a download's body in chunks of
/// [`CHUNK`] bytes, blocking while the client is slower than the writer (so memory
/// stays bounded). Writing fails with `BrokenPipe` once the client is gone.
pub struct BodyWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buffer: Vec<u8>,
    /// The client closed the connection: building stops, and that is no fault.
    client_left: bool,
}

impl BodyWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            self.client_left = true;
            io::Error::new(io::ErrorKind::BrokenPipe, "the client left")
        })
    }
}

impl Write for BodyWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// A body that `build` writes on a blocking thread (it may wait on the database with
/// `Handle::block_on`). What it writes reaches the client as it comes, at most four
/// chunks ahead of it; if `build` fails, the body ends with an error, so the client sees
/// a broken download rather than a short file.
pub fn streamed(build: impl FnOnce(&mut BodyWriter) -> Result<()> + Send + 'static) -> ByteStream {
    let (tx, rx) = mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let mut writer = BodyWriter {
            tx: tx.clone(),
            buffer: Vec::with_capacity(CHUNK),
            client_left: false,
        };
        let outcome = build(&mut writer).and_then(|()| writer.flush().map_err(|e| Error::Internal(e.to_string())));
        match outcome {
            Ok(()) => {}
            Err(_) if writer.client_left => tracing::debug!("a download's client left before its end"),
            Err(err) => {
                tracing::warn!(error = %err, "a streamed download stopped");
                let _ = tx.blocking_send(Err(io::Error::other(err.to_string())));
            }
        }
    });
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

/// A signed link to a file (GraphQL `Download`): where to GET it, under which name and
/// type, and until when it works.
#[derive(Debug, Clone)]
pub struct Link {
    pub url: String,
    pub file_name: String,
    pub content_type: String,
    pub expires_at: DateTime<Utc>,
}

/// What a link serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
pub enum Target {
    /// A file stored in `downloads`.
    Stored { id: Uuid },
    /// The error report of an import.
    ErrorReport { job: Uuid },
    /// An import template, built on request.
    Template {
        mode: String,
        format: String,
        locale: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// Tenant slug.
    t: String,
    /// Expiry, Unix seconds.
    e: i64,
    #[serde(flatten)]
    target: Target,
}

/// `payload.signature`, both base64url.
fn sign(secret: &[u8], claims: &Claims) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialise"));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{payload}.{signature}")
}

/// The target of a token, if its signature, tenant and expiry are right.
fn verify(secret: &[u8], tenant: &str, token: &str, now: DateTime<Utc>) -> Option<Target> {
    let (payload, signature) = token.split_once('.')?;
    let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(payload.as_bytes());
    // Constant-time comparison: a guessed signature learns nothing from timing.
    mac.verify_slice(&signature).ok()?;
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    (claims.t == tenant && claims.e > now.timestamp()).then_some(claims.target)
}

/// A signed link to `target`, valid for [`LIFETIME`].
pub fn link(app: &App, tenant: &Tenant, target: Target, file_name: &str, content_type: &str) -> Link {
    let expires_at = crate::stored::now() + LIFETIME;
    let claims = Claims {
        t: tenant.slug.clone(),
        e: expires_at.timestamp(),
        target,
    };
    let base = tenant.public_url(&app.settings.public_url);
    Link {
        url: format!(
            "{}/t/{}/downloads/{}",
            base.as_str().trim_end_matches('/'),
            tenant.slug,
            sign(&app.secret_key, &claims)
        ),
        file_name: file_name.to_owned(),
        content_type: content_type.to_owned(),
        expires_at,
    }
}

/// Stores `file` until its link expires and returns the link.
pub async fn store(app: &App, tenant: &Tenant, file: File) -> Result<Link> {
    keep(app, tenant, &file.name, &file.content_type, file.bytes, None).await
}

/// Stores an export's recipe (JSON) until its link expires and returns the link; the
/// file is built when the link is fetched ([`crate::exports::build`]).
pub async fn store_recipe(
    app: &App,
    tenant: &Tenant,
    name: &str,
    content_type: &str,
    recipe: serde_json::Value,
) -> Result<Link> {
    keep(app, tenant, name, content_type, Vec::new(), Some(recipe)).await
}

async fn keep(
    app: &App,
    tenant: &Tenant,
    name: &str,
    content_type: &str,
    content: Vec<u8>,
    recipe: Option<serde_json::Value>,
) -> Result<Link> {
    let id = Uuid::now_v7();
    downloads::ActiveModel {
        id: Set(id),
        tenant: Set(tenant.slug.clone()),
        file_name: Set(name.to_owned()),
        content_type: Set(content_type.to_owned()),
        content: Set(content),
        expires_at: Set(crate::stored::now() + LIFETIME),
        recipe: Set(recipe),
    }
    .insert(&app.db)
    .await?;
    Ok(link(app, tenant, Target::Stored { id }, name, content_type))
}

/// What a token serves, or None (unknown, tampered, foreign, expired, or an export
/// whose requester may no longer export).
pub async fn fetch(app: &App, tenant: &Arc<Tenant>, token: &str) -> Result<Option<Download>> {
    let Some(target) = verify(&app.secret_key, &tenant.slug, token, crate::stored::now()) else {
        return Ok(None);
    };
    match target {
        Target::Stored { id } => {
            let Some(stored) = downloads::Entity::find_by_id(id)
                .filter(downloads::Column::Tenant.eq(&tenant.slug))
                .filter(downloads::Column::ExpiresAt.gt(crate::stored::now()))
                .one(&app.db)
                .await?
            else {
                return Ok(None);
            };
            let body = match stored.recipe {
                None => Body::Whole(stored.content),
                Some(recipe) => match crate::exports::build(app, tenant, recipe).await? {
                    Some(stream) => Body::Streamed(stream),
                    None => return Ok(None),
                },
            };
            Ok(Some(Download {
                name: stored.file_name,
                content_type: stored.content_type,
                body,
            }))
        }
        Target::ErrorReport { job } => Ok(crate::imports::report::stored(&app.db, tenant, job)
            .await?
            .map(Download::from)),
        Target::Template { mode, format, locale } => {
            Ok(crate::imports::template::by_name(tenant, &mode, &format, &locale).map(Download::from))
        }
    }
}

/// Deletes stored files whose links have expired (run by the jobs worker).
pub async fn purge_expired(app: &App) -> Result<u64> {
    Ok(downloads::Entity::delete_many()
        .filter(downloads::Column::ExpiresAt.lte(crate::stored::now()))
        .exec(&app.db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn token(tenant: &str, expires: DateTime<Utc>) -> String {
        let claims = Claims {
            t: tenant.into(),
            e: expires.timestamp(),
            target: Target::ErrorReport { job: Uuid::nil() },
        };
        sign(KEY, &claims)
    }

    #[test]
    fn a_link_works_for_its_tenant_until_it_expires() {
        let now = crate::stored::now();
        let good = token("coop", now + LIFETIME);
        assert_eq!(
            verify(KEY, "coop", &good, now),
            Some(Target::ErrorReport { job: Uuid::nil() })
        );
        assert_eq!(verify(KEY, "acme", &good, now), None, "bound to its tenant");
        assert_eq!(verify(KEY, "coop", &good, now + LIFETIME), None, "expired");
        assert_eq!(verify(b"another key of thirty-two bytes!", "coop", &good, now), None);
    }

    #[test]
    fn a_tampered_link_is_refused() {
        let now = crate::stored::now();
        let good = token("coop", now + LIFETIME);
        let (payload, signature) = good.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Claims {
                t: "coop".into(),
                e: (now + Duration::days(365)).timestamp(),
                target: Target::ErrorReport { job: Uuid::nil() },
            })
            .unwrap(),
        );
        assert_eq!(verify(KEY, "coop", &format!("{forged_payload}.{signature}"), now), None);
        let mut flipped = signature.to_owned().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(verify(KEY, "coop", &format!("{payload}.{flipped}"), now), None);
        for junk in ["", ".", "abc", "a.b.c", "%%%.%%%"] {
            assert_eq!(verify(KEY, "coop", junk, now), None, "{junk:?}");
        }
    }
}
