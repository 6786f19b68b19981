//! From rows to a plan: each row matched to a member (by login, else by email), checked
//! against the member list and the rest of the file (duplicates, addresses of others,
//! roles the admin may hand out, smart groups), and turned into one change with its
//! field-by-field before/after. Pure over a snapshot of the member list, so the rules
//! are tested without a database; `load_snapshot` reads that snapshot in a few queries.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::columns::Field;
use super::messages::{Problem, RowError};
use super::row::{read_row, Layout, RowInput};
use super::template::{self, Heading};
use super::text_file::Sheet;
use super::{ChangeKind, Mode, Options};
use crate::auth::permissions::Grants;
use crate::config::Tenant;
use crate::values::email;

mod create;
mod edit;
mod invite;
mod payload;
mod snapshot;
#[cfg(test)]
mod tests;

pub use self::payload::*;
pub use self::snapshot::*;

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
        claimed: vec![0; snapshot.members.len()],
        logins: HashSet::new(),
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

/// Which of the tenant's default roles a row's roles take on top of what the file asks.
#[derive(Clone, Copy)]
enum DefaultRoles<'a> {
    /// All of them: a new member, whom the member writer gives them.
    Every,
    /// Those the member holds now: a file never takes one away.
    Held(&'a [String]),
    /// None: an invitation carries only the roles asked.
    Left,
}

struct Planner<'a> {
    ctx: &'a Context<'a>,
    layout: &'a Layout,
    snapshot: &'a Snapshot,
    plan: Plan,
    /// Login and address keys of earlier rows, with their row numbers.
    seen: HashMap<String, usize>,
    /// For each member of the snapshot, the row that matched them (present in the
    /// file), 0 for none yet (rows are numbered from 2).
    claimed: Vec<u32>,
    /// Logins taken by the rows planned so far; the list's are the snapshot's (not
    /// copied: a million of them weigh some 80 MB).
    logins: HashSet<String>,
    default_groups: Vec<String>,
}

