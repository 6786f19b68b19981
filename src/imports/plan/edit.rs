//! Planning a row that matches a member: the fields, password, roles, groups and status
//! that differ, refused where they touch the admin's own account or a protected member.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::{
    status_word, DefaultRoles, Edit, Existing, FieldChange, Payload, Planned, Planner, ScalarChange, SnapshotMember,
    HIDDEN,
};
use crate::imports::columns::Field;
use crate::imports::messages::{Problem, RowError};
use crate::imports::row::RowInput;
use crate::imports::ChangeKind;
use crate::members::write::ProfileField;
use crate::values::email;

impl Planner<'_> {
    /// A row for a member: what differs from the member, each part checked (a login taken,
    /// roles the caller may not change, their own account, a protected member).
    pub(super) fn edit(
        &mut self,
        input: &RowInput,
        existing: &Existing,
        problems: &mut Vec<RowError>,
    ) -> Option<(Planned, Option<String>)> {
        let m = &existing.member;
        let own = m.id == self.ctx.caller_id;
        let mut edit = Edit {
            fields: profile_changes(input, m),
            ..Edit::default()
        };
        self.check_new_login(input, &edit, problems);
        let mut password = input.password.clone();
        if own && password.is_some() {
            // Their own password is changed knowing the old one, not by a file.
            let column = self.layout.header(Field::Password);
            self.plan.warnings.push(RowError {
                row: input.number,
                column,
                value: None,
                problem: Problem::OwnPassword,
            });
            password = None;
        }
        edit.set_password = password.is_some();
        if edit.set_password {
            // The hash itself is read after planning (`saved_plan::fill_previous_hashes`).
            edit.previous_password = Some((None, m.uses_default_password, m.must_change_password));
        }
        edit.roles = self.role_change(input, existing, own, problems);
        edit.groups = self.group_change(input, existing, problems);
        edit.active = self.status_change(input, existing, own, problems);
        if !problems.is_empty() {
            return None;
        }
        if input.active.is_none() && !existing.active() {
            // Being in the file does not reactivate (a member deactivated on purpose may
            // still be in an outside list): the admin is told who stays so, and how not.
            self.plan.warnings.push(RowError {
                row: input.number,
                column: self.layout.header(Field::Status),
                value: None,
                problem: Problem::StaysDeactivated,
            });
        }
        Some((self.edited(input.number, m, edit), password))
    }

    /// A changed login must be free across the list and the rows planned so far; it is
    /// taken from then on.
    fn check_new_login(&mut self, input: &RowInput, edit: &Edit, problems: &mut Vec<RowError>) {
        if input.login.is_some() && edit.fields.iter().any(|f| f.field == ProfileField::Login) {
            let wanted = input.login.clone().unwrap_or_default();
            if self.login_taken(&wanted) {
                self.fail(
                    problems,
                    input.number,
                    Some(Field::Login),
                    Some(&wanted),
                    Problem::DuplicateRow(input.number),
                );
            } else {
                self.logins.insert(wanted);
            }
        }
    }

    /// The member's tenant-wide roles before and after, when the row's roles or admin
    /// columns change them; never the caller's own, only roles the caller may hand out.
    fn role_change(
        &self,
        input: &RowInput,
        existing: &Existing,
        own: bool,
        problems: &mut Vec<RowError>,
    ) -> Option<(Vec<String>, Vec<String>)> {
        if input.roles.is_none() && input.admin.is_none() {
            return None;
        }
        let wanted = self.wanted_roles(input, &existing.roles, DefaultRoles::Held(&existing.roles));
        if wanted == existing.roles {
            return None;
        }
        if own {
            self.fail(problems, input.number, Some(Field::Roles), None, Problem::OwnAccount);
        }
        let changed: Vec<String> = wanted
            .iter()
            .filter(|r| !existing.roles.contains(r))
            .chain(existing.roles.iter().filter(|r| !wanted.contains(r)))
            .cloned()
            .collect();
        self.check_roles(problems, input.number, &changed);
        Some((existing.roles.clone(), wanted))
    }

    /// The member's manual groups before (ids) and after (names), when the row's groups
    /// differ from them (case aside).
    fn group_change(
        &mut self,
        input: &RowInput,
        existing: &Existing,
        problems: &mut Vec<RowError>,
    ) -> Option<(Vec<Uuid>, Vec<String>)> {
        let names = input.groups.as_ref()?;
        let wanted = self.check_groups(problems, input.number, names);
        let current: Vec<String> = existing
            .groups
            .iter()
            .filter_map(|id| self.snapshot.group_name(*id).map(str::to_owned))
            .collect();
        let lower = |list: &[String]| list.iter().map(|g| g.to_lowercase()).collect::<BTreeSet<_>>();
        (lower(&wanted) != lower(&current)).then(|| (existing.groups.clone(), wanted))
    }

    /// Active before and after, when the row's status changes it; deactivating the
    /// caller's own account or a protected member fails.
    fn status_change(
        &self,
        input: &RowInput,
        existing: &Existing,
        own: bool,
        problems: &mut Vec<RowError>,
    ) -> Option<(bool, bool)> {
        let active = input.active?;
        if active == existing.active() {
            return None;
        }
        if !active && own {
            self.fail(problems, input.number, Some(Field::Status), None, Problem::OwnAccount);
        } else if !active && existing.protected {
            self.fail(
                problems,
                input.number,
                Some(Field::Status),
                None,
                Problem::ProtectedMember,
            );
        }
        Some((existing.active(), active))
    }

    /// The change for a checked edit of member `m`: a deactivation, reactivation, update,
    /// or nothing.
    fn edited(&self, number: usize, m: &SnapshotMember, edit: Edit) -> Planned {
        let kind = match edit.active {
            Some((_, false)) => ChangeKind::Deactivate,
            Some((_, true)) => ChangeKind::Reactivate,
            None if edit.is_empty() => ChangeKind::Unchanged,
            None => ChangeKind::Update,
        };
        let changes = self.shown_changes(&edit, m);
        let payload = if kind == ChangeKind::Unchanged {
            Payload::Nothing
        } else {
            Payload::Edit(edit)
        };
        Planned::of_member(Some(number), kind, m, changes, payload)
    }

    /// What the preview shows of an edit, field by field: the profile fields, then the
    /// password (hidden), roles, groups and status.
    fn shown_changes(&self, edit: &Edit, m: &SnapshotMember) -> Vec<FieldChange> {
        let mut changes: Vec<FieldChange> = edit
            .fields
            .iter()
            .map(|f| FieldChange {
                field: f.field.api_name().to_owned(),
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
            // No group is no value, as an empty field is: shown without a crossed-out blank.
            let listed = |names: String| Some(names).filter(|n| !n.is_empty());
            changes.push(FieldChange {
                field: "groups".into(),
                before: listed(before.join(", ")),
                after: listed(after.join(", ")),
            });
        }
        if let Some((before, after)) = edit.active {
            changes.push(FieldChange {
                field: "status".into(),
                before: Some(status_word(before)),
                after: Some(status_word(after)),
            });
        }
        changes
    }
}

/// The profile fields the row gives that differ from the member's (addresses compared by
/// their key, so a change of case is no change).
fn profile_changes(input: &RowInput, member: &SnapshotMember) -> Vec<ScalarChange> {
    let same_address = |a: &str, b: Option<&str>| Some(email::key(a)) == b.map(email::key);
    ProfileField::ALL
        .into_iter()
        .filter_map(|field| {
            let (wanted, current) = (field.get(input)?, field.get(member));
            let same = if field.is_address() {
                same_address(wanted, current)
            } else {
                current == Some(wanted)
            };
            (!same).then(|| ScalarChange {
                field,
                before: current.map(str::to_owned),
                after: Some(wanted.to_owned()),
            })
        })
        .collect()
}
