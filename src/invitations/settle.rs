//! One address, one state: when a member comes to hold an address — created by an
//! admin or an import, registered, or by a confirmed change — a pending JOIN invitation
//! for that address is settled in the same transaction: the member joins its groups,
//! and the invitation counts as accepted by them, its links ended. No live invitation
//! is left whose link would answer "this address already belongs to a member".
//! Callers hold the tenant's address lock ([`crate::members::create::lock_addresses`]).

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::{tokens, Kind, Status};
use crate::audit;
use crate::error::Result;
use crate::members::write::held_addresses;
use crate::values::email;
use entity::{groups, invitations, members};

/// Whether `tenant` has any pending JOIN invitation: when it has none, members given
/// addresses under the caller's address lock have nothing to settle, and a bulk write
/// skips the lookup per chunk.
pub async fn any_pending_join<C: ConnectionTrait>(conn: &C, tenant: &str) -> Result<bool> {
    let found: Option<Uuid> = invitations::Entity::find()
        .select_only()
        .column(invitations::Column::Id)
        .filter(invitations::Column::Tenant.eq(tenant))
        .filter(invitations::Column::Kind.eq(Kind::Join))
        .filter(invitations::Column::Status.eq(Status::Pending))
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(found.is_some())
}

/// Settles the pending JOIN invitations of the addresses these members now hold
/// ([`held_addresses`]).
pub async fn settle_for_members<C: ConnectionTrait>(conn: &C, tenant: &str, members: &[members::Model]) -> Result<()> {
    let by_key: HashMap<String, Uuid> = members
        .iter()
        .flat_map(|m| held_addresses(m).map(|(_, address)| (email::key(address), m.id)))
        .collect();
    if by_key.is_empty() {
        return Ok(());
    }
    let keys: Vec<String> = by_key.keys().cloned().collect();
    for chunk in keys.chunks(crate::members::IDS_PER_QUERY) {
        let pending = invitations::Entity::find()
            .filter(invitations::Column::Tenant.eq(tenant))
            .filter(invitations::Column::Kind.eq(Kind::Join))
            .filter(invitations::Column::Status.eq(Status::Pending))
            .filter(invitations::Column::EmailKey.is_in(chunk.to_vec()))
            .all(conn)
            .await?;
        for invitation in pending {
            let member = by_key[&invitation.email_key];
            settle(conn, tenant, &invitation, member).await?;
        }
    }
    Ok(())
}

async fn settle<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    invitation: &invitations::Model,
    member: Uuid,
) -> Result<()> {
    let wanted = super::group_ids_of(invitation)?;
    if !wanted.is_empty() {
        // Groups deleted since, and smart ones (their rule decides), are left out.
        let group_ids: Vec<Uuid> = groups::Entity::find()
            .select_only()
            .column(groups::Column::Id)
            .filter(groups::Column::Tenant.eq(tenant))
            .filter(groups::Column::Id.is_in(wanted))
            .filter(groups::Column::Rule.is_null())
            .into_tuple()
            .all(conn)
            .await?;
        crate::groups::add_to_groups(conn, tenant, &[member], &group_ids).await?;
    }
    let now = crate::stored::now();
    invitations::Entity::update_many()
        .col_expr(invitations::Column::Status, Expr::value(Status::Accepted))
        .col_expr(invitations::Column::AcceptedAt, Expr::value(Some(now)))
        .col_expr(invitations::Column::MemberId, Expr::value(Some(member)))
        .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
        .filter(invitations::Column::Id.eq(invitation.id))
        .exec(conn)
        .await?;
    tokens::revoke_all(conn, &[invitation.id]).await?;
    let details = json!({ "email": invitation.email, "member": member, "reason": "address_now_a_member" });
    audit::record(conn, tenant, None, "invitation.settled", Some(invitation.id), details).await
}
