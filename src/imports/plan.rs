//! From rows to a plan: each row matched to a member (by login, else by email), checked
//! against the member list and the rest of the file (duplicates, addresses of others,
//! roles the admin may hand out, smart groups), and turned into one change with its
//! field-by-field before/after. Pure over a snapshot of the member list, so the rules
//! are tested without a database; `load_snapshot` reads that snapshot in a few queries.

use std::collections::{BTreeSet, HashMap, HashSet};

use futures_util::TryStreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::columns::Field;
use super::messages::{Problem, RowError};
use super::read::Sheet;
use super::row::{read_row, Layout, RowInput};
use super::{ChangeKind, Mode, Options, Summary};
use crate::auth::permissions::Grants;
use crate::config::Tenant;
use crate::members::STATUS_ACTIVE;
use crate::values::{email, login};
use entity::{group_members, groups, members, role_assignments};

/// Shown instead of a password in before/after values.
pub const HIDDEN: &str = "********";

/// The columns of a member the plan reads (not the whole row: 100,000 of them are held).
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Known {
    pub id: Uuid,
    pub login: String,
    pub login_key: String,
    pub email: Option<String>,
    /// None while unconfirmed.
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub locale: String,
    pub status: String,
    pub version: i64,
    pub has_password: bool,
    pub uses_default_password: bool,
    pub must_change_password: bool,
}

/// A member as the plan sees it.
#[derive(Debug, Clone)]
pub struct Existing {
    pub member: Known,
    /// Tenant-wide role keys.
    pub roles: Vec<String>,
    /// Any role, scoped or not: protection from deactivation looks at all of them.
    pub protected: bool,
    /// Manual groups.
    pub groups: Vec<Uuid>,
}

impl Existing {
    fn active(&self) -> bool {
        self.member.status == STATUS_ACTIVE
    }
}

/// A group by its case-insensitive name.
#[derive(Debug, Clone)]
pub struct GroupInfo {
    pub id: Uuid,
    pub name: String,
    pub smart: bool,
}

/// The member list at the time of the preview.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub members: Vec<Existing>,
    by_login: HashMap<String, usize>,
    by_email: HashMap<String, usize>,
    /// By lower-case name.
    pub groups: HashMap<String, GroupInfo>,
}

impl Snapshot {
    pub fn new(members: Vec<Existing>, groups: Vec<GroupInfo>) -> Self {
        let mut by_login = HashMap::with_capacity(members.len());
        let mut by_email = HashMap::with_capacity(members.len());
        for (index, existing) in members.iter().enumerate() {
            let m = &existing.member;
            by_login.insert(m.login_key.clone(), index);
            for address in [&m.email, &m.secondary_email].into_iter().flatten() {
                by_email.insert(email::key(address), index);
            }
        }
        let groups = groups.into_iter().map(|g| (g.name.to_lowercase(), g)).collect();
        Self {
            members,
            by_login,
            by_email,
            groups,
        }
    }

    fn group_name(&self, id: Uuid) -> Option<&str> {
        self.groups.values().find(|g| g.id == id).map(|g| g.name.as_str())
    }
}

/// Reads the tenant's members with their roles and manual groups, streaming the rows
/// (collecting 100,000 full rows first would take several times the memory).
pub async fn load_snapshot(conn: &DatabaseConnection, tenant: &Tenant) -> crate::error::Result<Snapshot> {
    let slug = tenant.slug.as_str();
    let mut roles: HashMap<Uuid, (Vec<String>, bool)> = HashMap::new();
    let mut assignments = role_assignments::Entity::find()
        .select_only()
        .columns([
            role_assignments::Column::MemberId,
            role_assignments::Column::Role,
            role_assignments::Column::GroupId,
        ])
        .filter(role_assignments::Column::Tenant.eq(slug))
        .into_tuple::<(Uuid, String, Option<Uuid>)>()
        .stream(conn)
        .await?;
    while let Some((member_id, role, group)) = assignments.try_next().await? {
        let entry = roles.entry(member_id).or_default();
        entry.1 |= tenant.import.protected_roles.contains(&role);
        if group.is_none() {
            entry.0.push(role);
        }
    }
    drop(assignments);
    let mut member_groups: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut memberships = group_members::Entity::find()
        .select_only()
        .columns([group_members::Column::MemberId, group_members::Column::GroupId])
        .filter(group_members::Column::Tenant.eq(slug))
        .into_tuple::<(Uuid, Uuid)>()
        .stream(conn)
        .await?;
    while let Some((member_id, group_id)) = memberships.try_next().await? {
        member_groups.entry(member_id).or_default().push(group_id);
    }
    drop(memberships);
    let mut members = Vec::new();
    let mut rows = members::Entity::find()
        .select_only()
        .columns([
            members::Column::Id,
            members::Column::Login,
            members::Column::LoginKey,
            members::Column::Email,
            members::Column::Phone,
            members::Column::FirstName,
            members::Column::LastName,
            members::Column::Locale,
            members::Column::Status,
            members::Column::Version,
            members::Column::UsesDefaultPassword,
            members::Column::MustChangePassword,
        ])
        .column_as(members::Column::PasswordHash.is_not_null(), "has_password")
        // An unconfirmed second address is not the member's yet: the plan neither
        // matches a row by it nor clears it.
        .column_as(
            Expr::cust("CASE WHEN secondary_email_verified THEN secondary_email END"),
            "secondary_email",
        )
        .filter(members::Column::Tenant.eq(slug))
        .into_model::<Known>()
        .stream(conn)
        .await?;
    while let Some(member) = rows.try_next().await? {
        let (roles, protected) = roles.remove(&member.id).unwrap_or_default();
        let groups = member_groups.remove(&member.id).unwrap_or_default();
        members.push(Existing {
            roles: ordered_roles(tenant, roles),
            protected,
            groups,
            member,
        });
    }
    drop(rows);
    let groups = groups::Entity::find()
        .filter(groups::Column::Tenant.eq(slug))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| GroupInfo {
            id: g.id,
            name: g.name,
            smart: g.rule.is_some(),
        })
        .collect();
    Ok(Snapshot::new(members, groups))
}

