//! The one writer of member rows and of the rows that follow from them: the addresses
//! that count (`member_emails`), the search words, and a new member's roles and groups.
//! Every way a member comes in or changes — the API, imports and their undo, merge,
//! invitations, sign-in, bootstrap — goes through here, so that the version, the sort
//! key, the addresses and the search words never disagree with the row.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IdenStatic, Iterable, ModelTrait,
    QueryFilter, QuerySelect, Set, Statement,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{search, AddressKind, Status};
use crate::config::Tenant;
use crate::error::{Error, Result};
use crate::sql::InsertRows;
use crate::values::email;
use entity::{group_members, member_emails, members, role_assignments};

/// Rows per multi-row statement.
const CHUNK: usize = 500;

/// A field of a member's profile that people give and change (in a form, a file, an
/// undo), under its API name (`firstName`), which is also its stored name in an
/// import's plan. The field loops of planning, applying, undoing, auditing and search
/// words go through it; a new field still needs its column, its API inputs and types,
/// its import column (`imports::columns`) and its console form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ProfileField {
    Login,
    Email,
    SecondaryEmail,
    Phone,
    FirstName,
    LastName,
    Locale,
}

impl ProfileField {
    /// Every field, in the order previews and audit entries list them.
    pub const ALL: [ProfileField; 7] = [
        ProfileField::Login,
        ProfileField::Email,
        ProfileField::SecondaryEmail,
        ProfileField::Phone,
        ProfileField::FirstName,
        ProfileField::LastName,
        ProfileField::Locale,
    ];

    /// The field's name in the API and in stored plans (`secondaryEmail`).
    pub fn api_name(self) -> &'static str {
        match self {
            ProfileField::Login => "login",
            ProfileField::Email => "email",
            ProfileField::SecondaryEmail => "secondaryEmail",
            ProfileField::Phone => "phone",
            ProfileField::FirstName => "firstName",
            ProfileField::LastName => "lastName",
            ProfileField::Locale => "locale",
        }
    }

    /// An email address: compared by its key, and held in `member_emails`.
    pub fn is_address(self) -> bool {
        matches!(self, ProfileField::Email | ProfileField::SecondaryEmail)
    }

    /// Part of the member's search words (and of the sort key, for the names).
    pub fn is_searchable(self) -> bool {
        !matches!(self, ProfileField::Phone | ProfileField::Locale)
    }

    /// Identifies the member (login, addresses): searched whole as well as word by word.
    pub fn identifies(self) -> bool {
        matches!(
            self,
            ProfileField::Login | ProfileField::Email | ProfileField::SecondaryEmail
        )
    }

    /// The field's value in `profile`; None when empty.
    pub fn get(self, profile: &impl Profile) -> Option<&str> {
        profile.profile_value(self)
    }

    /// Sets the field on a member row (`None` clears an optional field and empties a
    /// required one); the login also sets its lookup key. A second address set here
    /// is not yet proven: the caller says whether it counts at once.
    pub fn set(self, member: &mut members::Model, value: Option<String>) {
        match self {
            ProfileField::Login => {
                let login = value.unwrap_or_default();
                member.login_key = login.clone();
                member.login = login;
            }
            ProfileField::Email => member.email = value,
            ProfileField::SecondaryEmail => member.secondary_email = value,
            ProfileField::Phone => member.phone = value,
            ProfileField::FirstName => member.first_name = value.unwrap_or_default(),
            ProfileField::LastName => member.last_name = value.unwrap_or_default(),
            ProfileField::Locale => member.locale = value.unwrap_or_default(),
        }
    }
}

/// Something that holds profile fields: a member row, a row of a file, a snapshot.
pub trait Profile {
    /// The value of `field`; None when empty or absent.
    fn profile_value(&self, field: ProfileField) -> Option<&str>;
}

