//! Invitations once sent, as their managers (invitations.manage) see them: list, read,
//! resend, revoke, hand out a link.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::{find, tokens, DeliveryStatus, Kind, Status};
use crate::app::App;
use crate::audit;
use crate::auth::permissions::require;
use crate::auth::Caller;
use crate::config::Permission;
use crate::error::{Error, Result};
use crate::mail::compose::link;
use crate::members::search;
use crate::sql::{of_tenant_among, unindexed};
use entity::invitations;

/// The statuses a revocation ends, as stored values: pending, or expired (a new link
/// could still be asked for).
fn open_statuses() -> [String; 2] {
    [Status::Pending.into_value(), Status::Expired.into_value()]
}

/// Which invitations to list: by status (a pending one past its expiry counts as expired),
/// by kind, and by a piece of the address or name.
#[derive(Debug, Clone, Default)]
pub struct InvitationFilter {
    pub status: Option<Status>,
    pub kind: Option<Kind>,
    pub search: Option<String>,
}

/// A page of invitations, newest first (invitations.manage), with the total.
pub async fn list_invitations(
    app: &App,
    caller: &Caller,
    filter: &InvitationFilter,
    limit: u64,
    after: Option<Uuid>,
) -> Result<(Vec<invitations::Model>, bool, u64)> {
    require(&app.db, caller, Permission::InvitationsManage).await?;
    let mut cond = Condition::all().add(invitations::Column::Tenant.eq(&caller.tenant.slug));
    match filter.status {
        // Pending past their expiry (the job has not run yet) read as expired.
        Some(Status::Pending) => {
            cond = cond
                .add(invitations::Column::Status.eq(Status::Pending))
                .add(invitations::Column::ExpiresAt.gt(crate::stored::now()))
        }
        Some(Status::Expired) => {
            cond = cond.add(
                Condition::any()
                    .add(invitations::Column::Status.eq(Status::Expired))
                    .add(
                        Condition::all()
                            .add(invitations::Column::Status.eq(Status::Pending))
                            .add(invitations::Column::ExpiresAt.lte(crate::stored::now())),
                    ),
            )
        }
        Some(status) => cond = cond.add(invitations::Column::Status.eq(status)),
        None => {}
    }
    if let Some(kind) = filter.kind {
        cond = cond.add(invitations::Column::Kind.eq(kind));
    }
    if let Some(text) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let needle = search::fold(text);
        cond = cond.add(
            Condition::any()
                .add(invitations::Column::EmailKey.contains(&needle))
                .add(invitations::Column::FirstName.contains(text))
                .add(invitations::Column::LastName.contains(text)),
        );
    }
    let total = invitations::Entity::find().filter(cond.clone()).count(&app.db).await?;
    let mut query = invitations::Entity::find().filter(cond);
    if let Some(after) = after {
        query = query.filter(invitations::Column::Id.lt(after));
    }
    let mut rows = query
        .order_by_desc(invitations::Column::Id)
        .limit(limit + 1)
        .all(&app.db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more, total))
}

/// One invitation (invitations.manage), or None.
pub async fn get_invitation(app: &App, caller: &Caller, id: Uuid) -> Result<Option<invitations::Model>> {
    require(&app.db, caller, Permission::InvitationsManage).await?;
    find(&app.db, &caller.tenant.slug, id).await
}

async fn load_all(app: &App, caller: &Caller, ids: &[Uuid]) -> Result<Vec<invitations::Model>> {
    if ids.len() > 10_000 {
        return Err(Error::invalid("ids", "at most 10000 ids"));
    }
    let rows = invitations::Entity::find()
        .filter(of_tenant_among(
            invitations::Column::Tenant,
            invitations::Column::Id,
            &caller.tenant.slug,
            ids.iter().copied(),
        ))
        .all(&app.db)
        .await?;
    if let Some(missing) = ids.iter().find(|id| !rows.iter().any(|r| r.id == **id)) {
        return Err(Error::NotFound(format!("No invitation with id {missing}.")));
    }
    Ok(rows)
}

/// New token, new expiry, email sent again; works on expired invitations too
/// (invitations.manage). Accepted or revoked ones are refused.
pub async fn resend_invitations(app: &App, caller: &Caller, ids: &[Uuid]) -> Result<Vec<invitations::Model>> {
    require(&app.db, caller, Permission::InvitationsManage).await?;
    let rows = load_all(app, caller, ids).await?;
    if let Some(done) = rows
        .iter()
        .find(|r| matches!(r.status, Status::Accepted | Status::Revoked))
    {
        return Err(Error::invalid(
            "ids",
            format!("the invitation of {} is {}", done.email, done.status.to_value()),
        ));
    }
    let tenant = caller.tenant.clone();
    let actor = caller.member_id();
    let lifetime = chrono::Duration::from_std(tenant.invitations.lifetime).expect("sane lifetime");
    let renewed: Vec<invitations::Model> = rows
        .into_iter()
        .map(|mut inv| {
            let now = crate::stored::now();
            inv.status = Status::Pending;
            inv.delivery_status = DeliveryStatus::Queued;
            inv.expires_at = now + lifetime;
            inv.reminders_sent = 0;
            inv.last_reminded_at = None;
            inv.new_invitation_requested_at = None;
            inv.updated_at = now;
            inv
        })
        .collect();
    let slug = tenant.slug.clone();
    Ok(app
        .db
        .transaction::<_, Vec<invitations::Model>, Error>(move |txn| {
            Box::pin(async move {
                super::invite::store(txn, &slug, Some(actor), &[], &renewed).await?;
                Ok(renewed)
            })
        })
        .await?)
}