/// Role keys in the tenant file's order, without repeats.
fn ordered_roles(tenant: &Tenant, keys: impl IntoIterator<Item = String>) -> Vec<String> {
    let keys: HashSet<String> = keys.into_iter().collect();
    tenant.roles.keys().filter(|k| keys.contains(*k)).cloned().collect()
}

/// `FieldChange`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// How a new member will sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasswordPlan {
    /// Argon2 hash of the file's password (filled after hashing; plaintext is never stored).
    Hash(String),
    TenantDefault,
    None,
}

/// A member to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRow {
    pub login: String,
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub locale: String,
    pub password: PasswordPlan,
    /// Tenant-wide roles beyond the tenant's defaults.
    pub roles: Vec<String>,
    /// Group names (created when missing).
    pub groups: Vec<String>,
    pub active: bool,
    /// Send an ACTIVATION invitation.
    pub invite: bool,
}

/// A scalar column of `members` and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalarChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Changes to an existing member; `before` values let undo restore them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub fields: Vec<ScalarChange>,
    /// New argon2 hash (filled after hashing).
    pub password_hash: Option<String>,
    pub set_password: bool,
    /// The password state it replaces (hash, default, must change), for undo.
    pub previous_password: Option<(Option<String>, bool, bool)>,
    /// Tenant-wide roles, before and after.
    pub roles: Option<(Vec<String>, Vec<String>)>,
    /// Manual groups before (ids) and after (names).
    pub groups: Option<(Vec<Uuid>, Vec<String>)>,
    /// Active before and after.
    pub active: Option<(bool, bool)>,
}

impl Edit {
    fn is_empty(&self) -> bool {
        self.fields.is_empty()
            && !self.set_password
            && self.roles.is_none()
            && self.groups.is_none()
            && self.active.is_none()
    }
}

/// An invitation to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRow {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub locale: String,
    pub roles: Vec<String>,
    pub groups: Vec<String>,
}

/// What applying a change does, stored with it (`import_changes.payload`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Payload {
    Create(NewRow),
    Edit(Edit),
    Invite(InviteRow),
    AddToGroups { groups: Vec<String> },
    Nothing,
}

/// One planned change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub row: Option<usize>,
    pub kind: ChangeKind,
    pub member_id: Option<Uuid>,
    /// The member's version at the preview; applying refuses if it moved.
    pub member_version: Option<i64>,
    pub login: Option<String>,
    pub email: Option<String>,
    pub changes: Vec<FieldChange>,
    pub payload: Payload,
}

/// A planned change held as it will be stored: the columns apart, the field changes and
/// the payload as the JSON `import_changes` keeps. A row of a large file costs a few
/// hundred bytes so, where the structured [`Planned`] held dozens of small allocations
/// (a 136,000-row preview peaked at 370 MB with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRow {
    /// Position in the plan (`import_changes.seq`).
    pub seq: usize,
    /// Carries a password still to hash: kept in memory until it is.
    pub awaits_hash: bool,
    pub row: Option<usize>,
    pub kind: ChangeKind,
    pub member_id: Option<Uuid>,
    /// The member's version at the preview; applying refuses if it moved.
    pub member_version: Option<i64>,
    pub login: Option<String>,
    pub email: Option<String>,
    /// `Vec<FieldChange>` as JSON.
    pub changes_json: Box<str>,
    /// [`Payload`] as JSON.
    pub payload_json: Box<str>,
}

impl PlannedRow {
    fn new(seq: usize, awaits_hash: bool, planned: Planned) -> Self {
        Self {
            seq,
            awaits_hash,
            row: planned.row,
            kind: planned.kind,
            member_id: planned.member_id,
            member_version: planned.member_version,
            login: planned.login,
            email: planned.email,
            changes_json: serde_json::to_string(&planned.changes)
                .expect("field changes serialise")
                .into(),
            payload_json: serde_json::to_string(&planned.payload)
                .expect("payload serialises")
                .into(),
        }
    }

    /// The field-by-field changes, read back.
    pub fn field_changes(&self) -> Vec<FieldChange> {
        serde_json::from_str(&self.changes_json).expect("written by PlannedRow::new")
    }