/// Implements [`Profile`] for a struct that holds the profile fields under their column
/// names: `login`, `first_name`, `last_name`, `locale` as `String` (an empty locale is
/// none), `email`, `secondary_email`, `phone` as `Option<String>`.
#[macro_export]
macro_rules! profile_of_columns {
    ($type:ty) => {
        impl $crate::members::write::Profile for $type {
            fn profile_value(&self, field: $crate::members::write::ProfileField) -> Option<&str> {
                use $crate::members::write::ProfileField;
                match field {
                    ProfileField::Login => Some(&self.login),
                    ProfileField::Email => self.email.as_deref(),
                    ProfileField::SecondaryEmail => self.secondary_email.as_deref(),
                    ProfileField::Phone => self.phone.as_deref(),
                    ProfileField::FirstName => Some(&self.first_name),
                    ProfileField::LastName => Some(&self.last_name),
                    ProfileField::Locale => Some(self.locale.as_str()).filter(|l| !l.is_empty()),
                }
            }
        }
    };
}

crate::profile_of_columns!(members::Model);

/// Folded "last first", the order of lists by name.
pub fn sort_key(first: &str, last: &str) -> String {
    search::fold(&format!("{} {}", last.trim(), first.trim()))
        .trim()
        .to_owned()
}

/// The addresses a member holds, with their kind (primary or secondary): the ones
/// that sign in, receive invitations, match imports and count for uniqueness. A second
/// address the member set and has not yet confirmed is not one of them.
pub fn held_addresses(member: &members::Model) -> impl Iterator<Item = (AddressKind, &str)> {
    let primary = member.email.as_deref().map(|a| (AddressKind::Primary, a));
    let secondary = member
        .secondary_email
        .as_deref()
        .filter(|_| member.secondary_email_verified)
        .map(|a| (AddressKind::Secondary, a));
    primary.into_iter().chain(secondary)
}

/// A member row as it stands on creation: active, version 1, no password, no other
/// field; the caller fills in what it knows before [`insert_members`].
pub fn new_member(tenant: &str, login: String, first_name: String, last_name: String) -> members::Model {
    // Microseconds: what both databases keep, so the row returned is the row stored.
    let now = crate::stored::now();
    members::Model {
        id: Uuid::now_v7(),
        tenant: tenant.to_owned(),
        login_key: login.clone(),
        login,
        email: None,
        secondary_email: None,
        email_verified: false,
        // Set at creation by an admin, an import or the command line: the organization's word.
        secondary_email_verified: true,
        phone: None,
        sort_key: sort_key(&first_name, &last_name),
        first_name,
        last_name,
        locale: String::new(),
        status: Status::Active,
        origin: super::Origin::Manual,
        origin_import_id: None,
        password_hash: None,
        uses_default_password: false,
        must_change_password: false,
        last_login_at: None,
        created_at: now,
        updated_at: now,
        deactivated_at: None,
        version: 1,
    }
}

/// A new member with the links written beside it.
#[derive(Debug, Clone)]
pub struct NewMemberRow {
    /// The row, from [`new_member`]; its login key and sort key are set from it again.
    pub member: members::Model,
    /// Roles beyond the tenant's defaults (which every new member gets): (role key,
    /// group scope).
    pub roles: Vec<(String, Option<Uuid>)>,
    /// Manual groups the member joins.
    pub groups: Vec<Uuid>,
}

/// Writes new members with all their side rows in multi-row statements: the rows, their
/// addresses (settling pending invitations to them), search words, the tenant's default
/// roles and the given ones, and groups. The caller has checked that logins and
/// addresses are free, under the address lock.
pub async fn insert_members<C: ConnectionTrait>(conn: &C, tenant: &Tenant, rows: Vec<NewMemberRow>) -> Result<()> {
    insert_members_reporting(conn, tenant, rows, |_| ()).await
}