impl Planner<'_> {
    /// Whether a member of the list or a row planned so far has `login`.
    fn login_taken(&self, login: &str) -> bool {
        self.snapshot.by_login(login).is_some() || self.logins.contains(login)
    }

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
    /// address is not also reported missing). When the file has no such column (a SYNC
    /// updating phones only, whose new rows need names), the error names the column to
    /// add, as the templates write it in the admin's language.
    fn require(&self, problems: &mut Vec<RowError>, row: usize, field: Field, missing: bool) {
        let header = self.layout.header(field);
        if missing && !problems.iter().any(|p| p.column.is_some() && p.column == header) {
            let french = template::is_french(&self.ctx.options.locale);
            let problem = if header.is_some() {
                Problem::Required
            } else {
                Problem::ColumnNeeded
            };
            problems.push(RowError {
                row,
                column: header.or_else(|| Some(Heading::from(field).header(french).to_owned())),
                value: None,
                problem,
            });
        }
    }

    /// Plans one row: matched to a member (by login, else by address), checked against
    /// the earlier rows and the member list, then turned into a change by the mode.
    fn row(&mut self, input: RowInput, problems: Vec<RowError>) {
        let (warnings, mut problems): (Vec<_>, Vec<_>) = problems.into_iter().partition(|p| p.problem.is_warning());
        self.plan.warnings.extend(warnings);
        let number = input.number;
        let snapshot = self.snapshot;
        let found_by_login = input.login.as_deref().and_then(|l| snapshot.by_login(l));
        let found_by_email = input.email.as_ref().and_then(|a| snapshot.by_email(&email::key(a)));
        let matched = found_by_login.or(found_by_email);
        let duplicate = self.check_duplicates(&mut problems, &input);
        if let Some(index) = matched {
            self.claim(&mut problems, number, index, duplicate);
        }
        self.check_addresses(&mut problems, &input, matched);
        let existing = matched.map(|i| &snapshot.members[i]);
        let change = match (self.ctx.mode, existing) {
            (Mode::Create, Some(existing)) => {
                let (field, value) = if found_by_login.is_some() {
                    (Field::Login, &input.login)
                } else {
                    (Field::Email, &input.email)
                };
                let problem = if existing.active() {
                    Problem::AlreadyMember
                } else {
                    Problem::AlreadyDeactivatedMember
                };
                self.fail(&mut problems, number, Some(field), value.as_deref(), problem);
                None
            }
            (Mode::Create | Mode::Sync, None) => self.create(&input, &mut problems),
            (Mode::Sync, Some(existing)) => self.edit(&input, existing, &mut problems),
            (Mode::Invite, existing) => self.invite(&input, existing, &mut problems),
        };
        self.record(number, problems, change);
    }

    /// One row per person: a row with an earlier row's login or address fails (true then),
    /// else its keys are remembered.
    fn check_duplicates(&mut self, problems: &mut Vec<RowError>, input: &RowInput) -> bool {
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
                // The cell as the file writes it, not the key it is compared by.
                let written = match field {
                    Field::Email => input.email.as_deref(),
                    Field::SecondaryEmail => input.secondary_email.as_deref(),
                    _ => input.login.as_deref(),
                };
                self.fail(
                    problems,
                    input.number,
                    Some(field),
                    written,
                    Problem::DuplicateRow(earlier),
                );
                duplicate = true;
            } else {
                self.seen.insert(key, input.number);
            }
        }
        duplicate
    }

    /// Marks the member at `index` present in the file; a second row matching them fails,
    /// unless it already failed as a `duplicate`.
    fn claim(&mut self, problems: &mut Vec<RowError>, row: usize, index: usize, duplicate: bool) {
        match self.claimed[index] {
            0 => {
                // A row with errors still counts as present (SYNC does not deactivate it).
                self.claimed[index] = u32::try_from(row).unwrap_or(u32::MAX);
            }
            earlier if !duplicate => {
                self.fail(problems, row, None, None, Problem::DuplicateRow(earlier as usize));
            }
            _ => {}
        }
    }

    /// EmailTaken for each address of the row that belongs to another member than the
    /// `matched` one.
    fn check_addresses(&self, problems: &mut Vec<RowError>, input: &RowInput, matched: Option<usize>) {
        for (field, address) in [
            (Field::Email, &input.email),
            (Field::SecondaryEmail, &input.secondary_email),
        ] {
            let Some(address) = address else { continue };
            let owner = self.snapshot.by_email(&email::key(address));
            if owner.is_some() && owner != matched {
                self.fail(problems, input.number, Some(field), Some(address), Problem::EmailTaken);
            }
        }
    }

    /// Keeps a row's problems (marking it an error row), else its change, flushing
    /// finished changes when due.
    fn record(&mut self, row: usize, problems: Vec<RowError>, change: Option<(Planned, Option<String>)>) {
        if !problems.is_empty() {
            self.plan.error_rows.insert(row);
            self.plan.errors.extend(problems);
            return;
        }
        if let Some((change, password)) = change {
            self.plan.push(change, password);
            self.plan.flush_if_due(self.ctx.flush);
        }
    }

    /// Roles of a row as asked: the roles column (else `fallback`), then the admin column;
    /// then the tenant's default roles (`default = true`) as `defaults` says. A file adds
    /// to those and never takes one away: a file that names only the other roles plans
    /// nothing when imported again.
    fn wanted_roles(&self, input: &RowInput, fallback: &[String], defaults: DefaultRoles<'_>) -> Vec<String> {
        let mut roles = input.roles.clone().unwrap_or_else(|| fallback.to_vec());
        if let (Some(admin), Some(role)) = (input.admin, self.ctx.tenant.admin_role()) {
            roles.retain(|r| *r != role.key);
            if admin {
                roles.push(role.key.clone());
            }
        }
        let tenant = self.ctx.tenant;
        match defaults {
            DefaultRoles::Every => roles.extend(tenant.default_roles().map(|r| r.key.clone())),
            DefaultRoles::Held(held) => roles.extend(
                held.iter()
                    .filter(|r| tenant.role(r).is_some_and(|role| role.default))
                    .cloned(),
            ),
            DefaultRoles::Left => {}
        }
        ordered_roles(tenant, roles)
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

    /// The language the row, or else the import's defaults, chose; None when neither
    /// did (a member created so has chosen none, as one created by hand).
    fn chosen_locale_of(&self, input: &RowInput) -> Option<String> {
        input
            .locale
            .clone()
            .or_else(|| self.ctx.options.defaults.locale.clone())
    }

    /// The language an invitation is written in: the one chosen, else the tenant's default.
    fn locale_of(&self, input: &RowInput) -> String {
        self.chosen_locale_of(input)
            .unwrap_or_else(|| self.ctx.tenant.default_locale.clone())
    }

    /// SYNC: active members no row matched are deactivated, except the admin running the
    /// import and holders of protected roles.
    fn deactivate_absent(&mut self) {
        for (index, existing) in self.snapshot.members.iter().enumerate() {
            let m = &existing.member;
            if self.claimed[index] != 0 || !existing.active() || m.id == self.ctx.caller_id || existing.protected {
                continue;
            }
            let changes = vec![FieldChange {
                field: "status".into(),
                before: Some(status_word(true)),
                after: Some(status_word(false)),
            }];
            let payload = Payload::Edit(Edit {
                active: Some((true, false)),
                ..Edit::default()
            });
            let deactivated = Planned::of_member(None, ChangeKind::Deactivate, m, changes, payload);
            self.plan.push(deactivated, None);
            self.plan.flush_if_due(self.ctx.flush);
        }
    }
}

/// `base`, else `base2`, `base3`, … not taken.
fn free_login(taken: impl Fn(&str) -> bool, base: &str) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|candidate| !taken(candidate))
        .expect("an unbounded range always has a free number")
}