    /// The payload, read back.
    pub fn payload(&self) -> Payload {
        serde_json::from_str(&self.payload_json).expect("written by PlannedRow::new")
    }

    /// Replaces the payload (password hashes are filled in after planning).
    pub fn set_payload(&mut self, payload: &Payload) {
        self.payload_json = serde_json::to_string(payload).expect("payload serialises").into();
    }
}

/// Everything a preview found.
#[derive(Debug, Default)]
pub struct Plan {
    /// The changes not handed to [`Context::flush`] yet, in plan order: all of them
    /// without a flush; with one, the rows still awaiting their password hash and the
    /// last few.
    pub changes: Vec<PlannedRow>,
    /// Changes planned so far, by kind (flushed or not).
    pub counts: Summary,
    /// How many changes were planned (the next `seq`).
    pub planned: usize,
    pub errors: Vec<RowError>,
    /// Problems that do not fail their row ([`Problem::is_warning`]), shown in the preview.
    pub warnings: Vec<RowError>,
    /// Numbers of the rows with errors.
    pub error_rows: BTreeSet<usize>,
    /// Group names the file uses that do not exist yet.
    pub new_groups: Vec<String>,
    /// Passwords to hash: (`seq` of the change, plaintext); consumed by the caller.
    pub passwords: Vec<(usize, String)>,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut summary = self.counts;
        summary.error_rows = self.error_rows.len() as i32;
        summary
    }

    /// Appends a planned change (with the plaintext password it sets, if any).
    fn push(&mut self, planned: Planned, password: Option<String>) {
        let seq = self.planned;
        self.planned += 1;
        self.counts.count(planned.kind);
        if let Some(password) = password {
            self.passwords.push((seq, password));
        }
        let awaits_hash = self.passwords.last().is_some_and(|(at, _)| *at == seq);
        self.changes.push(PlannedRow::new(seq, awaits_hash, planned));
    }

    /// Hands the finished changes to `flush` once enough are buffered.
    fn flush_if_due(&mut self, flush: Option<&dyn Fn(Vec<PlannedRow>)>) {
        const ROWS_PER_FLUSH: usize = 1_000;
        let Some(flush) = flush else { return };
        if self.changes.len() < ROWS_PER_FLUSH + self.passwords.len() {
            return;
        }
        let (held, done): (Vec<_>, Vec<_>) = std::mem::take(&mut self.changes)
            .into_iter()
            .partition(|c| c.awaits_hash);
        self.changes = held;
        flush(done);
    }
}

/// Who runs the import and how.
pub struct Context<'a> {
    pub tenant: &'a Tenant,
    pub mode: Mode,
    pub options: &'a Options,
    pub caller_id: Uuid,
    pub grants: &'a Grants,
    /// Told the rows done so far (rows waiting for a password hash not counted yet).
    pub progress: &'a (dyn Fn(usize) + Sync),
    /// Where finished changes go as planning proceeds, so that a large file's plan is
    /// never whole in memory; None keeps every change in [`Plan::changes`].
    pub flush: Option<&'a dyn Fn(Vec<PlannedRow>)>,
}

/// Plans every row of the sheet, then (SYNC) the deactivation of absent members.
pub fn plan(ctx: &Context, layout: &Layout, sheet: &Sheet, snapshot: &Snapshot) -> Plan {
    let mut planner = Planner {
        ctx,
        layout,
        snapshot,
        plan: Plan::default(),
        seen: HashMap::new(),
        claimed: HashMap::new(),
        logins: snapshot.by_login.keys().cloned().collect(),
        default_groups: ctx
            .options
            .defaults
            .group_ids
            .iter()
            .filter_map(|id| snapshot.group_name(*id).map(str::to_owned))
            .collect(),
    };
    for (index, row) in sheet.rows.iter().enumerate() {
        let (input, problems) = read_row(layout, row, ctx.tenant);
        planner.row(input, problems);
        if index % 1_000 == 999 {
            (ctx.progress)(index + 1 - planner.plan.passwords.len());
        }
    }
    if ctx.mode == Mode::Sync && !ctx.options.keep_absent {
        planner.deactivate_absent();
    }
    planner.plan
}

struct Planner<'a> {
    ctx: &'a Context<'a>,
    layout: &'a Layout,
    snapshot: &'a Snapshot,
    plan: Plan,
    /// Login and address keys of earlier rows, with their row numbers.
    seen: HashMap<String, usize>,
    /// Members matched by earlier rows (present in the file), with the row.
    claimed: HashMap<usize, usize>,
    /// Logins taken, by members or by rows planned so far.
    logins: HashSet<String>,
    default_groups: Vec<String>,
}