/// [`insert_members`], telling `written` how many members are written so far after each
/// multi-row statement (`written`: an import's progress).
///
/// The statements are built on a thread of their own while the database runs the ones
/// before them (a few at most wait between the two): for a first import of 100,000
/// members, building them — values, SQL text, search words — costs about as much CPU
/// as running them.
pub async fn insert_members_reporting<C: ConnectionTrait>(
    conn: &C,
    tenant: &Tenant,
    rows: Vec<NewMemberRow>,
    mut written: impl FnMut(usize),
) -> Result<()> {
    let backend = conn.get_database_backend();
    let defaults: Vec<(String, Option<Uuid>)> = tenant.default_roles().map(|r| (r.key.clone(), None)).collect();
    // Under the caller's address lock, no JOIN invitation can appear meanwhile.
    let settle = crate::invitations::any_pending_join(conn, &tenant.slug).await?;
    let (sender, mut steps) = tokio::sync::mpsc::channel(STEPS_AHEAD);
    let builder = tokio::task::spawn_blocking(move || {
        build_inserts(backend, &defaults, rows, |step| sender.blocking_send(step).is_ok())
    });
    while let Some(step) = steps.recv().await {
        match step {
            InsertStep::Members {
                members,
                holders,
                addresses,
                keys,
            } => {
                let mut inserted = 0;
                for statement in members {
                    inserted += conn.execute(statement).await?.rows_affected();
                }
                if inserted < holders.len() as u64 {
                    let logins = holders.iter().map(|m| m.login_key.clone()).collect();
                    return Err(taken_meanwhile(conn, &holders, Unique::Logins, logins).await);
                }
                write_addresses(conn, &holders, addresses, keys, settle).await?;
            }
            InsertStep::Rows(statement) => {
                conn.execute(statement).await?;
            }
            InsertStep::Written(count) => written(count),
        }
    }
    builder
        .await
        .map_err(|e| Error::Internal(format!("building member inserts: {e}")))?
}

/// New members a step of [`build_inserts`]: their rows, addresses and roles each go in
/// one statement (under the parameter limit at the members' width).
const NEW_MEMBERS_PER_STEP: usize = 1_200;

/// Most steps [`build_inserts`] builds ahead of the database, some four chunks of
/// members. With four steps, PostgreSQL waited on the builder for about a seventh of a
/// 100,000-member apply, mostly at each batch's end while the builder sorted the
/// batch's search words. Deeper, it has statements queued through the sort: with 32
/// steps the apply took 6.85, 6.91 s against 7.23, 7.66 s (runs alternated), and 16
/// were as fast as 32 (6.56, 6.75 against 6.66, 6.80 s) for less memory held.
const STEPS_AHEAD: usize = 16;

/// A step of writing new members, built ahead of the database by [`build_inserts`].
enum InsertStep {
    /// A chunk of members, `holders`, and the addresses they hold under their `keys`: fewer
    /// members inserted than holders means a login was taken meanwhile, fewer addresses
    /// than keys an address.
    Members {
        members: Vec<Statement>,
        holders: Vec<members::Model>,
        addresses: Vec<Statement>,
        keys: Vec<String>,
    },
    /// Rows that follow from the members written before: roles, groups, search words.
    Rows(Statement),
    /// How many members are written once the steps before are.
    Written(usize),
}

