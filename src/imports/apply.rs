//! `applyImport`: carries out exactly the previewed plan in one transaction, with
//! multi-row statements (members, addresses, search words, roles, groups, invitations).
//! Every member it touches must be as the preview saw it (same version), and the logins
//! and addresses it creates still free; otherwise CONFLICT and nothing changes. The job
//! turns DONE in the same transaction, so a crash leaves both list and job as they were.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use super::jobs::progress;
use super::plan::{Edit, InviteRow, NewRow, PasswordPlan, Payload};
use super::running::{is_busy, lease_from_now, lock_tenant};
use super::store::require_job;
use super::{ChangeKind, JobStatus, Mode, Options, Summary};
use crate::account::credentials::{links_voided_by, AccountChange};
use crate::app::App;
use crate::audit;
use crate::auth::permissions::require;
use crate::auth::Caller;
use crate::config::{Permission, Tenant};
use crate::error::{Error, FieldError, Result};
use crate::invitations::invite::{new_invitation, refreshed, store as store_invitations, InvitationTerms};
use crate::invitations::{settle_for_members, ACTIVATION, JOIN, PENDING};
use crate::members::create::{held_addresses, lock_addresses, sort_key};
use crate::members::{search, Origin, STATUS_ACTIVE, STATUS_DEACTIVATED};
use crate::values::email;
use entity::{
    group_members, groups, import_changes, import_jobs, invitations, member_emails, member_search_tokens, members,
    role_assignments,
};

/// Rows per multi-row statement.
const CHUNK: usize = 500;

/// A planned change read back.
pub(super) struct Stored {
    pub kind: ChangeKind,
    pub member_id: Option<Uuid>,
    pub member_version: Option<i64>,
    pub login: Option<String>,
    pub payload: Payload,
}

/// The job's changes that do something, in plan order.
pub(super) async fn load_changes<C: ConnectionTrait>(conn: &C, job: Uuid) -> Result<Vec<Stored>> {
    let rows = import_changes::Entity::find()
        .filter(import_changes::Column::JobId.eq(job))
        .filter(import_changes::Column::Kind.ne(ChangeKind::Unchanged.as_str()))
        .order_by_asc(import_changes::Column::Seq)
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            let payload = serde_json::from_str(&row.payload)
                .map_err(|e| Error::Internal(format!("import change {}: {e}", row.id)))?;
            Ok(Stored {
                kind: ChangeKind::from_stored(&row.kind),
                member_id: row.member_id,
                member_version: row.member_version,
                login: row.login,
                payload,
            })
        })
        .collect()
}

