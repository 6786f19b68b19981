//! Invitation links: several may be live (the email and its reminders); a new link
//! from the admin, a resend, acceptance or revocation ends them all.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::token::{hash_token, looks_like_token, OpaqueToken};
use crate::error::Result;
use entity::{invitation_tokens, invitations};

/// A new link for the invitation; returns the token's text (shown once).
pub async fn issue<C: ConnectionTrait>(conn: &C, invitation: &invitations::Model) -> Result<String> {
    let token = OpaqueToken::generate();
    invitation_tokens::Entity::insert(invitation_tokens::ActiveModel {
        token_hash: Set(token.hash),
        tenant: Set(invitation.tenant.clone()),
        invitation_id: Set(invitation.id),
        created_at: Set(crate::stored::now()),
        revoked_at: Set(None),
    })
    .exec(conn)
    .await?;
    Ok(token.plain)
}

/// A new link for each of these invitations, in multi-row statements; by invitation id.
pub async fn issue_many<C: ConnectionTrait>(
    conn: &C,
    invitations: &[&invitations::Model],
) -> Result<std::collections::HashMap<Uuid, String>> {
    let now = crate::stored::now();
    let mut plain = std::collections::HashMap::new();
    let mut rows = Vec::new();
    for inv in invitations {
        let token = OpaqueToken::generate();
        rows.push(invitation_tokens::ActiveModel {
            token_hash: Set(token.hash),
            tenant: Set(inv.tenant.clone()),
            invitation_id: Set(inv.id),
            created_at: Set(now),
            revoked_at: Set(None),
        });
        plain.insert(inv.id, token.plain);
    }
    for chunk in rows.chunks(1_000) {
        invitation_tokens::Entity::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(plain)
}

/// Ends every link of these invitations.
pub async fn revoke_all<C: ConnectionTrait>(conn: &C, invitation_ids: &[Uuid]) -> Result<()> {
    for chunk in invitation_ids.chunks(5_000) {
        invitation_tokens::Entity::update_many()
            .col_expr(
                invitation_tokens::Column::RevokedAt,
                Expr::value(Some(crate::stored::now())),
            )
            .filter(invitation_tokens::Column::InvitationId.is_in(chunk.to_vec()))
            .filter(invitation_tokens::Column::RevokedAt.is_null())
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// The invitation a live link of this tenant opens; None for unknown, revoked or garbage.
pub async fn lookup<C: ConnectionTrait>(conn: &C, tenant: &str, text: &str) -> Result<Option<invitations::Model>> {
    Ok(find_any(conn, tenant, text)
        .await?
        .and_then(|(invitation, live)| live.then_some(invitation)))
}

/// The invitation any link of this tenant ever opened, live or not (ended links are
/// kept, by hash), and whether this link still works; None for unknown or garbage.
pub async fn find_any<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    text: &str,
) -> Result<Option<(invitations::Model, bool)>> {
    let text = text.trim();
    if !looks_like_token(text) {
        return Ok(None);
    }
    let Some(token) = invitation_tokens::Entity::find_by_id(hash_token(text))
        .filter(invitation_tokens::Column::Tenant.eq(tenant))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let live = token.revoked_at.is_none();
    Ok(super::find(conn, tenant, token.invitation_id)
        .await?
        .map(|invitation| (invitation, live)))
}
