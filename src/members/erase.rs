//! Erasing members (GDPR): their personal data leaves every table that holds it, in one
//! transaction; what the organization's records must keep (audit entries, import
//! counts) keeps the member's id — a pseudonymous reference that no longer leads to a
//! name — and loses the details that named them. The one owner of erasure: the API
//! (`eraseMembers`, `eraseMyAccount`) and the retention job all come here.

use std::collections::BTreeSet;

use sea_orm::sea_query::{Expr, LikeExpr, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::filter::{scope_condition, Selection};
use super::{list, write, BulkResult};
use crate::account::credentials::{links_voided_by, AccountChange};
use crate::app::App;
use crate::audit;
use crate::auth::permissions::require_scope;
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::error::{Error, Result};
use crate::values::email;
use entity::{
    audit_log, downloads, import_changes, import_jobs, import_row_errors, invitations, members, one_time_tokens,
    outbox, role_assignments,
};

/// How many members one transaction erases (the retention job loops over batches).
pub const BATCH: usize = 500;

/// What the audit log keeps in place of the details of an entry that named an erased
/// member.
fn scrubbed() -> String {
    json!({ "erased": true }).to_string()
}

/// `eraseMembers` (members.erase): erases the selected members the caller may reach,
/// never the caller. Members holding a protected role (`[import] protected_roles`) are
/// erased only with `allow_protected` (VALIDATION otherwise, nothing erased).
pub async fn erase_members(
    app: &App,
    caller: &Caller,
    selection: Selection,
    allow_protected: bool,
) -> Result<BulkResult> {
    let scope = require_scope(&app.db, caller, Permission::MembersErase).await?;
    let filter = selection.into_filter();
    filter.validate(&caller.tenant, "selection.filter")?;
    let selected = Condition::all()
        .add(filter.condition(&app.db, &caller.tenant).await?)
        .add(scope_condition(&app.db, &caller.tenant, &scope).await?);
    let matched = list::count(&app.db, selected.clone()).await?;
    let ids: Vec<Uuid> = members::Entity::find()
        .select_only()
        .column(members::Column::Id)
        .filter(selected)
        .filter(members::Column::Id.ne(caller.member_id()))
        .into_tuple()
        .all(&app.db)
        .await?;
    if !allow_protected {
        let protected = holders_of(&app.db, &caller.tenant, &ids, &caller.tenant.import.protected_roles).await?;
        if protected > 0 {
            return Err(Error::invalid(
                "selection",
                format!(
                    "{protected} of these members hold a protected role ({}): confirm with allowProtected: true",
                    caller.tenant.import.protected_roles.join(", ")
                ),
            ));
        }
    }
    let erased = erase(app, &caller.tenant, &ids, Some(caller.member_id()), "api").await?;
    Ok(BulkResult {
        matched,
        changed: erased,
    })
}

/// How many of `ids` hold one of `roles`.
async fn holders_of<C: ConnectionTrait>(conn: &C, tenant: &Tenant, ids: &[Uuid], roles: &[String]) -> Result<usize> {
    if roles.is_empty() {
        return Ok(0);
    }
    let mut holders = BTreeSet::new();
    for chunk in ids.chunks(super::IDS_PER_QUERY) {
        let found: Vec<Uuid> = role_assignments::Entity::find()
            .select_only()
            .column(role_assignments::Column::MemberId)
            .filter(role_assignments::Column::Tenant.eq(&tenant.slug))
            .filter(role_assignments::Column::Role.is_in(roles.to_vec()))
            .filter(role_assignments::Column::MemberId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        holders.extend(found);
    }
    Ok(holders.len())
}

/// Erases `ids` of `tenant`, [`BATCH`] at a time, each batch in one transaction; their
/// sessions end after each commit. `actor` is who asked (None: the retention job),
/// `how` goes to the audit entry (`api`, `self`, `retention`). Returns how many were erased.
pub async fn erase(app: &App, tenant: &Tenant, ids: &[Uuid], actor: Option<Uuid>, how: &str) -> Result<u64> {
    let mut erased = 0;
    for batch in ids.chunks(BATCH) {
        let ids = batch.to_vec();
        let slug = tenant.slug.clone();
        let how = how.to_owned();
        let count = app
            .db
            .transaction::<_, u64, Error>(move |txn| {
                Box::pin(async move {
                    let count = erase_in(txn, &slug, &ids).await?;
                    if count > 0 {
                        // That an erasure happened, by whom and how many: nothing of the erased.
                        let details = json!({ "count": count, "how": how });
                        audit::record(txn, &slug, actor, "members.erased", None, details).await?;
                    }
                    Ok(count)
                })
            })
            .await?;
        if let Err(err) = app.sessions.remove_sessions_of(&tenant.slug, batch).await {
            tracing::warn!(error = %err, "ending sessions of erased members");
        }
        erased += count;
    }
    Ok(erased)
}

/// The erasure itself, in the caller's transaction.
async fn erase_in<C: ConnectionTrait>(txn: &C, tenant: &str, ids: &[Uuid]) -> Result<u64> {
    let erased: Vec<members::Model> = members::Entity::find()
        .filter(super::of_tenant_among(tenant, ids.iter().copied()))
        .all(txn)
        .await?;
    if erased.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = erased.iter().map(|m| m.id).collect();
    let traces = Traces::of(&erased);
    links_voided_by(txn, tenant, &ids, AccountChange::Closed).await?;
    remove_invitations_and_mail(txn, tenant, &ids, &traces).await?;
    remove_import_traces(txn, tenant, &ids, &traces).await?;
    // Personal-data files made before now may name them: their links end (they last
    // minutes anyway). Exports are built when fetched, without the erased.
    downloads::Entity::delete_many()
        .filter(downloads::Column::Tenant.eq(tenant))
        .filter(downloads::Column::Recipe.is_null())
        .exec(txn)
        .await?;
    scrub_audit_log(txn, tenant, &ids, &traces).await?;
    // Addresses, search words, roles, groups and the member row (the rest cascades).
    write::delete_members(txn, tenant, &ids).await
}

/// Removes the invitations to them or to their addresses, with their links (cascade),
/// the emails waiting for those addresses, and their one-time tokens.
async fn remove_invitations_and_mail<C: ConnectionTrait>(
    txn: &C,
    tenant: &str,
    ids: &[Uuid],
    traces: &Traces,
) -> Result<()> {
    invitations::Entity::delete_many()
        .filter(invitations::Column::Tenant.eq(tenant))
        .filter(
            Condition::any()
                .add(invitations::Column::MemberId.is_in(ids.to_vec()))
                .add(invitations::Column::EmailKey.is_in(traces.address_keys.clone())),
        )
        .exec(txn)
        .await?;
    outbox::Entity::delete_many()
        .filter(outbox::Column::Tenant.eq(tenant))
        .filter(Expr::expr(lower(outbox::Column::Recipient)).is_in(traces.address_keys.clone()))
        .exec(txn)
        .await?;
    one_time_tokens::Entity::delete_many()
        .filter(one_time_tokens::Column::Tenant.eq(tenant))
        .filter(one_time_tokens::Column::MemberId.is_in(ids.to_vec()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Removes what of the import history names them: the counts stay, the changes, the
/// rejected rows and the stored error reports that held those rows go.
async fn remove_import_traces<C: ConnectionTrait>(txn: &C, tenant: &str, ids: &[Uuid], traces: &Traces) -> Result<()> {
    import_changes::Entity::delete_many()
        .filter(import_changes::Column::Tenant.eq(tenant))
        .filter(
            Condition::any()
                .add(import_changes::Column::MemberId.is_in(ids.to_vec()))
                .add(Expr::expr(lower(import_changes::Column::Email)).is_in(traces.address_keys.clone()))
                .add(import_changes::Column::Login.is_in(traces.logins.clone()))
                .add(mentions(import_changes::Column::Payload, &traces.identifying)),
        )
        .exec(txn)
        .await?;
    let naming_rows = Condition::any()
        .add(mentions(import_row_errors::Column::Value, &traces.identifying))
        .add(mentions(import_row_errors::Column::RawRow, &traces.identifying))
        .add(traces.full_names(import_row_errors::Column::RawRow));
    let jobs: Vec<Uuid> = import_row_errors::Entity::find()
        .select_only()
        .column(import_row_errors::Column::JobId)
        .distinct()
        .filter(import_row_errors::Column::Tenant.eq(tenant))
        .filter(naming_rows.clone())
        .into_tuple()
        .all(txn)
        .await?;
    import_row_errors::Entity::delete_many()
        .filter(import_row_errors::Column::Tenant.eq(tenant))
        .filter(naming_rows)
        .exec(txn)
        .await?;
    // Their stored error reports held those rows too.
    import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::ErrorReport, Expr::value(Option::<Vec<u8>>::None))
        .filter(import_jobs::Column::Tenant.eq(tenant))
        .filter(import_jobs::Column::Id.is_in(jobs))
        .exec(txn)
        .await?;
    Ok(())
}

/// The audit log keeps its entries, by id; the details of those about them or naming
/// them are scrubbed.
async fn scrub_audit_log<C: ConnectionTrait>(txn: &C, tenant: &str, ids: &[Uuid], traces: &Traces) -> Result<()> {
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::Details, Expr::value(scrubbed()))
        .filter(audit_log::Column::Tenant.eq(tenant))
        .filter(
            Condition::any()
                .add(audit_log::Column::TargetId.is_in(ids.to_vec()))
                .add(mentions(audit_log::Column::Details, &traces.identifying))
                .add(traces.full_names(audit_log::Column::Details)),
        )
        .exec(txn)
        .await?;
    Ok(())
}

/// What identifies erased members in free text: their addresses, logins and phones
/// (each distinctive alone), and their first and last names (distinctive together).
struct Traces {
    address_keys: Vec<String>,
    logins: Vec<String>,
    identifying: Vec<String>,
    names: Vec<(String, String)>,
}

impl Traces {
    fn of(members: &[members::Model]) -> Self {
        let mut traces = Traces {
            address_keys: Vec::new(),
            logins: Vec::new(),
            identifying: Vec::new(),
            names: Vec::new(),
        };
        for m in members {
            for address in [&m.email, &m.secondary_email].into_iter().flatten() {
                traces.address_keys.push(email::key(address));
                traces.identifying.push(address.clone());
            }
            traces.logins.push(m.login.clone());
            traces.identifying.push(m.login.clone());
            if let Some(phone) = m
                .phone
                .as_ref()
                .filter(|p| p.chars().filter(char::is_ascii_digit).count() >= 6)
            {
                traces.identifying.push(phone.clone());
            }
            if !m.first_name.trim().is_empty() && !m.last_name.trim().is_empty() {
                traces.names.push((m.first_name.clone(), m.last_name.clone()));
            }
        }
        traces
    }

    /// Rows whose `column` holds both the first and the last name of an erased member.
    fn full_names<C: ColumnTrait>(&self, column: C) -> Condition {
        self.names.iter().fold(Condition::any(), |any, (first, last)| {
            any.add(
                Condition::all()
                    .add(contains_any_case(column, first))
                    .add(contains_any_case(column, last)),
            )
        })
    }
}

fn lower<C: ColumnTrait>(column: C) -> SimpleExpr {
    SimpleExpr::FunctionCall(sea_orm::sea_query::Func::lower(Expr::col(column)))
}

/// Rows whose `column` contains any of `needles`, whatever the case (a file may have
/// spelled an address in capitals).
fn mentions<C: ColumnTrait>(column: C, needles: &[String]) -> Condition {
    needles
        .iter()
        .filter(|n| n.len() >= 3)
        .fold(Condition::any(), |any, needle| {
            any.add(contains_any_case(column, needle))
        })
}

fn contains_any_case<C: ColumnTrait>(column: C, needle: &str) -> SimpleExpr {
    let escaped = needle
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::expr(lower(column)).like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// When erasure of the caller's own account is refused: the tenant does not allow it,
/// or the caller is its last active admin.
pub async fn erase_my_account(app: &App, caller: &Caller, current_password: &str) -> Result<bool> {
    if !caller.tenant.privacy.self_erasure {
        return Err(Error::Forbidden(
            "This organization does not let members erase their own account: ask an admin.".into(),
        ));
    }
    caller.require_current_password(current_password).await?;
    if is_last_active_admin(&app.db, &caller.tenant, caller.member_id()).await? {
        return Err(Error::Conflict(
            "You are the organization's last admin: hand the admin role to someone else first.".into(),
        ));
    }
    let erased = erase(
        app,
        &caller.tenant,
        &[caller.member_id()],
        Some(caller.member_id()),
        "self",
    )
    .await?;
    Ok(erased == 1)
}

/// Whether `member` holds the tenant's admin role (tenant-wide) and no other active
/// member does.
async fn is_last_active_admin<C: ConnectionTrait>(conn: &C, tenant: &Tenant, member: Uuid) -> Result<bool> {
    let Some(admin) = tenant.admin_role() else {
        return Ok(false);
    };
    let holders: Vec<Uuid> = role_assignments::Entity::find()
        .select_only()
        .column(role_assignments::Column::MemberId)
        .inner_join(members::Entity)
        .filter(role_assignments::Column::Tenant.eq(&tenant.slug))
        .filter(role_assignments::Column::Role.eq(&admin.key))
        .filter(role_assignments::Column::GroupId.is_null())
        .filter(members::Column::Status.eq(super::Status::Active))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(holders.contains(&member) && holders.iter().all(|h| *h == member))
}