/// `applyImport` (imports.run).
pub async fn apply_import(
    app: &App,
    caller: &Caller,
    id: Uuid,
    skip_invalid_rows: bool,
    allow_mass_deactivation: bool,
) -> Result<import_jobs::Model> {
    require(&app.db, caller, Permission::ImportsRun).await?;
    let tenant = caller.tenant.clone();
    let job = require_job(&app.db, &tenant.slug, id).await?;
    let status = JobStatus::from_stored(&job.status);
    if status != JobStatus::Ready {
        return Err(Error::Conflict(format!(
            "This import is {}: only a READY import can be applied.",
            status.as_str()
        )));
    }
    let summary: Summary = serde_json::from_str(&job.summary).unwrap_or_default();
    if summary.error_rows > 0 && !skip_invalid_rows {
        return Err(Error::Validation(vec![FieldError::new(
            "skipInvalidRows",
            format!(
                "{} rows have errors: fix them and import the file again, or apply with skipInvalidRows to leave them out",
                summary.error_rows
            ),
        )]));
    }
    if Mode::from_stored(&job.mode) == Some(Mode::Sync) && !allow_mass_deactivation {
        check_mass_deactivation(&app.db, &tenant, summary.deactivate).await?;
    }

    let _held = app.imports.hold_tenant(&tenant.slug)?;
    // Claim the job: two concurrent applies cannot both pass this.
    let claimed = import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::Status, Expr::value(JobStatus::Applying.as_str()))
        .col_expr(import_jobs::Column::ProcessedRows, Expr::value(0))
        .col_expr(import_jobs::Column::LeaseUntil, Expr::value(Some(lease_from_now())))
        .col_expr(import_jobs::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(import_jobs::Column::Id.eq(id))
        .filter(import_jobs::Column::Status.eq(JobStatus::Ready.as_str()))
        .exec(&app.db)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Err(Error::Conflict("This import is already being applied.".into()));
    }
    progress::set(id, 0);
    let run = app.imports.run(&app.db, id).await;

    let actor = caller.member_id();
    let (run_tenant, run_job) = (tenant.clone(), job.clone());
    let outcome = app
        .db
        .transaction::<_, (import_jobs::Model, Vec<Uuid>), Error>(move |txn| {
            Box::pin(async move {
                begin_member_writes(txn, &run_tenant.slug, run_job.id).await?;
                apply_plan(txn, &run_tenant, run_job, actor, skip_invalid_rows).await
            })
        })
        .await;
    drop(run);
    progress::clear(id);
    match outcome {
        Ok((done, deactivated)) => {
            if !deactivated.is_empty() {
                // Sessions are also refused at their next request (status is checked there).
                if let Err(err) = app.sessions.remove_sessions_of(&tenant.slug, &deactivated).await {
                    tracing::warn!(error = %err, "ending sessions of members deactivated by an import");
                }
            }
            Ok(done)
        }
        Err(err) => {
            let err = match err {
                sea_orm::TransactionError::Connection(db) => Error::from(db),
                sea_orm::TransactionError::Transaction(err) => err,
            };
            // A stale plan can never apply: the job fails and the admin previews again.
            // Anything else (another apply under way, database trouble) leaves it READY
            // to try once more.
            let (next, reason) = match &err {
                Error::Conflict(message) if !is_busy(&err) => (JobStatus::Failed, Some(message.clone())),
                _ => (JobStatus::Ready, None),
            };
            import_jobs::Entity::update_many()
                .col_expr(import_jobs::Column::Status, Expr::value(next.as_str()))
                .col_expr(import_jobs::Column::Error, Expr::value(reason))
                .col_expr(import_jobs::Column::LeaseUntil, Expr::value(None::<DateTime<Utc>>))
                .col_expr(import_jobs::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(import_jobs::Column::Id.eq(id))
                .exec(&app.db)
                .await?;
            Err(err)
        }
    }
}