impl Planner<'_> {
    fn fail(
        &self,
        problems: &mut Vec<RowError>,
        row: usize,
        field: Option<Field>,
        value: Option<&str>,
        problem: Problem,
    ) {
        problems.push(RowError {
            row,
            column: field.and_then(|f| self.layout.header(f)),
            value: value.map(str::to_owned),
            problem,
        });
    }

    /// REQUIRED for an empty value, unless the cell already has a problem (an invalid
    /// address is not also reported missing).
    fn require(&self, problems: &mut Vec<RowError>, row: usize, field: Field, missing: bool) {
        let header = self.layout.header(field);
        if missing && !problems.iter().any(|p| p.column.is_some() && p.column == header) {
            self.fail(problems, row, Some(field), None, Problem::Required);
        }
    }

    fn row(&mut self, input: RowInput, problems: Vec<RowError>) {
        let (warnings, mut problems): (Vec<_>, Vec<_>) = problems.into_iter().partition(|p| p.problem.is_warning());
        self.plan.warnings.extend(warnings);
        let number = input.number;
        let snapshot = self.snapshot;
        let found_by_login = input.login.as_ref().and_then(|l| snapshot.by_login.get(l).copied());
        let found_by_email = input
            .email
            .as_ref()
            .and_then(|a| snapshot.by_email.get(&email::key(a)).copied());
        let matched = found_by_login.or(found_by_email);

        // One row per person: later rows with an earlier row's login or address fail.
        let keys = [
            (Field::Login, input.login.clone().map(|l| format!("l:{l}"))),
            (
                Field::Email,
                input.email.as_deref().map(|a| format!("e:{}", email::key(a))),
            ),
            (
                Field::SecondaryEmail,
                input.secondary_email.as_deref().map(|a| format!("e:{}", email::key(a))),
            ),
        ];
        let mut duplicate = false;
        for (field, key) in keys {
            let Some(key) = key else { continue };
            if let Some(&earlier) = self.seen.get(&key) {
                let value = key[2..].to_owned();
                self.fail(
                    &mut problems,
                    number,
                    Some(field),
                    Some(&value),
                    Problem::DuplicateRow(earlier),
                );
                duplicate = true;
            } else {
                self.seen.insert(key, number);
            }
        }
        if let Some(index) = matched {
            match self.claimed.get(&index) {
                Some(&earlier) if !duplicate => {
                    self.fail(&mut problems, number, None, None, Problem::DuplicateRow(earlier));
                }
                Some(_) => {}
                None => {
                    // A row with errors still counts as present (SYNC does not deactivate it).
                    self.claimed.insert(index, number);
                }
            }
        }
        for (field, address) in [
            (Field::Email, &input.email),
            (Field::SecondaryEmail, &input.secondary_email),
        ] {
            let Some(address) = address else { continue };
            let owner = snapshot.by_email.get(&email::key(address)).copied();
            if owner.is_some() && owner != matched {
                self.fail(&mut problems, number, Some(field), Some(address), Problem::EmailTaken);
            }
        }

        let existing = matched.map(|i| &snapshot.members[i]);
        let change = match (self.ctx.mode, existing) {
            (Mode::Create, Some(_)) => {
                let field = if found_by_login.is_some() {
                    Field::Login
                } else {
                    Field::Email
                };
                let value = if found_by_login.is_some() {
                    &input.login
                } else {
                    &input.email
                };
                self.fail(
                    &mut problems,
                    number,
                    Some(field),
                    value.as_deref(),
                    Problem::AlreadyMember,
                );
                None
            }
            (Mode::Create | Mode::Sync, None) => self.create(&input, &mut problems),
            (Mode::Sync, Some(existing)) => self.edit(&input, existing, &mut problems),
            (Mode::Invite, existing) => self.invite(&input, existing, &mut problems),
        };
        if !problems.is_empty() {
            self.plan.error_rows.insert(number);
            self.plan.errors.extend(problems);
            return;
        }
        if let Some((change, password)) = change {
            self.plan.push(change, password);
            self.plan.flush_if_due(self.ctx.flush);
        }
    }

    /// Roles of a row as asked: the roles column (else `fallback`), then the admin column.
    fn wanted_roles(&self, input: &RowInput, fallback: &[String]) -> Vec<String> {
        let mut roles = input.roles.clone().unwrap_or_else(|| fallback.to_vec());
        if let (Some(admin), Some(role)) = (input.admin, self.ctx.tenant.admin_role()) {
            roles.retain(|r| *r != role.key);
            if admin {
                roles.push(role.key.clone());
            }
        }
        ordered_roles(self.ctx.tenant, roles)
    }

    /// RoleNotAllowed for each role the caller may not hand out.
    fn check_roles<'r>(&self, problems: &mut Vec<RowError>, row: usize, roles: impl IntoIterator<Item = &'r String>) {
        for key in roles {
            let allowed = self
                .ctx
                .tenant
                .role(key)
                .is_some_and(|role| self.ctx.grants.can_hand_out(role, None));
            if !allowed {
                let admin_key = self.ctx.tenant.admin_role().map(|r| r.key.as_str());
                let field = if Some(key.as_str()) == admin_key && !self.layout.has(Field::Roles) {
                    Field::Admin
                } else {
                    Field::Roles
                };
                self.fail(problems, row, Some(field), Some(key), Problem::RoleNotAllowed);
            }
        }
    }

    /// Group names as they will be stored: existing groups keep their spelling; a smart
    /// group fails; unknown ones are to be created.
    fn check_groups(&mut self, problems: &mut Vec<RowError>, row: usize, names: &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in names {
            let spelled = match self.snapshot.groups.get(&name.to_lowercase()) {
                Some(group) if group.smart => {
                    self.fail(problems, row, Some(Field::Groups), Some(name), Problem::SmartGroup);
                    continue;
                }
                Some(group) => group.name.clone(),
                None => match self
                    .plan
                    .new_groups
                    .iter()
                    .find(|g| g.to_lowercase() == name.to_lowercase())
                {
                    Some(planned) => planned.clone(),
                    None => {
                        self.plan.new_groups.push(name.clone());
                        name.clone()
                    }
                },
            };
            if !out.iter().any(|g| g.eq_ignore_ascii_case(&spelled)) {
                out.push(spelled);
            }
        }
        out
    }

    fn locale_of(&self, input: &RowInput) -> String {
        input
            .locale
            .clone()
            .or_else(|| self.ctx.options.defaults.locale.clone())
            .unwrap_or_else(|| self.ctx.tenant.default_locale.clone())
    }

    fn create(&mut self, input: &RowInput, problems: &mut Vec<RowError>) -> Option<(Planned, Option<String>)> {
        let number = input.number;
        let tenant = self.ctx.tenant;
        let invite = self.ctx.options.defaults.send_invitations;
        let email_needed = tenant.accounts.require_email || invite;
        for (field, missing) in [
            (Field::FirstName, input.first_name.is_none()),
            (Field::LastName, input.last_name.is_none()),
            (Field::Email, input.email.is_none() && email_needed),
        ] {
            self.require(problems, number, field, missing);
        }
        let defaults = &self.ctx.options.defaults;
        let roles = self.wanted_roles(input, &defaults.roles);
        let extra: Vec<String> = roles
            .iter()
            .filter(|r| tenant.role(r).is_some_and(|role| !role.default))
            .cloned()
            .collect();
        self.check_roles(problems, number, &extra);
        let group_names = input.groups.clone().unwrap_or_else(|| self.default_groups.clone());
        let groups = self.check_groups(problems, number, &group_names);
        if !problems.is_empty() {
            return None;
        }
        let (first, last) = (input.first_name.clone()?, input.last_name.clone()?);
        let login = match &input.login {
            Some(given) => given.clone(),
            None => {
                let base = login::from_pattern(&tenant.accounts.login_pattern, &first, &last)
                    .or_else(|| {
                        input
                            .email
                            .as_deref()
                            .map(|a| login::fold(a.split('@').next().unwrap_or_default()))
                            .filter(|l| !l.is_empty())
                    })
                    .unwrap_or_else(|| "member".to_owned());
                free_login(&self.logins, &base)
            }
        };
        self.logins.insert(login.clone());
        let password = match (&input.password, &tenant.accounts.default_password) {
            (Some(_), _) => PasswordPlan::Hash(String::new()),
            (None, Some(_)) => PasswordPlan::TenantDefault,
            (None, None) => PasswordPlan::None,
        };
        let new = NewRow {
            login: login.clone(),
            email: input.email.clone(),
            secondary_email: input.secondary_email.clone(),
            phone: input.phone.clone(),
            first_name: first,
            last_name: last,
            locale: self.locale_of(input),
            password,
            roles: extra,
            groups,
            active: input.active.unwrap_or(true),
            invite: invite && input.active != Some(false),
        };
        let mut changes = Vec::new();
        let mut show = |field: &str, value: Option<String>| {
            if value.is_some() {
                changes.push(FieldChange {
                    field: field.to_owned(),
                    before: None,
                    after: value,
                });
            }
        };
        show("login", Some(new.login.clone()));
        show("email", new.email.clone());
        show("secondaryEmail", new.secondary_email.clone());
        show("phone", new.phone.clone());
        show("firstName", Some(new.first_name.clone()));
        show("lastName", Some(new.last_name.clone()));
        show("locale", Some(new.locale.clone()));
        show("password", input.password.as_ref().map(|_| HIDDEN.to_owned()));
        show("roles", Some(roles.join(", ")).filter(|r| !r.is_empty()));
        show("groups", Some(new.groups.join(", ")).filter(|g| !g.is_empty()));
        show("status", (!new.active).then(|| "DEACTIVATED".to_owned()));
        let planned = Planned {
            row: Some(number),
            kind: ChangeKind::Create,
            // Chosen now so that the plan, its undo and the preview name the same member.
            member_id: Some(Uuid::now_v7()),
            member_version: None,
            login: Some(login),
            email: new.email.clone(),
            changes,
            payload: Payload::Create(new),
        };
        Some((planned, input.password.clone()))
    }

    fn edit(
        &mut self,
        input: &RowInput,
        existing: &Existing,
        problems: &mut Vec<RowError>,
    ) -> Option<(Planned, Option<String>)> {
        let number = input.number;
        let m = &existing.member;
        let own = m.id == self.ctx.caller_id;
        let mut edit = Edit::default();
        let same_address =
            |a: &Option<String>, b: &Option<String>| a.as_deref().map(email::key) == b.as_deref().map(email::key);
        let scalars: [(&str, &Option<String>, Option<String>, bool); 7] = [
            ("login", &input.login, Some(m.login.clone()), false),
            ("email", &input.email, m.email.clone(), true),
            (
                "secondaryEmail",
                &input.secondary_email,
                m.secondary_email.clone(),
                true,
            ),
            ("phone", &input.phone, m.phone.clone(), false),
            ("firstName", &input.first_name, Some(m.first_name.clone()), false),
            ("lastName", &input.last_name, Some(m.last_name.clone()), false),
            (
                "locale",
                &input.locale,
                Some(m.locale.clone()).filter(|l| !l.is_empty()),
                false,
            ),
        ];
        for (field, wanted, current, address) in scalars {
            let Some(wanted) = wanted else { continue };
            let same = if address {
                same_address(&Some(wanted.clone()), &current)
            } else {
                current.as_deref() == Some(wanted.as_str())
            };
            if !same {
                edit.fields.push(ScalarChange {
                    field: field.to_owned(),
                    before: current,
                    after: Some(wanted.clone()),
                });
            }
        }
        if input.login.is_some() && edit.fields.iter().any(|f| f.field == "login") {
            let wanted = input.login.clone().unwrap_or_default();
            if self.logins.contains(&wanted) {
                self.fail(
                    problems,
                    number,
                    Some(Field::Login),
                    Some(&wanted),
                    Problem::DuplicateRow(number),
                );
            } else {
                self.logins.insert(wanted);
            }
        }
        edit.set_password = input.password.is_some();
        if edit.set_password {
            // The hash itself is read after planning (`store::fill_previous_hashes`).
            edit.previous_password = Some((None, m.uses_default_password, m.must_change_password));
        }
        if input.roles.is_some() || input.admin.is_some() {
            let wanted = self.wanted_roles(input, &existing.roles);
            if wanted != existing.roles {
                if own {
                    self.fail(problems, number, Some(Field::Roles), None, Problem::OwnAccount);
                }
                let changed: Vec<String> = wanted
                    .iter()
                    .filter(|r| !existing.roles.contains(r))
                    .chain(existing.roles.iter().filter(|r| !wanted.contains(r)))
                    .cloned()
                    .collect();
                self.check_roles(problems, number, &changed);
                edit.roles = Some((existing.roles.clone(), wanted));
            }
        }
        if let Some(names) = &input.groups {
            let wanted = self.check_groups(problems, number, names);
            let current: Vec<String> = existing
                .groups
                .iter()
                .filter_map(|id| self.snapshot.group_name(*id).map(str::to_owned))
                .collect();
            let lower = |list: &[String]| list.iter().map(|g| g.to_lowercase()).collect::<BTreeSet<_>>();
            if lower(&wanted) != lower(&current) {
                edit.groups = Some((existing.groups.clone(), wanted));
            }
        }
        if let Some(active) = input.active {
            if active != existing.active() {
                if !active && own {
                    self.fail(problems, number, Some(Field::Status), None, Problem::OwnAccount);
                } else if !active && existing.protected {
                    self.fail(problems, number, Some(Field::Status), None, Problem::ProtectedMember);
                }
                edit.active = Some((existing.active(), active));
            }
        }
        if !problems.is_empty() {
            return None;
        }
        let kind = match edit.active {
            Some((_, false)) => ChangeKind::Deactivate,
            Some((_, true)) => ChangeKind::Reactivate,
            None if edit.is_empty() => ChangeKind::Unchanged,
            None => ChangeKind::Update,
        };
        let mut changes: Vec<FieldChange> = edit
            .fields
            .iter()
            .map(|f| FieldChange {
                field: f.field.clone(),
                before: f.before.clone(),
                after: f.after.clone(),
            })
            .collect();
        if edit.set_password {
            changes.push(FieldChange {
                field: "password".into(),
                before: m.has_password.then(|| HIDDEN.to_owned()),
                after: Some(HIDDEN.to_owned()),
            });
        }
        if let Some((before, after)) = &edit.roles {
            changes.push(FieldChange {
                field: "roles".into(),
                before: Some(before.join(", ")),
                after: Some(after.join(", ")),
            });
        }
        if let Some((before, after)) = &edit.groups {
            let before: Vec<&str> = before.iter().filter_map(|id| self.snapshot.group_name(*id)).collect();
            changes.push(FieldChange {
                field: "groups".into(),
                before: Some(before.join(", ")),
                after: Some(after.join(", ")),
            });
        }
        if let Some((before, after)) = edit.active {
            let word = |active: bool| if active { "ACTIVE" } else { "DEACTIVATED" }.to_owned();
            changes.push(FieldChange {
                field: "status".into(),
                before: Some(word(before)),
                after: Some(word(after)),
            });
        }
        let payload = if kind == ChangeKind::Unchanged {
            Payload::Nothing
        } else {
            Payload::Edit(edit)
        };
        let planned = Planned {
            row: Some(number),
            kind,
            member_id: Some(m.id),
            member_version: Some(m.version),
            login: Some(m.login.clone()),
            email: m.email.clone(),
            changes,
            payload,
        };
        Some((planned, input.password.clone()))
    }

    fn invite(
        &mut self,
        input: &RowInput,
        existing: Option<&Existing>,
        problems: &mut Vec<RowError>,
    ) -> Option<(Planned, Option<String>)> {
        let number = input.number;
        let Some(address) = input.email.clone() else {
            self.require(problems, number, Field::Email, true);
            return None;
        };
        let group_names = input.groups.clone().unwrap_or_else(|| self.default_groups.clone());
        let groups = self.check_groups(problems, number, &group_names);
        if let Some(existing) = existing {
            if !problems.is_empty() {
                return None;
            }
            let current: BTreeSet<String> = existing
                .groups
                .iter()
                .filter_map(|id| self.snapshot.group_name(*id).map(str::to_lowercase))
                .collect();
            let added: Vec<String> = groups
                .into_iter()
                .filter(|g| !current.contains(&g.to_lowercase()))
                .collect();
            let m = &existing.member;
            let kind = if added.is_empty() || !existing.active() {
                ChangeKind::Unchanged
            } else {
                ChangeKind::AddToGroups
            };
            let changes = if kind == ChangeKind::AddToGroups {
                vec![FieldChange {
                    field: "groups".into(),
                    before: None,
                    after: Some(added.join(", ")),
                }]
            } else {
                Vec::new()
            };
            let payload = if kind == ChangeKind::AddToGroups {
                Payload::AddToGroups { groups: added }
            } else {
                Payload::Nothing
            };
            return Some((
                Planned {
                    row: Some(number),
                    kind,
                    member_id: Some(m.id),
                    member_version: Some(m.version),
                    login: Some(m.login.clone()),
                    email: m.email.clone(),
                    changes,
                    payload,
                },
                None,
            ));
        }
        let roles = self.wanted_roles(input, &self.ctx.options.defaults.roles);
        self.check_roles(problems, number, &roles);
        if !problems.is_empty() {
            return None;
        }
        let invitation = InviteRow {
            email: address.clone(),
            first_name: input.first_name.clone(),
            last_name: input.last_name.clone(),
            locale: self.locale_of(input),
            roles,
            groups,
        };
        let mut changes = vec![FieldChange {
            field: "email".into(),
            before: None,
            after: Some(address.clone()),
        }];
        for (field, value) in [
            ("firstName", invitation.first_name.clone()),
            ("lastName", invitation.last_name.clone()),
            ("locale", Some(invitation.locale.clone())),
            ("roles", Some(invitation.roles.join(", ")).filter(|r| !r.is_empty())),
            ("groups", Some(invitation.groups.join(", ")).filter(|g| !g.is_empty())),
        ] {
            if value.is_some() {
                changes.push(FieldChange {
                    field: field.into(),
                    before: None,
                    after: value,
                });
            }
        }
        Some((
            Planned {
                row: Some(number),
                kind: ChangeKind::Invite,
                member_id: None,
                member_version: None,
                login: None,
                email: Some(address),
                changes,
                payload: Payload::Invite(invitation),
            },
            None,
        ))
    }

    /// SYNC: active members no row matched are deactivated, except the admin running the
    /// import and holders of protected roles.
    fn deactivate_absent(&mut self) {
        for (index, existing) in self.snapshot.members.iter().enumerate() {
            let m = &existing.member;
            if self.claimed.contains_key(&index)
                || !existing.active()
                || m.id == self.ctx.caller_id
                || existing.protected
            {
                continue;
            }
            let deactivated = Planned {
                row: None,
                kind: ChangeKind::Deactivate,
                member_id: Some(m.id),
                member_version: Some(m.version),
                login: Some(m.login.clone()),
                email: m.email.clone(),
                changes: vec![FieldChange {
                    field: "status".into(),
                    before: Some("ACTIVE".into()),
                    after: Some("DEACTIVATED".into()),
                }],
                payload: Payload::Edit(Edit {
                    active: Some((true, false)),
                    ..Edit::default()
                }),
            };
            self.plan.push(deactivated, None);
            self.plan.flush_if_due(self.ctx.flush);
        }
    }
}