/// The steps of writing `rows`, in order, handed to `send` (which answers false when
/// the writer stopped): a chunk at a time the members, their addresses, roles and
/// groups; then every search word, sorted (see [`search::insert`]).
fn build_inserts(
    backend: sea_orm::DbBackend,
    defaults: &[(String, Option<Uuid>)],
    rows: Vec<NewMemberRow>,
    mut send: impl FnMut(InsertStep) -> bool,
) -> Result<()> {
    let mut words = Vec::new();
    let mut done = 0;
    for chunk in rows.chunks(NEW_MEMBERS_PER_STEP) {
        // Only the login can have been taken meanwhile (ids are new): naming its index
        // spares PostgreSQL a check of the primary key before each row (1.83–1.91 s
        // against 2.06–2.24 s for 100,000 rows, 1.67–1.69 s with no clause at all).
        let mut inserts = InsertRows::of_entity::<members::Entity>()
            .skipping_conflicts("ON CONFLICT (tenant, login_key) DO NOTHING")
            .rows_per_statement(NEW_MEMBERS_PER_STEP);
        let mut holders = Vec::with_capacity(chunk.len());
        let (mut roles, mut memberships) = (Vec::new(), Vec::new());
        for row in chunk {
            let mut member = row.member.clone();
            member.login_key = member.login.clone();
            member.sort_key = sort_key(&member.first_name, &member.last_name);
            let extra = row.roles.iter().filter(|r| !defaults.contains(r));
            for (role, group) in defaults.iter().chain(extra) {
                roles.push(role_assignment(
                    &member.tenant,
                    member.id,
                    role,
                    *group,
                    member.created_at,
                ));
            }
            memberships.extend(
                row.groups
                    .iter()
                    .map(|g| membership_of(&member.tenant, member.id, *g, member.created_at)),
            );
            words.extend(words_rows(&member));
            inserts.push(members::Column::iter().map(|c| member.get(c)));
            holders.push(member);
        }
        let members = inserts.statements(backend).collect();
        let (addresses, keys) = address_statements(backend, &holders, NEW_MEMBERS_PER_STEP)?;
        let rows_after =
            statements_of(backend, roles, NEW_MEMBERS_PER_STEP)?.chain(membership_statements(backend, memberships)?);
        done += chunk.len();
        let chunk_members = InsertStep::Members {
            members,
            holders,
            addresses,
            keys,
        };
        let sent =
            send(chunk_members) && rows_after.map(InsertStep::Rows).all(&mut send) && send(InsertStep::Written(done));
        if !sent {
            return Ok(());
        }
    }
    let _ = search::insert_statements(backend, words)
        .map(InsertStep::Rows)
        .all(send);
    Ok(())
}

/// Saves one member's row: see [`save_members`].
pub async fn save_member<C: ConnectionTrait>(
    conn: &C,
    before: &members::Model,
    after: members::Model,
) -> Result<members::Model> {
    let mut saved = save_members(conn, vec![(before, after)]).await?;
    Ok(saved.pop().expect("one member in, one out"))
}

/// Saves changed member rows, `after` over `before`: only the columns that differ are
/// written, with the version one past `before`'s (others see the change: an import's
/// preview, its undo), `updated_at` now and the sort key from the names; the addresses
/// are rewritten when the ones held changed, and the search words when a searchable
/// field did. A member whose row did not change is returned as it was, unwritten.
pub async fn save_members<C: ConnectionTrait>(
    conn: &C,
    changes: Vec<(&members::Model, members::Model)>,
) -> Result<Vec<members::Model>> {
    // Microseconds: what both databases keep, so the row returned is the row stored.
    let now = crate::stored::now();
    let mut saved = Vec::with_capacity(changes.len());
    let (mut readdressed, mut reindexed) = (Vec::new(), Vec::new());
    // Rows changing the same columns are written by the same statements.
    let mut by_columns: Vec<(Vec<members::Column>, Vec<usize>)> = Vec::new();
    for (before, mut after) in changes {
        after.sort_key = sort_key(&after.first_name, &after.last_name);
        let mut differing: Vec<members::Column> = members::Column::iter()
            .filter(|column| before.get(*column) != after.get(*column))
            .collect();
        if differing.is_empty() {
            saved.push(after);
            continue;
        }
        after.version = before.version + 1;
        after.updated_at = now;
        differing.retain(|c| !matches!(c, members::Column::Version | members::Column::UpdatedAt));
        differing.extend([members::Column::Version, members::Column::UpdatedAt]);
        match by_columns
            .iter_mut()
            .find(|(columns, _)| same_columns(columns, &differing))
        {
            Some((_, rows)) => rows.push(saved.len()),
            None => by_columns.push((differing, vec![saved.len()])),
        }
        if held_addresses(before).ne(held_addresses(&after)) {
            readdressed.push(after.clone());
        }
        if ProfileField::ALL
            .iter()
            .any(|f| f.is_searchable() && f.get(before) != f.get(&after))
        {
            reindexed.push((before, after.clone()));
        }
        saved.push(after);
    }
    for (columns, rows) in &by_columns {
        let rows: Vec<&members::Model> = rows.iter().map(|&i| &saved[i]).collect();
        update_columns(conn, columns, &rows).await?;
    }
    rewrite_addresses(conn, &readdressed).await?;
    reindex(conn, &reindexed).await?;
    Ok(saved)
}