/// Opens an apply's or undo's writes, as the first statement of its transaction: the
/// tenant locked across instances (CONFLICT when another apply or undo runs), and on
/// SQLite the database's write lock taken before anything is read, so that what the
/// checks read stays true until the commit (a later upgrade from reader to writer would
/// fail as "locked"). The caller holds the tenant in this process already.
pub(super) async fn begin_member_writes<C: ConnectionTrait>(txn: &C, tenant: &str, job: Uuid) -> Result<()> {
    lock_tenant(txn, tenant).await?;
    lock_addresses(txn, tenant).await?;
    import_jobs::Entity::update_many()
        .col_expr(import_jobs::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(import_jobs::Column::Id.eq(job))
        .exec(txn)
        .await?;
    Ok(())
}

/// VALIDATION when a SYNC would deactivate more than `[import] max_deactivate_percent`
/// of the active members (and more than 10 of them).
async fn check_mass_deactivation<C: ConnectionTrait>(conn: &C, tenant: &Tenant, deactivating: i32) -> Result<()> {
    if deactivating <= 10 {
        return Ok(());
    }
    let active = members::Entity::find()
        .filter(members::Column::Tenant.eq(&tenant.slug))
        .filter(members::Column::Status.eq(STATUS_ACTIVE))
        .count(conn)
        .await?;
    let limit = u64::from(tenant.import.max_deactivate_percent);
    if deactivating as u64 * 100 > active * limit {
        return Err(Error::invalid(
            "allowMassDeactivation",
            format!(
                "this import would deactivate {deactivating} of {active} active members, more than {limit}%: \
                 apply with allowMassDeactivation if that is intended"
            ),
        ));
    }
    Ok(())
}

async fn apply_plan<C: ConnectionTrait>(
    txn: &C,
    tenant: &Tenant,
    mut job: import_jobs::Model,
    actor: Uuid,
    skipped_rows: bool,
) -> Result<(import_jobs::Model, Vec<Uuid>)> {
    let options: Options = serde_json::from_str(&job.options).unwrap_or_default();
    let changes = load_changes(txn, job.id).await?;
    let current = check_versions(txn, &tenant.slug, &changes).await?;
    let group_ids = ensure_groups(txn, tenant, &changes).await?;
    let mut writer = Writer {
        txn,
        tenant,
        job: job.id,
        actor,
        now: Utc::now(),
        group_ids,
        processed: 0,
        deactivated: Vec::new(),
    };

    let creates: Vec<(Uuid, &NewRow)> = changes
        .iter()
        .filter_map(|c| match (&c.payload, c.member_id) {
            (Payload::Create(new), Some(id)) => Some((id, new)),
            _ => None,
        })
        .collect();
    writer.create(&creates).await?;
    let edits: Vec<(&members::Model, &Edit)> = changes
        .iter()
        .filter_map(|c| match (&c.payload, c.member_id.and_then(|id| current.get(&id))) {
            (Payload::Edit(edit), Some(member)) => Some((member, edit)),
            _ => None,
        })
        .collect();
    writer.edit(&edits).await?;
    let invites: Vec<&InviteRow> = changes
        .iter()
        .filter_map(|c| match &c.payload {
            Payload::Invite(invite) => Some(invite),
            _ => None,
        })
        .collect();
    writer.invite(&invites, options.defaults.message.as_deref()).await?;
    let additions: Vec<(Uuid, Vec<Uuid>)> = changes
        .iter()
        .filter_map(|c| match (&c.payload, c.member_id) {
            (Payload::AddToGroups { groups }, Some(id)) => Some((id, writer.groups_named(groups))),
            _ => None,
        })
        .collect();
    writer.join_groups(&additions).await?;

    let summary: Summary = serde_json::from_str(&job.summary).unwrap_or_default();
    let now = Utc::now();
    job.status = JobStatus::Done.as_str().to_owned();
    job.processed_rows = job.total_rows;
    job.applied_at = Some(now);
    job.undoable_until = Some(now + chrono::Duration::from_std(tenant.import.undo_window).unwrap_or_default());
    job.updated_at = now;
    job.error = None;
    job.clone().into_active_model().reset_all().update(txn).await?;
    audit::record(
        txn,
        &tenant.slug,
        Some(actor),
        "import.applied",
        Some(job.id),
        serde_json::json!({
            "mode": job.mode,
            "file": job.file_name,
            "created": summary.create,
            "updated": summary.update,
            "deactivated": summary.deactivate,
            "reactivated": summary.reactivate,
            "invited": summary.invite,
            "addedToGroups": summary.add_to_groups,
            "errorRows": summary.error_rows,
            "skippedInvalidRows": skipped_rows && summary.error_rows > 0,
            "newGroups": options.new_groups,
        }),
    )
    .await?;
    Ok((job, writer.deactivated))
}

/// The members the plan touches, as they are now; CONFLICT if any moved since the
/// preview, or if a login or address it creates has been taken meanwhile.
async fn check_versions<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    changes: &[Stored],
) -> Result<HashMap<Uuid, members::Model>> {
    let touched: Vec<Uuid> = changes
        .iter()
        .filter(|c| c.member_version.is_some())
        .filter_map(|c| c.member_id)
        .collect();
    let mut current = HashMap::with_capacity(touched.len());
    for chunk in touched.chunks(CHUNK) {
        // Locked until the commit (PostgreSQL; SQLite's write lock is already held): a
        // member cannot move between this check and its write.
        let rows = members::Entity::find()
            .filter(members::Column::Tenant.eq(tenant))
            .filter(members::Column::Id.is_in(chunk.to_vec()))
            .lock_exclusive()
            .all(conn)
            .await?;
        current.extend(rows.into_iter().map(|m| (m.id, m)));
    }
    let moved: Vec<&str> = changes
        .iter()
        .filter(|c| c.member_version.is_some())
        .filter(|c| {
            c.member_id
                .and_then(|id| current.get(&id))
                .is_none_or(|m| Some(m.version) != c.member_version)
        })
        .map(|c| c.login.as_deref().unwrap_or("?"))
        .collect();
    if !moved.is_empty() {
        return Err(stale(moved.len(), &moved));
    }

    let new_rows: Vec<&NewRow> = changes
        .iter()
        .filter_map(|c| match &c.payload {
            Payload::Create(new) => Some(new),
            _ => None,
        })
        .collect();
    let logins: Vec<String> = new_rows.iter().map(|n| n.login.clone()).collect();
    let mut taken: Vec<String> = Vec::new();
    for chunk in logins.chunks(CHUNK) {
        let found: Vec<String> = members::Entity::find()
            .select_only()
            .column(members::Column::LoginKey)
            .filter(members::Column::Tenant.eq(tenant))
            .filter(members::Column::LoginKey.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        taken.extend(found);
    }
    let keys: Vec<String> = new_rows
        .iter()
        .flat_map(|n| [&n.email, &n.secondary_email])
        .flatten()
        .map(|a| email::key(a))
        .collect();
    for chunk in keys.chunks(CHUNK) {
        let found: Vec<String> = member_emails::Entity::find()
            .select_only()
            .column(member_emails::Column::AddressKey)
            .filter(member_emails::Column::Tenant.eq(tenant))
            .filter(member_emails::Column::AddressKey.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        taken.extend(found);
    }
    if !taken.is_empty() {
        let names: Vec<&str> = taken.iter().map(String::as_str).collect();
        return Err(Error::Conflict(format!(
            "{} login(s) or address(es) this import would give new members were taken since the preview ({}): \
             start the import again to see the list as it is now.",
            names.len(),
            first_few(&names)
        )));
    }
    Ok(current)
}

fn stale(count: usize, names: &[&str]) -> Error {
    Error::Conflict(format!(
        "{count} member(s) changed since the preview ({}): start the import again to see the list as it is now.",
        first_few(names)
    ))
}

/// The first five names, then "…" when there are more.
fn first_few(names: &[&str]) -> String {
    let mut shown = names.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        shown.push_str(", …");
    }
    shown
}

/// Manual group ids by lower-case name, creating the groups the plan names that do not
/// exist; CONFLICT if a name now belongs to a smart group.
async fn ensure_groups<C: ConnectionTrait>(
    conn: &C,
    tenant: &Tenant,
    changes: &[Stored],
) -> Result<HashMap<String, Uuid>> {
    let mut wanted: Vec<String> = Vec::new();
    for change in changes {
        let names: &[String] = match &change.payload {
            Payload::Create(new) => &new.groups,
            Payload::Edit(Edit {
                groups: Some((_, after)),
                ..
            }) => after,
            Payload::Invite(invite) => &invite.groups,
            Payload::AddToGroups { groups } => groups,
            _ => &[],
        };
        for name in names {
            if !wanted.iter().any(|w| w.to_lowercase() == name.to_lowercase()) {
                wanted.push(name.clone());
            }
        }
    }
    let existing = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(&tenant.slug))
        .all(conn)
        .await?;
    let mut ids = HashMap::new();
    for group in &existing {
        if group.rule.is_none() {
            ids.insert(group.name_key.clone(), group.id);
        }
    }
    let now = Utc::now();
    let mut created = Vec::new();
    for name in wanted {
        let key = name.to_lowercase();
        if ids.contains_key(&key) {
            continue;
        }
        if existing.iter().any(|g| g.name_key == key) {
            return Err(Error::Conflict(format!(
                "The group \"{name}\" became a smart group since the preview: start the import again."
            )));
        }
        let id = Uuid::now_v7();
        ids.insert(key.clone(), id);
        created.push(groups::ActiveModel {
            id: Set(id),
            tenant: Set(tenant.slug.clone()),
            name: Set(name.clone()),
            name_key: Set(key),
            description: Set(None),
            rule: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    for chunk in created.chunks(CHUNK) {
        groups::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    Ok(ids)
}

/// Writes the plan's changes in bulk.
struct Writer<'a, C> {
    txn: &'a C,
    tenant: &'a Tenant,
    job: Uuid,
    actor: Uuid,
    now: DateTime<Utc>,
    group_ids: HashMap<String, Uuid>,
    processed: i32,
    /// Members deactivated: their sessions end after commit.
    deactivated: Vec<Uuid>,
}

impl<C: ConnectionTrait> Writer<'_, C> {
    fn groups_named(&self, names: &[String]) -> Vec<Uuid> {
        names
            .iter()
            .filter_map(|n| self.group_ids.get(&n.to_lowercase()).copied())
            .collect()
    }

    fn advance(&mut self, rows: usize) {
        self.processed += rows as i32;
        progress::set(self.job, self.processed);
    }

    async fn create(&mut self, rows: &[(Uuid, &NewRow)]) -> Result<()> {
        let slug = &self.tenant.slug;
        let defaults: Vec<String> = self.tenant.default_roles().map(|r| r.key.clone()).collect();
        for chunk in rows.chunks(CHUNK) {
            let mut models = Vec::with_capacity(chunk.len());
            let mut addresses = Vec::new();
            let mut holders = Vec::new();
            let mut words = Vec::new();
            let mut roles = Vec::new();
            let mut memberships = Vec::new();
            let mut activations = Vec::new();
            for (id, new) in chunk {
                let (hash, uses_default, must_change) = match &new.password {
                    PasswordPlan::Hash(hash) => (Some(hash.clone()), false, true),
                    PasswordPlan::TenantDefault => (None, true, true),
                    PasswordPlan::None => (None, false, false),
                };
                let member = members::Model {
                    id: *id,
                    tenant: slug.clone(),
                    login: new.login.clone(),
                    login_key: new.login.clone(),
                    email: new.email.clone(),
                    secondary_email: new.secondary_email.clone(),
                    email_verified: false,
                    // The organization's word: counts at once.
                    secondary_email_verified: true,
                    phone: new.phone.clone(),
                    first_name: new.first_name.clone(),
                    last_name: new.last_name.clone(),
                    locale: new.locale.clone(),
                    status: if new.active { STATUS_ACTIVE } else { STATUS_DEACTIVATED }.to_owned(),
                    origin: Origin::Import.as_str().to_owned(),
                    origin_import_id: Some(self.job),
                    password_hash: hash,
                    uses_default_password: uses_default,
                    must_change_password: must_change,
                    last_login_at: None,
                    created_at: self.now,
                    updated_at: self.now,
                    deactivated_at: (!new.active).then_some(self.now),
                    version: 1,
                    sort_key: sort_key(&new.first_name, &new.last_name),
                };
                addresses.extend(address_rows(&member));
                holders.push(member.clone());
                for word in search::tokens(
                    &member.login,
                    &member.first_name,
                    &member.last_name,
                    member.email.as_deref(),
                    member.secondary_email.as_deref(),
                ) {
                    words.push((slug.clone(), word, member.id, member.sort_key.clone()));
                }
                for role in defaults
                    .iter()
                    .chain(new.roles.iter().filter(|r| !defaults.contains(r)))
                {
                    roles.push(role_row(slug, member.id, role, self.now));
                }
                for group in self.groups_named(&new.groups) {
                    memberships.push(membership_row(slug, member.id, group, self.now));
                }
                if new.invite && new.active && member.email.is_some() {
                    activations.push(member.clone());
                }
                models.push(member.into_active_model().reset_all());
            }
            members::Entity::insert_many(models).exec(self.txn).await?;
            insert_all(self.txn, addresses).await?;
            settle_for_members(self.txn, slug, &holders).await?;
            search::insert(self.txn, words).await?;
            insert_all(self.txn, roles).await?;
            insert_memberships(self.txn, memberships).await?;
            let invitations: Vec<invitations::Model> = activations
                .iter()
                .map(|m| {
                    let mut inv = new_invitation(
                        self.tenant,
                        ACTIVATION,
                        m.email.as_deref().unwrap_or_default(),
                        Some(m),
                        InvitationTerms::default(),
                        self.actor,
                    );
                    inv.import_job_id = Some(self.job);
                    inv
                })
                .collect();
            store_invitations(self.txn, slug, Some(self.actor), &invitations, &[]).await?;
            self.advance(chunk.len());
        }
        Ok(())
    }

    async fn edit(&mut self, edits: &[(&members::Model, &Edit)]) -> Result<()> {
        let slug = self.tenant.slug.clone();
        for chunk in edits.chunks(CHUNK) {
            let mut reindexed = Vec::new();
            let mut readdressed = Vec::new();
            let mut status_only: HashMap<bool, Vec<Uuid>> = HashMap::new();
            let mut links_only = Vec::new();
            let (mut closed, mut credentials_changed) = (Vec::new(), Vec::new());
            let mut role_removals: HashMap<String, Vec<Uuid>> = HashMap::new();
            let mut role_additions = Vec::new();
            let mut group_removals: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
            let mut memberships = Vec::new();
            for (current, edit) in chunk {
                let row_untouched = edit.fields.is_empty() && !edit.set_password;
                if let (true, Some((_, active))) = (row_untouched, edit.active) {
                    status_only.entry(active).or_default().push(current.id);
                } else if row_untouched {
                    links_only.push(current.id);
                } else {
                    let mut member = (*current).clone();
                    for change in &edit.fields {
                        set_field(&mut member, &change.field, change.after.clone());
                    }
                    if let (true, Some(hash)) = (edit.set_password, &edit.password_hash) {
                        member.password_hash = Some(hash.clone());
                        member.uses_default_password = false;
                        member.must_change_password = true;
                    }
                    if let Some((_, active)) = edit.active {
                        member.status = if active { STATUS_ACTIVE } else { STATUS_DEACTIVATED }.to_owned();
                        member.deactivated_at = (!active).then_some(self.now);
                    }
                    member.sort_key = sort_key(&member.first_name, &member.last_name);
                    member.version = current.version + 1;
                    member.updated_at = self.now;
                    let searchable = ["login", "email", "secondaryEmail", "firstName", "lastName"];
                    if edit.fields.iter().any(|f| searchable.contains(&f.field.as_str())) {
                        reindexed.push(member.clone());
                    }
                    if edit
                        .fields
                        .iter()
                        .any(|f| f.field == "email" || f.field == "secondaryEmail")
                    {
                        readdressed.push(member.clone());
                    }
                    member.into_active_model().reset_all().update(self.txn).await?;
                }
                if edit.active.is_some_and(|(_, active)| !active) {
                    self.deactivated.push(current.id);
                    closed.push(current.id);
                } else if edit.set_password || edit.fields.iter().any(|f| f.field == "email") {
                    credentials_changed.push(current.id);
                }
                if let Some((before, after)) = &edit.roles {
                    for role in before.iter().filter(|r| !after.contains(r)) {
                        role_removals.entry(role.clone()).or_default().push(current.id);
                    }
                    for role in after.iter().filter(|r| !before.contains(r)) {
                        role_additions.push(role_row(&slug, current.id, role, self.now));
                    }
                }
                if let Some((before, after)) = &edit.groups {
                    let after = self.groups_named(after);
                    for group in before.iter().filter(|g| !after.contains(g)) {
                        group_removals.entry(*group).or_default().push(current.id);
                    }
                    for group in after.iter().filter(|g| !before.contains(g)) {
                        memberships.push(membership_row(&slug, current.id, *group, self.now));
                    }
                }
            }
            for (active, ids) in status_only {
                set_status(self.txn, &ids, active, self.now).await?;
            }
            // Roles and groups alone do not go through the member row: bump the version
            // of those members so that undo and later previews see the change.
            bump_versions(self.txn, &links_only, self.now).await?;
            for (role, ids) in role_removals {
                role_assignments::Entity::delete_many()
                    .filter(role_assignments::Column::Tenant.eq(&slug))
                    .filter(role_assignments::Column::Role.eq(role))
                    .filter(role_assignments::Column::GroupId.is_null())
                    .filter(role_assignments::Column::MemberId.is_in(ids))
                    .exec(self.txn)
                    .await?;
            }
            insert_all(self.txn, role_additions).await?;
            for (group, ids) in group_removals {
                group_members::Entity::delete_many()
                    .filter(group_members::Column::GroupId.eq(group))
                    .filter(group_members::Column::MemberId.is_in(ids))
                    .exec(self.txn)
                    .await?;
            }
            insert_memberships(self.txn, memberships).await?;
            rewrite_addresses(self.txn, &readdressed).await?;
            reindex(self.txn, &slug, &reindexed).await?;
            links_voided_by(self.txn, &slug, &closed, AccountChange::Closed).await?;
            links_voided_by(self.txn, &slug, &credentials_changed, AccountChange::PasswordOrEmail).await?;
            self.advance(chunk.len());
        }
        Ok(())
    }

    async fn invite(&mut self, rows: &[&InviteRow], message: Option<&str>) -> Result<()> {
        let slug = self.tenant.slug.clone();
        for chunk in rows.chunks(CHUNK) {
            let keys: Vec<String> = chunk.iter().map(|r| email::key(&r.email)).collect();
            let pending: HashMap<String, invitations::Model> = invitations::Entity::find()
                .filter(invitations::Column::Tenant.eq(&slug))
                .filter(invitations::Column::Status.eq(PENDING))
                .filter(invitations::Column::EmailKey.is_in(keys))
                .all(self.txn)
                .await?
                .into_iter()
                .map(|inv| (inv.email_key.clone(), inv))
                .collect();
            let (mut created, mut renewed) = (Vec::new(), Vec::new());
            for row in chunk {
                let groups = self.groups_named(&row.groups);
                let terms = InvitationTerms {
                    roles: &row.roles,
                    group_ids: &groups,
                    locale: Some(&row.locale),
                    message,
                };
                let mut inv = match pending.get(&email::key(&row.email)) {
                    Some(inv) => {
                        renewed.push(refreshed(self.tenant, inv.clone(), terms, self.actor));
                        continue;
                    }
                    None => new_invitation(self.tenant, JOIN, &row.email, None, terms, self.actor),
                };
                inv.first_name = row.first_name.clone();
                inv.last_name = row.last_name.clone();
                inv.import_job_id = Some(self.job);
                created.push(inv);
            }
            store_invitations(self.txn, &slug, Some(self.actor), &created, &renewed).await?;
            self.advance(chunk.len());
        }
        Ok(())
    }

    async fn join_groups(&mut self, additions: &[(Uuid, Vec<Uuid>)]) -> Result<()> {
        let rows: Vec<group_members::ActiveModel> = additions
            .iter()
            .flat_map(|(member, groups)| {
                groups
                    .iter()
                    .map(|g| membership_row(&self.tenant.slug, *member, *g, self.now))
            })
            .collect();
        insert_memberships(self.txn, rows).await?;
        self.advance(additions.len());
        Ok(())
    }
}

/// Sets one scalar field of a member by its API name.
pub(super) fn set_field(member: &mut members::Model, field: &str, value: Option<String>) {
    match field {
        "login" => {
            let login = value.unwrap_or_default();
            member.login_key = login.clone();
            member.login = login;
        }
        "email" => member.email = value,
        "secondaryEmail" => {
            // An address in the organization's file counts at once.
            member.secondary_email = value;
            member.secondary_email_verified = true;
        }
        "phone" => member.phone = value,
        "firstName" => member.first_name = value.unwrap_or_default(),
        "lastName" => member.last_name = value.unwrap_or_default(),
        "locale" => member.locale = value.unwrap_or_default(),
        _ => {}
    }
}

pub(super) async fn set_status<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
    active: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    for chunk in ids.chunks(CHUNK) {
        members::Entity::update_many()
            .col_expr(
                members::Column::Status,
                Expr::value(if active { STATUS_ACTIVE } else { STATUS_DEACTIVATED }),
            )
            .col_expr(members::Column::DeactivatedAt, Expr::value((!active).then_some(now)))
            .col_expr(members::Column::UpdatedAt, Expr::value(now))
            .col_expr(members::Column::Version, Expr::col(members::Column::Version).add(1))
            .filter(members::Column::Id.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

pub(super) async fn bump_versions<C: ConnectionTrait>(conn: &C, ids: &[Uuid], now: DateTime<Utc>) -> Result<()> {
    for chunk in ids.chunks(CHUNK) {
        members::Entity::update_many()
            .col_expr(members::Column::UpdatedAt, Expr::value(now))
            .col_expr(members::Column::Version, Expr::col(members::Column::Version).add(1))
            .filter(members::Column::Id.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

fn address_rows(member: &members::Model) -> Vec<member_emails::ActiveModel> {
    held_addresses(member)
        .map(|(kind, address)| member_emails::ActiveModel {
            tenant: Set(member.tenant.clone()),
            address_key: Set(email::key(address)),
            member_id: Set(member.id),
            kind: Set(kind.to_owned()),
        })
        .collect()
}

fn role_row(tenant: &str, member: Uuid, role: &str, now: DateTime<Utc>) -> role_assignments::ActiveModel {
    role_assignments::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant: Set(tenant.to_owned()),
        member_id: Set(member),
        role: Set(role.to_owned()),
        group_id: Set(None),
        created_at: Set(now),
    }
}

fn membership_row(tenant: &str, member: Uuid, group: Uuid, now: DateTime<Utc>) -> group_members::ActiveModel {
    group_members::ActiveModel {
        group_id: Set(group),
        member_id: Set(member),
        tenant: Set(tenant.to_owned()),
        added_at: Set(now),
    }
}

async fn insert_all<C, A>(conn: &C, rows: Vec<A>) -> Result<()>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + Send,
{
    for chunk in rows.chunks(CHUNK) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Group memberships, skipping those that exist.
pub(super) async fn insert_memberships<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<group_members::ActiveModel>,
) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        group_members::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([group_members::Column::GroupId, group_members::Column::MemberId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Rewrites `member_emails` of these members from their columns.
pub(super) async fn rewrite_addresses<C: ConnectionTrait>(conn: &C, changed: &[members::Model]) -> Result<()> {
    if changed.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = changed.iter().map(|m| m.id).collect();
    member_emails::Entity::delete_many()
        .filter(member_emails::Column::MemberId.is_in(ids))
        .exec(conn)
        .await?;
    insert_all(conn, changed.iter().flat_map(address_rows).collect()).await?;
    let tenant = &changed[0].tenant;
    settle_for_members(conn, tenant, changed).await
}

/// Rewrites the search words of these members.
pub(super) async fn reindex<C: ConnectionTrait>(conn: &C, tenant: &str, changed: &[members::Model]) -> Result<()> {
    if changed.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = changed.iter().map(|m| m.id).collect();
    member_search_tokens::Entity::delete_many()
        .filter(member_search_tokens::Column::MemberId.is_in(ids))
        .exec(conn)
        .await?;
    let mut words = Vec::new();
    for m in changed {
        for word in search::tokens(
            &m.login,
            &m.first_name,
            &m.last_name,
            m.email.as_deref(),
            m.secondary_email.as_deref(),
        ) {
            words.push((tenant.to_owned(), word, m.id, m.sort_key.clone()));
        }
    }
    search::insert(conn, words).await
}

/// Pending invitations sent by a job.
pub(super) fn sent_by(job: Uuid) -> Condition {
    Condition::all()
        .add(invitations::Column::ImportJobId.eq(job))
        .add(invitations::Column::Status.eq(PENDING))
}
