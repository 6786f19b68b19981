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

/// Creates a token; returns its text (for the email only) and when it expires.
pub async fn issue<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    purpose: Purpose,
    member_id: Uuid,
    payload: serde_json::Value,
) -> Result<(String, DateTime<Utc>)> {
    let token = OpaqueToken::generate();
    let now = Utc::now();
    let expires = now + purpose.lifetime();
    one_time_tokens::Entity::insert(one_time_tokens::ActiveModel {
        token_hash: Set(token.hash),
        tenant: Set(tenant.to_owned()),
        purpose: Set(purpose.as_str().to_owned()),
        member_id: Set(member_id),
        payload: Set(payload.to_string()),
        expires_at: Set(expires),
        used_at: Set(None),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok((token.plain, expires))
}

/// The live token of this tenant and purpose, without using it (TOKEN_INVALID otherwise).
pub async fn peek<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    purpose: Purpose,
    text: &str,
) -> Result<one_time_tokens::Model> {
    if !looks_like_token(text.trim()) {
        return Err(Error::TokenInvalid);
    }
    let found = one_time_tokens::Entity::find_by_id(hash_token(text.trim()))
        .filter(one_time_tokens::Column::Tenant.eq(tenant))
        .filter(one_time_tokens::Column::Purpose.eq(purpose.as_str()))
        .one(conn)
        .await?;
    match found {
        Some(token) if token.used_at.is_none() && token.expires_at > Utc::now() => Ok(token),
        _ => Err(Error::TokenInvalid),
    }
}

/// Uses a token once: of two concurrent uses, exactly one succeeds.
pub async fn consume<C: ConnectionTrait>(conn: &C, token: &one_time_tokens::Model) -> Result<()> {
    let used = one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(Some(Utc::now())))
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

/// Ends every unused token of a member for a purpose (e.g. older reset links).
pub async fn revoke_all<C: ConnectionTrait>(conn: &C, member_id: Uuid, purpose: Purpose) -> Result<()> {
    one_time_tokens::Entity::update_many()
        .col_expr(one_time_tokens::Column::UsedAt, Expr::value(Some(Utc::now())))
        .filter(one_time_tokens::Column::MemberId.eq(member_id))
        .filter(one_time_tokens::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_tokens::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