fn same_columns(a: &[members::Column], b: &[members::Column]) -> bool {
    a.iter().map(|c| c.as_str()).eq(b.iter().map(|c| c.as_str()))
}

/// Writes `columns` of these rows, found by id, in set-based statements
/// (`WITH v(id, …) AS (VALUES …) UPDATE members SET … FROM v`): one statement per few
/// thousand rows instead of one per row. CONFLICT when a row is gone.
async fn update_columns<C: ConnectionTrait>(
    conn: &C,
    columns: &[members::Column],
    rows: &[&members::Model],
) -> Result<()> {
    let backend = conn.get_database_backend();
    let names: Vec<&str> = columns.iter().map(|c| c.as_str()).collect();
    // Parameters a statement: under SQLite's 32,766 and PostgreSQL's 65,535.
    let per_statement = (30_000 / (columns.len() + 1)).max(1);
    for chunk in rows.chunks(per_statement) {
        let mut sql = format!("WITH v(id, {}) AS (VALUES ", names.join(", "));
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * (columns.len() + 1));
        for (i, row) in chunk.iter().enumerate() {
            let row_values = std::iter::once(row.id.into()).chain(columns.iter().map(|c| row.get(*c)));
            crate::sql::push_values_row(&mut sql, backend, &mut values, i == 0, None, row_values);
        }
        let assignments: Vec<String> = names.iter().map(|n| format!("\"{n}\" = v.\"{n}\"")).collect();
        sql.push_str(&format!(
            ") UPDATE members SET {} FROM v WHERE members.id = v.id",
            assignments.join(", ")
        ));
        let updated = conn
            .execute(Statement::from_sql_and_values(backend, sql, values))
            .await?
            .rows_affected();
        if updated < chunk.len() as u64 {
            return Err(Error::Conflict(
                "A member was deleted while being changed: start again to see the list as it is now.".into(),
            ));
        }
    }
    Ok(())
}

/// Records a successful sign-in at `at`, and a password hash stored again in a newer
/// form. Not a change of the member others must notice: the version stays. The new hash
/// replaces only the one the sign-in checked: the record may be written after the member
/// changed their password (it waits out a long import in the background), and that
/// password stays.
pub async fn record_sign_in<C: ConnectionTrait>(
    conn: &C,
    mut member: members::Model,
    at: Option<DateTime<Utc>>,
    rehashed: Option<String>,
) -> Result<members::Model> {
    members::Entity::update_many()
        .col_expr(members::Column::LastLoginAt, Expr::value(at))
        .filter(members::Column::Id.eq(member.id))
        .exec(conn)
        .await?;
    member.last_login_at = at;
    if let (Some(hash), Some(checked)) = (rehashed, &member.password_hash) {
        members::Entity::update_many()
            .col_expr(members::Column::PasswordHash, Expr::value(Some(hash.clone())))
            .filter(members::Column::Id.eq(member.id))
            .filter(members::Column::PasswordHash.eq(checked.as_str()))
            .exec(conn)
            .await?;
        member.password_hash = Some(hash);
    }
    Ok(member)
}

