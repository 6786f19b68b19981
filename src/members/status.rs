//! Activating and deactivating members by the hundred: one UPDATE, one multi-row
//! audit insert, and the sessions of the deactivated ended in batches.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait};
use uuid::Uuid;

use super::filter::{scope_condition, Selection};
use super::{list, Status};
use crate::account::credentials::{links_voided_by, AccountChange};
use crate::app::App;
use crate::audit;
use crate::auth::permissions::require_scope;
use crate::auth::Caller;
use crate::config::Permission;
use crate::error::{Error, Result};
use entity::members;

/// What a mass action did: how many members it named, and how many it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkResult {
    /// Members the selection named or matched.
    pub matched: u64,
    /// Members whose state actually changed.
    pub changed: u64,
}

/// Sets the status of the selected members (members.deactivate). The caller is never
/// deactivated by it; deactivated members' sessions end at once.
pub async fn set_status(app: &App, caller: &Caller, selection: Selection, target: Status) -> Result<BulkResult> {
    let scope = require_scope(&app.db, caller, Permission::MembersDeactivate).await?;
    let filter = selection.into_filter();
    filter.validate(&caller.tenant, "selection.filter")?;
    let selected = Condition::all()
        .add(filter.condition(&app.db, &caller.tenant).await?)
        .add(scope_condition(&app.db, &caller.tenant, &scope).await?);
    let matched = list::count(&app.db, selected.clone()).await?;
    let mut to_change = selected.add(members::Column::Status.ne(target));
    if target == Status::Deactivated {
        to_change = to_change.add(members::Column::Id.ne(caller.member_id()));
    }

    let tenant = caller.tenant.slug.clone();
    let actor = caller.member_id();
    let changed: Vec<Uuid> = app
        .db
        .transaction::<_, Vec<Uuid>, Error>(move |txn| {
            Box::pin(async move { change_status(txn, &tenant, actor, to_change, target).await })
        })
        .await?;
    if target == Status::Deactivated && !changed.is_empty() {
        // Sessions are also refused at their next request (the status is checked there),
        // so a store hiccup here cannot leave a deactivated member signed in.
        if let Err(err) = app.sessions.remove_sessions_of(&caller.tenant.slug, &changed).await {
            tracing::warn!(error = %err, "ending sessions of deactivated members");
        }
    }
    Ok(BulkResult {
        matched,
        changed: changed.len() as u64,
    })
}

/// Gives the members matching `to_change` the status `target` in one statement, voids
/// the links of those deactivated, audits each; the ids of the members changed.
async fn change_status<C: ConnectionTrait>(
    txn: &C,
    tenant: &str,
    actor: Uuid,
    to_change: Condition,
    target: Status,
) -> Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = members::Entity::find()
        .select_only()
        .column(members::Column::Id)
        .filter(to_change.clone())
        .into_tuple()
        .all(txn)
        .await?;
    if ids.is_empty() {
        return Ok(ids);
    }
    super::write::set_status_where(txn, to_change, target, crate::stored::now()).await?;
    if target == Status::Deactivated {
        links_voided_by(txn, tenant, &ids, AccountChange::Closed).await?;
    }
    let action = match target {
        Status::Active => "member.activated",
        Status::Deactivated => "member.deactivated",
    };
    audit::record_many(
        txn,
        tenant,
        Some(actor),
        action,
        &ids,
        serde_json::json!({ "bulk": true }),
    )
    .await?;
    Ok(ids)
}
