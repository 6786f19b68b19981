//! Planning a row that matches a member: the fields, password, roles, groups and status
//! that differ, refused where they touch the admin's own account or a protected member.

use std::collections::BTreeSet;

use super::{
    status_word, Edit, Existing, FieldChange, Payload, Planned, Planner, ScalarChange, SnapshotMember, HIDDEN,
};
use crate::imports::columns::Field;
use crate::imports::messages::{Problem, RowError};
use crate::imports::row::RowInput;
use crate::imports::ChangeKind;
use crate::members::write::ProfileField;
use crate::values::email;

impl Planner<'_> {
    pub(super) fn edit(
        &mut self,
        input: &RowInput,
        existing: &Existing,
        problems: &mut Vec<RowError>,
    ) -> Option<(Planned, Option<String>)> {
        let number = input.number;
        let m = &existing.member;
        let own = m.id == self.ctx.caller_id;
        let mut edit = Edit {
            fields: profile_changes(input, m),
            ..Edit::default()
        };
        if input.login.is_some() && edit.fields.iter().any(|f| f.field == ProfileField::Login) {
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
            // The hash itself is read after planning (`saved_plan::fill_previous_hashes`).
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
        let changes = self.shown_changes(&edit, m);
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
            changes.push(FieldChange {
                field: "groups".into(),
                before: Some(before.join(", ")),
                after: Some(after.join(", ")),
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