/// Sets the status of the members `which` selects (and when they were deactivated),
/// bumping their version. Returns how many rows changed.
pub async fn set_status_where<C: ConnectionTrait>(
    conn: &C,
    which: Condition,
    status: Status,
    now: DateTime<Utc>,
) -> Result<u64> {
    let deactivated_at = (status == Status::Deactivated).then_some(now);
    Ok(members::Entity::update_many()
        .col_expr(members::Column::Status, Expr::value(status))
        .col_expr(members::Column::DeactivatedAt, Expr::value(deactivated_at))
        .col_expr(members::Column::UpdatedAt, Expr::value(now))
        .col_expr(members::Column::Version, Expr::col(members::Column::Version).add(1))
        .filter(which)
        .exec(conn)
        .await?
        .rows_affected)
}

/// [`set_status_where`] for these members of `tenant` (an id of another tenant is left alone).
pub async fn set_status<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    ids: &[Uuid],
    status: Status,
    now: DateTime<Utc>,
) -> Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let which = super::of_tenant_among(tenant, chunk.iter().copied());
        set_status_where(conn, which, status, now).await?;
    }
    Ok(())
}

/// Marks members as changed when what changed lies outside their row (roles, groups),
/// so that an import's preview and undo see it. Only members of `tenant` are touched.
pub async fn bump_versions<C: ConnectionTrait>(conn: &C, tenant: &str, ids: &[Uuid], now: DateTime<Utc>) -> Result<()> {
    for chunk in ids.chunks(CHUNK) {
        members::Entity::update_many()
            .col_expr(members::Column::UpdatedAt, Expr::value(now))
            .col_expr(members::Column::Version, Expr::col(members::Column::Version).add(1))
            .filter(super::of_tenant_among(tenant, chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Deletes the rows of these members of `tenant` with their search words (by their key,
/// from the rows), and by cascade their addresses, roles and group memberships; returns
/// how many went. The caller has first voided their one-time links and dealt with what
/// refers to them without cascading — invitations, import history, audit entries: a
/// merge moves them to the kept member, an erasure deletes or scrubs them — and ends
/// their sessions once the transaction commits.
pub async fn delete_members<C: ConnectionTrait>(conn: &C, tenant: &str, ids: &[Uuid]) -> Result<u64> {
    let mut deleted = 0;
    for chunk in ids.chunks(CHUNK) {
        let which = super::of_tenant_among(tenant, chunk.iter().copied());
        let rows = members::Entity::find().filter(which.clone()).all(conn).await?;
        search::delete_words(conn, &rows.iter().collect::<Vec<_>>()).await?;
        deleted += members::Entity::delete_many()
            .filter(which)
            .exec(conn)
            .await?
            .rows_affected;
    }
    Ok(deleted)
}

/// Group memberships, skipping those that exist.
pub async fn add_to_groups<C: ConnectionTrait>(conn: &C, rows: Vec<group_members::ActiveModel>) -> Result<()> {
    for statement in membership_statements(conn.get_database_backend(), rows)? {
        conn.execute(statement).await?;
    }
    Ok(())
}

/// The statements of [`add_to_groups`].
fn membership_statements(
    backend: sea_orm::DbBackend,
    rows: Vec<group_members::ActiveModel>,
) -> Result<impl Iterator<Item = Statement>> {
    let mut insert = InsertRows::of_entity::<group_members::Entity>()
        .skipping_conflicts("ON CONFLICT (group_id, member_id) DO NOTHING");
    for row in rows {
        insert.push_model(row)?;
    }
    Ok(insert.statements(backend))
}

/// Takes tenant-wide `roles` (not those limited to a group) from these members of
/// `tenant`, in one statement per few hundred members.
pub async fn remove_roles<C: ConnectionTrait>(
    conn: &C,
    tenant: &str,
    members: &[Uuid],
    roles: &[String],
) -> Result<()> {
    if roles.is_empty() {
        return Ok(());
    }
    for chunk in members.chunks(CHUNK) {
        role_assignments::Entity::delete_many()
            .filter(role_assignments::Column::Tenant.eq(tenant))
            .filter(role_assignments::Column::Role.is_in(roles.to_vec()))
            .filter(role_assignments::Column::GroupId.is_null())
            .filter(role_assignments::Column::MemberId.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Takes these members out of these manual groups, in one statement per few hundred
/// members.
pub async fn remove_from_groups<C: ConnectionTrait>(conn: &C, members: &[Uuid], groups: &[Uuid]) -> Result<()> {
    if groups.is_empty() {
        return Ok(());
    }
    for chunk in members.chunks(CHUNK) {
        group_members::Entity::delete_many()
            .filter(group_members::Column::GroupId.is_in(groups.to_vec()))
            .filter(group_members::Column::MemberId.is_in(chunk.to_vec()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// A role assignment row: `role` held by `member`, limited to `group` when given, since `now`.
pub fn role_assignment(
    tenant: &str,
    member: Uuid,
    role: &str,
    group: Option<Uuid>,
    now: DateTime<Utc>,
) -> role_assignments::ActiveModel {
    role_assignments::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant: Set(tenant.to_owned()),
        member_id: Set(member),
        role: Set(role.to_owned()),
        group_id: Set(group),
        created_at: Set(now),
    }
}

/// A membership row of `member` in `group`, added at `now`.
pub fn membership_of(tenant: &str, member: Uuid, group: Uuid, now: DateTime<Utc>) -> group_members::ActiveModel {
    group_members::ActiveModel {
        group_id: Set(group),
        member_id: Set(member),
        tenant: Set(tenant.to_owned()),
        added_at: Set(now),
    }
}

/// Rewrites `member_emails` of these members from their columns, and settles the pending
/// invitations to the addresses they now hold.
async fn rewrite_addresses<C: ConnectionTrait>(conn: &C, changed: &[members::Model]) -> Result<()> {
    if changed.is_empty() {
        return Ok(());
    }
    for chunk in changed.chunks(CHUNK) {
        let ids: Vec<Uuid> = chunk.iter().map(|m| m.id).collect();
        member_emails::Entity::delete_many()
            .filter(member_emails::Column::MemberId.is_in(ids))
            .exec(conn)
            .await?;
    }
    insert_addresses(conn, changed).await
}

/// Inserts the held addresses of these members (which hold none yet), and settles the
/// pending invitations to them.
async fn insert_addresses<C: ConnectionTrait>(conn: &C, holders: &[members::Model]) -> Result<()> {
    let (statements, keys) = address_statements(conn.get_database_backend(), holders, CHUNK)?;
    write_addresses(conn, holders, statements, keys, true).await
}

/// The statements inserting the addresses `holders` hold (skipping any held by someone
/// already), and the keys of those addresses.
fn address_statements(
    backend: sea_orm::DbBackend,
    holders: &[members::Model],
    rows_per_statement: usize,
) -> Result<(Vec<Statement>, Vec<String>)> {
    let mut rows = InsertRows::of_entity::<member_emails::Entity>()
        .skipping_conflicts("ON CONFLICT DO NOTHING")
        .rows_per_statement(rows_per_statement);
    let mut keys = Vec::new();
    for member in holders {
        for (kind, address) in held_addresses(member) {
            let key = email::key(address);
            rows.push_model(member_emails::ActiveModel {
                tenant: Set(member.tenant.clone()),
                address_key: Set(key.clone()),
                member_id: Set(member.id),
                kind: Set(kind),
            })?;
            keys.push(key);
        }
    }
    Ok((rows.statements(backend).collect(), keys))
}

/// Runs the [`address_statements`] of `holders` (addresses under `keys`): CONFLICT when
/// any address was taken meanwhile, else the pending invitations to them settled.
async fn write_addresses<C: ConnectionTrait>(
    conn: &C,
    holders: &[members::Model],
    statements: Vec<Statement>,
    keys: Vec<String>,
    settle: bool,
) -> Result<()> {
    let mut inserted = 0;
    for statement in statements {
        inserted += conn.execute(statement).await?.rows_affected();
    }
    if inserted < keys.len() as u64 {
        return Err(taken_meanwhile(conn, holders, Unique::Addresses, keys).await);
    }
    let Some(first) = holders.first().filter(|_| settle) else {
        return Ok(());
    };
    crate::invitations::settle_for_members(conn, &first.tenant, holders).await
}

/// What a new member holds that must be no one else's.
enum Unique {
    /// Login keys.
    Logins,
    /// Address keys.
    Addresses,
}

/// CONFLICT naming the logins or addresses among `wanted` that members other than
/// `writing` hold: free when the caller checked, taken by the time of the insert. The
/// unique indexes decide, so this holds under any concurrency and costs nothing when
/// all is free; this query runs only once they have refused.
async fn taken_meanwhile<C: ConnectionTrait>(
    conn: &C,
    writing: &[members::Model],
    what: Unique,
    wanted: Vec<String>,
) -> Error {
    let ids: Vec<Uuid> = writing.iter().map(|m| m.id).collect();
    let tenant = writing.first().map(|m| m.tenant.clone()).unwrap_or_default();
    let taken: std::result::Result<Vec<String>, sea_orm::DbErr> = match what {
        Unique::Logins => {
            members::Entity::find()
                .select_only()
                .column(members::Column::LoginKey)
                .filter(members::Column::Tenant.eq(tenant))
                .filter(members::Column::LoginKey.is_in(wanted))
                .filter(members::Column::Id.is_not_in(ids))
                .into_tuple()
                .all(conn)
                .await
        }
        Unique::Addresses => {
            member_emails::Entity::find()
                .select_only()
                .column(member_emails::Column::AddressKey)
                .filter(member_emails::Column::Tenant.eq(tenant))
                .filter(member_emails::Column::AddressKey.is_in(wanted))
                .filter(member_emails::Column::MemberId.is_not_in(ids))
                .into_tuple()
                .all(conn)
                .await
        }
    };
    let taken = match taken {
        Ok(taken) => taken,
        Err(err) => return err.into(),
    };
    let mut shown = taken.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if taken.len() > 5 {
        shown.push_str(", …");
    }
    Error::TakenMeanwhile {
        count: taken.len().max(1),
        shown,
    }
}

/// Rewrites the search words of these members: the words of their rows before, then
/// after the change.
async fn reindex<C: ConnectionTrait>(conn: &C, changed: &[(&members::Model, members::Model)]) -> Result<()> {
    let before: Vec<&members::Model> = changed.iter().map(|(before, _)| *before).collect();
    search::delete_words(conn, &before).await?;
    search::insert(conn, changed.iter().flat_map(|(_, after)| words_rows(after))).await
}

/// Rows of `member_search_tokens` for one member.
fn words_rows(member: &members::Model) -> impl Iterator<Item = (String, String, Uuid, String)> + '_ {
    search::profile_words(member)
        .into_iter()
        .map(|word| (member.tenant.clone(), word, member.id, member.sort_key.clone()))
}

/// Inserts rows of any table, every column set, in multi-row statements
/// ([`InsertRows`]).
pub async fn insert_all<C, A>(conn: &C, rows: Vec<A>) -> Result<()>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + Send,
{
    for statement in statements_of(conn.get_database_backend(), rows, CHUNK)? {
        conn.execute(statement).await?;
    }
    Ok(())
}

/// The statements of [`insert_all`].
fn statements_of<A: ActiveModelTrait>(
    backend: sea_orm::DbBackend,
    rows: Vec<A>,
    rows_per_statement: usize,
) -> Result<impl Iterator<Item = Statement>> {
    let mut insert = InsertRows::of_entity::<A::Entity>().rows_per_statement(rows_per_statement);
    for row in rows {
        insert.push_model(row)?;
    }
    Ok(insert.statements(backend))
}