/// Revokes pending invitations: their links stop working (invitations.manage).
pub async fn revoke_invitations(app: &App, caller: &Caller, ids: &[Uuid]) -> Result<u64> {
    require(&app.db, caller, Permission::InvitationsManage).await?;
    let rows = load_all(app, caller, ids).await?;
    let pending: Vec<Uuid> = rows
        .iter()
        .filter(|r| matches!(r.status, Status::Pending | Status::Expired))
        .map(|r| r.id)
        .collect();
    let tenant = caller.tenant.slug.clone();
    let actor = caller.member_id();
    Ok(app
        .db
        .transaction::<_, u64, Error>(move |txn| {
            Box::pin(async move { revoke(txn, &tenant, Some(actor), &pending, json!({})).await })
        })
        .await?)
}

/// Revokes these pending or expired invitations and ends their links; audits
/// `invitation.revoked` with `details` (e.g. the reason when no person asked for it).
/// Returns how many were revoked. Every revocation goes through here.
pub async fn revoke<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    actor: Option<Uuid>,
    ids: &[Uuid],
    details: serde_json::Value,
) -> Result<u64> {
    let now = crate::stored::now();
    let mut revoked = 0;
    for chunk in ids.chunks(crate::members::IDS_PER_QUERY) {
        revoked += invitations::Entity::update_many()
            .col_expr(invitations::Column::Status, Expr::value(Status::Revoked))
            .col_expr(invitations::Column::RevokedAt, Expr::value(Some(now)))
            .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
            .filter(of_tenant_among(
                invitations::Column::Tenant,
                invitations::Column::Id,
                tenant,
                chunk.iter().copied(),
            ))
            .filter(Expr::expr(unindexed(invitations::Column::Status)).is_in(open_statuses()))
            .exec(conn)
            .await?
            .rows_affected;
    }
    tokens::revoke_all(conn, ids).await?;
    audit::record_many(conn, tenant, actor, "invitation.revoked", ids, details).await?;
    Ok(revoked)
}

/// Revokes the pending ACTIVATION invitations of these members (a set-your-password link
/// must not outlive a change to their password, address or account); `reason` goes to
/// the audit log.
pub async fn revoke_activations_of<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    member_ids: &[Uuid],
    reason: &str,
) -> Result<()> {
    let mut ids: Vec<Uuid> = Vec::new();
    for chunk in member_ids.chunks(crate::members::IDS_PER_QUERY) {
        let found: Vec<Uuid> = invitations::Entity::find()
            .select_only()
            .column(invitations::Column::Id)
            .filter(of_tenant_among(
                invitations::Column::Tenant,
                invitations::Column::MemberId,
                tenant,
                chunk.iter().copied(),
            ))
            .filter(invitations::Column::Kind.eq(Kind::Activation))
            .filter(Expr::expr(unindexed(invitations::Column::Status)).is_in(open_statuses()))
            .into_tuple()
            .all(conn)
            .await?;
        ids.extend(found);
    }
    if ids.is_empty() {
        return Ok(());
    }
    revoke(conn, tenant, None, &ids, json!({ "reason": reason })).await?;
    Ok(())
}

/// A new link for the admin to pass on by hand; the previous links stop working
/// (invitations.manage). The invitation must be pending.
pub async fn invitation_link(app: &App, caller: &Caller, id: Uuid) -> Result<String> {
    require(&app.db, caller, Permission::InvitationsManage).await?;
    let inv = find(&app.db, &caller.tenant.slug, id)
        .await?
        .ok_or_else(|| Error::NotFound("No invitation with this id.".into()))?;
    if inv.status != Status::Pending || inv.expires_at <= crate::stored::now() {
        return Err(Error::invalid(
            "id",
            "only a pending invitation has a link; resend an expired one",
        ));
    }
    let tenant = caller.tenant.slug.clone();
    let actor = caller.member_id();
    let token = app
        .db
        .transaction::<_, String, Error>(move |txn| {
            Box::pin(async move {
                tokens::revoke_all(txn, &[inv.id]).await?;
                let token = tokens::issue(txn, &inv).await?;
                audit::record(
                    txn,
                    &tenant,
                    Some(actor),
                    "invitation.link_issued",
                    Some(inv.id),
                    json!({}),
                )
                .await?;
                Ok(token)
            })
        })
        .await?;
    Ok(link(app, &caller.tenant, "invitations/accept", &token))
}