/// `base`, else `base2`, `base3`, … not taken.
fn free_login(taken: &HashSet<String>, base: &str) -> String {
    if !taken.contains(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|candidate| !taken.contains(candidate))
        .expect("an unbounded range always has a free number")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load_tenant, EnvOverrides};
    use crate::imports::columns::match_headers;
    use crate::imports::read::read_csv;

    const TENANT: &str = "name = \"T\"\ndefault_locale = \"fr\"\nlocales = [\"fr\", \"en\"]\n\
        [import]\nprotected_roles = [\"admin\"]\n\
        [roles.admin]\npermissions = [\"*\"]\n[roles.member]\npermissions = []\ndefault = true\n";

    fn tenant() -> Tenant {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, TENANT).unwrap();
        load_tenant(&path, EnvOverrides::None).unwrap()
    }

    fn known(login: &str, email: &str, status: &str) -> Existing {
        Existing {
            member: Known {
                id: Uuid::now_v7(),
                login: login.into(),
                login_key: login.into(),
                email: Some(email.into()),
                secondary_email: None,
                phone: None,
                first_name: "A".into(),
                last_name: login.into(),
                locale: "fr".into(),
                status: status.into(),
                version: 3,
                has_password: false,
                uses_default_password: false,
                must_change_password: false,
            },
            roles: vec!["member".into()],
            protected: false,
            groups: Vec::new(),
        }
    }

    fn run(mode: Mode, csv: &str, snapshot: &Snapshot, caller: Uuid, keep_absent: bool) -> Plan {
        let tenant = tenant();
        let sheet = read_csv(csv.as_bytes(), 100, None).unwrap();
        let layout = Layout {
            fields: match_headers(&sheet.headers, &tenant.import.aliases),
            headers: sheet.headers.clone(),
        };
        let options = Options {
            keep_absent,
            locale: "en".into(),
            ..Options::default()
        };
        let grants = Grants {
            roles: vec![tenant.role("admin").unwrap().clone()],
            scoped: Vec::new(),
        };
        let ctx = Context {
            tenant: &tenant,
            mode,
            options: &options,
            caller_id: caller,
            grants: &grants,
            progress: &|_| {},
            flush: None,
        };
        plan(&ctx, &layout, &sheet, snapshot)
    }

    fn kinds(plan: &Plan) -> Vec<(Option<usize>, ChangeKind)> {
        plan.changes.iter().map(|c| (c.row, c.kind)).collect()
    }

    #[test]
    fn sync_matches_by_login_then_email_and_spares_the_caller_and_protected_members() {
        let anne = known("anne", "anne@x.org", "active");
        let bob = known("bob", "bob@x.org", "active");
        let me = known("me", "me@x.org", "active");
        let mut boss = known("boss", "boss@x.org", "active");
        boss.protected = true;
        let gone = known("gone", "gone@x.org", "active");
        let caller = me.member.id;
        let snapshot = Snapshot::new(vec![anne, bob, me, boss, gone.clone()], Vec::new());
        let csv = "login,email,first name,last name,status\n\
                   anne,anne@x.org,A,anne,active\n\
                   ,BOB@X.ORG,A,Bobby,active\n\
                   new,new@x.org,N,New,inactive\n";
        let plan = run(Mode::Sync, csv, &snapshot, caller, false);
        assert!(plan.errors.is_empty(), "{:?}", plan.errors);
        assert_eq!(
            kinds(&plan),
            [
                (Some(2), ChangeKind::Unchanged),
                (Some(3), ChangeKind::Update),
                (Some(4), ChangeKind::Create),
                (None, ChangeKind::Deactivate),
            ]
        );
        assert_eq!(
            plan.changes[1].field_changes()[0].after.as_deref(),
            Some("Bobby"),
            "bob found by email"
        );
        assert_eq!(
            plan.changes[3].member_id,
            Some(gone.member.id),
            "neither the caller nor the protected"
        );
        let Payload::Create(new) = plan.changes[2].payload() else {
            panic!()
        };
        assert!(!new.active, "created deactivated, as the status column says");

        let kept = run(Mode::Sync, csv, &snapshot, caller, true);
        assert_eq!(kept.changes.len(), 3, "KEEP: nobody deactivated for being absent");
    }

    #[test]
    fn duplicates_and_others_addresses_are_row_errors_and_failed_rows_still_count_as_present() {
        let anne = known("anne", "anne@x.org", "active");
        let bob = known("bob", "bob@x.org", "active");
        let snapshot = Snapshot::new(vec![anne, bob], Vec::new());
        let csv = "login,email,first name,last name\n\
                   anne,bob@x.org,A,anne\n\
                   bob,bob@x.org,B,bob\n\
                   carl,Carl@x.org,C,carl\n\
                   carl2,carl@X.org,C,carl\n";
        let plan = run(Mode::Sync, csv, &snapshot, Uuid::nil(), false);
        let problems: Vec<(usize, &str)> = plan.errors.iter().map(|e| (e.row, e.problem.code())).collect();
        assert_eq!(
            problems,
            [(2, "EMAIL_TAKEN"), (3, "DUPLICATE_ROW"), (5, "DUPLICATE_ROW")],
            "anne's row names bob's address; bob's row repeats it; carl2 repeats carl's address"
        );
        assert!(
            plan.changes.iter().all(|c| c.kind != ChangeKind::Deactivate),
            "anne and bob are present even though their rows failed"
        );
        assert_eq!(plan.error_rows.len(), 3);
    }

    #[test]
    fn generated_logins_take_the_next_free_number_across_the_file() {
        let existing = known("marie.dupont", "m@x.org", "active");
        let snapshot = Snapshot::new(vec![existing], Vec::new());
        let csv = "first name,last name,email\nMarie,Dupont,a@x.org\nMarie,Dupont,b@x.org\nMarie,Dupont,c@x.org\n";
        let plan = run(Mode::Create, csv, &snapshot, Uuid::nil(), false);
        let logins: Vec<&str> = plan.changes.iter().filter_map(|c| c.login.as_deref()).collect();
        assert_eq!(logins, ["marie.dupont2", "marie.dupont3", "marie.dupont4"]);
    }
}
