//! Single-use links for password reset and email change, stored by SHA-256.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::token::{hash_token, looks_like_token, OpaqueToken};
use crate::error::{Error, Result};
use entity::one_time_tokens;

/// What a one-time link does, and how long it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    PasswordReset,
    EmailChangeConfirm,
    EmailChangeRevert,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::EmailChangeConfirm => "email_change_confirm",
            Purpose::EmailChangeRevert => "email_change_revert",
        }
    }

    /// One hour to reset, a day to confirm a new address, a week to say "this wasn't me".
    pub fn lifetime(self) -> chrono::Duration {
        match self {
            Purpose::PasswordReset => chrono::Duration::hours(1),
            Purpose::EmailChangeConfirm => chrono::Duration::days(1),
            Purpose::EmailChangeRevert => chrono::Duration::days(7),
        }
    }
}

/// Why a link stopped working, as stored in `end_reason`.
const USED: &str = "used";
const REPLACED: &str = "replaced";
const ENDED: &str = "ended";

/// Where a one-time link stands, as the person holding it may learn it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// The link works.
    Live(one_time_tokens::Model),
    /// It did its job once already.
    Used,
    /// A newer link for the same purpose was sent since.
    Replaced,
    /// A later change to the account ended it (a password reset with another link,
    /// an email change reverted, a merge).
    Ended,
    /// Past its lifetime, unused.
    Expired,
    /// No link of this tenant and purpose has this token.
    Unknown,
}

/// Creates a token; returns its text (for the email only) and when it expires.
/// A new reset link replaces the member's older unused ones: only the latest works.
pub async fn issue<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    purpose: Purpose,
    member_id: Uuid,
    payload: serde_json::Value,
) -> Result<(String, DateTime<Utc>)> {
    if purpose == Purpose::PasswordReset {
        end_unused(conn, member_id, purpose, REPLACED).await?;
    }
    let token = OpaqueToken::generate();
    let now = crate::stored::now();
    let expires = now + purpose.lifetime();
    one_time_tokens::Entity::insert(one_time_tokens::ActiveModel {
        token_hash: Set(token.hash),
        tenant: Set(tenant.to_owned()),
        purpose: Set(purpose.as_str().to_owned()),
        member_id: Set(member_id),
        payload: Set(payload.to_string()),
        expires_at: Set(expires),
        used_at: Set(None),
        end_reason: Set(None),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok((token.plain, expires))
}

/// Where the link with this token stands (any state: dead links are kept, by hash).
pub async fn state<C: ConnectionTrait>(conn: &C, tenant: &str, purpose: Purpose, text: &str) -> Result<LinkState> {
    if !looks_like_token(text.trim()) {
        return Ok(LinkState::Unknown);
    }
    let found = one_time_tokens::Entity::find_by_id(hash_token(text.trim()))
        .filter(one_time_tokens::Column::Tenant.eq(tenant))
        .filter(one_time_tokens::Column::Purpose.eq(purpose.as_str()))
        .one(conn)
        .await?;
    let Some(token) = found else {
        return Ok(LinkState::Unknown);
    };
    // What ended a link tells more than its age: a used link stays "used" once expired.
    Ok(match (token.used_at, token.end_reason.as_deref()) {
        (Some(_), Some(REPLACED)) => LinkState::Replaced,
        (Some(_), Some(ENDED)) => LinkState::Ended,
        (Some(_), _) => LinkState::Used,
        (None, _) if token.expires_at <= crate::stored::now() => LinkState::Expired,
        (None, _) => LinkState::Live(token),
    })
}

/// The live token of this tenant and purpose, without using it (TOKEN_INVALID otherwise).
pub async fn peek<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    purpose: Purpose,
    text: &str,
) -> Result<one_time_tokens::Model> {
    match state(conn, tenant, purpose, text).await? {
        LinkState::Live(token) => Ok(token),
        _ => Err(Error::TokenInvalid),
    }
}

/// Uses a token once: of two concurrent uses, exactly one succeeds.
pub async fn consume<C: ConnectionTrait>(conn: &C, token: &one_time_tokens::Model) -> Result<()> {
    let used = one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(Some(crate::stored::now())))
        .col_expr(one_time_tokens::Column::EndReason, Expr::value(Some(USED)))
        .filter(one_time_tokens::Column::TokenHash.eq(&token.token_hash))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    if used.rows_affected == 1 {
        Ok(())
    } else {
        Err(Error::TokenInvalid)
    }
}

/// Ends the unused tokens of these members whose purpose is one of `purposes`, after a
/// change to their accounts that voids them ([`crate::account::credentials`] decides which).
pub async fn end_for_members<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    member_ids: &[Uuid],
    purposes: &[Purpose],
) -> Result<()> {
    let purposes: Vec<&str> = purposes.iter().map(|p| p.as_str()).collect();
    for chunk in member_ids.chunks(5_000) {
        one_time_tokens::Entity::update_many()
            .col_expr(one_time_tokens::Column::UsedAt, Expr::value(Some(crate::stored::now())))
            .col_expr(one_time_tokens::Column::EndReason, Expr::value(Some(ENDED)))
            .filter(one_time_tokens::Column::Tenant.eq(tenant))
            .filter(one_time_tokens::Column::MemberId.is_in(chunk.to_vec()))
            .filter(one_time_tokens::Column::Purpose.is_in(purposes.clone()))
            .filter(one_time_tokens::Column::UsedAt.is_null())
            .exec(conn)
            .await?;
    }
    Ok(())
}

async fn end_unused<C: ConnectionTrait>(conn: &C, member_id: Uuid, purpose: Purpose, reason: &str) -> Result<()> {
    one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(Some(crate::stored::now())))
        .col_expr(one_time_tokens::Column::EndReason, Expr::value(Some(reason)))
        .filter(one_time_tokens::Column::MemberId.eq(member_id))
        .filter(one_time_tokens::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
