//! Planning a row of an INVITE import: a JOIN invitation to the address, or nothing when
//! it is a member's already.

use std::collections::BTreeSet;

use super::{DefaultRoles, Existing, FieldChange, InviteRow, Payload, Planned, Planner};
use crate::imports::columns::Field;
use crate::imports::messages::RowError;
use crate::imports::row::RowInput;
use crate::imports::ChangeKind;

impl Planner<'_> {
    /// An INVITE row: the address is required and the groups checked; a member's address
    /// adds them to the groups they lack, any other gets an invitation (roles checked).
    pub(super) fn invite(
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
            return Some((self.add_to_groups(number, existing, groups), None));
        }
        let roles = self.wanted_roles(input, &self.ctx.options.defaults.roles, DefaultRoles::Left);
        self.check_roles(problems, number, &roles);
        if !problems.is_empty() {
            return None;
        }
        let invitation = InviteRow {
            email: address,
            first_name: input.first_name.clone(),
            last_name: input.last_name.clone(),
            locale: self.locale_of(input),
            roles,
            groups,
        };
        Some((invited(number, invitation), None))
    }

    /// The change for a member's address: the row's groups they are not in yet, or
    /// nothing when there are none or the member is inactive.
    fn add_to_groups(&self, number: usize, existing: &Existing, groups: Vec<String>) -> Planned {
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
        Planned::of_member(Some(number), kind, m, changes, payload)
    }
}

/// The change for an invitation, showing the address, then the names, locale, roles and
/// groups it gives.
fn invited(number: usize, invitation: InviteRow) -> Planned {
    let mut changes = vec![FieldChange {
        field: "email".into(),
        before: None,
        after: Some(invitation.email.clone()),
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
    Planned {
        row: Some(number),
        kind: ChangeKind::Invite,
        member_id: None,
        member_version: None,
        login: None,
        email: Some(invitation.email.clone()),
        changes,
        payload: Payload::Invite(invitation),
    }
}
