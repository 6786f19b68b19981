//! Planning a row that matches no member: a new member, its login chosen free across
//! the list and the file.

use uuid::Uuid;

use super::{
    free_login, status_word, DefaultRoles, FieldChange, NewRow, PasswordPlan, Payload, Planned, Planner, HIDDEN,
};
use crate::imports::columns::Field;
use crate::imports::messages::RowError;
use crate::imports::row::RowInput;
use crate::imports::ChangeKind;
use crate::members::write::ProfileField;
use crate::values::login;

impl Planner<'_> {
    /// A row for a new member: the names (and the address when needed) required, the
    /// roles beyond the tenant's defaults and the groups checked.
    pub(super) fn create(
        &mut self,
        input: &RowInput,
        problems: &mut Vec<RowError>,
    ) -> Option<(Planned, Option<String>)> {
        let number = input.number;
        let tenant = self.ctx.tenant;
        let email_needed = tenant.accounts.require_email || self.ctx.options.defaults.send_invitations;
        for (field, missing) in [
            (Field::FirstName, input.first_name.is_none()),
            (Field::LastName, input.last_name.is_none()),
            (Field::Email, input.email.is_none() && email_needed),
        ] {
            self.require(problems, number, field, missing);
        }
        let roles = self.wanted_roles(input, &self.ctx.options.defaults.roles, DefaultRoles::Every);
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
        let new = self.new_row(input, extra, groups)?;
        let planned = Planned {
            row: Some(number),
            kind: ChangeKind::Create,
            // Chosen now so that the plan, its undo and the preview name the same member.
            member_id: Some(Uuid::now_v7()),
            member_version: None,
            login: Some(new.login.clone()),
            email: new.email.clone(),
            changes: shown_new_member(&new, input.password.is_some(), &roles),
            payload: Payload::Create(new),
        };
        Some((planned, input.password.clone()))
    }

    /// The member to create from a checked row with its `roles` (beyond the defaults) and
    /// `groups`; None without both names.
    fn new_row(&mut self, input: &RowInput, roles: Vec<String>, groups: Vec<String>) -> Option<NewRow> {
        let accounts = &self.ctx.tenant.accounts;
        let invite = self.ctx.options.defaults.send_invitations;
        let (first, last) = (input.first_name.clone()?, input.last_name.clone()?);
        let login = self.new_login(input, &first, &last);
        let password = match (&input.password, &accounts.default_password) {
            (Some(_), _) => PasswordPlan::Hash(String::new()),
            (None, Some(_)) => PasswordPlan::TenantDefault,
            (None, None) => PasswordPlan::None,
        };
        Some(NewRow {
            login,
            email: input.email.clone(),
            secondary_email: input.secondary_email.clone(),
            phone: input.phone.clone(),
            first_name: first,
            last_name: last,
            locale: self.chosen_locale_of(input).unwrap_or_default(),
            password,
            roles,
            groups,
            active: input.active.unwrap_or(true),
            invite: invite && input.active != Some(false),
        })
    }

    /// The row's login, else one made from the tenant's pattern (else the address, else
    /// "member") and numbered until free; taken from then on.
    fn new_login(&mut self, input: &RowInput, first: &str, last: &str) -> String {
        let login = match &input.login {
            Some(given) => given.clone(),
            None => {
                let pattern = &self.ctx.tenant.accounts.login_pattern;
                let base = login::base_for(pattern, first, last, input.email.as_deref());
                free_login(|l| self.login_taken(l), &base)
            }
        };
        self.logins.insert(login.clone());
        login
    }
}

/// What the preview shows of a new member: the profile fields it has, then the password
/// (hidden, when the file gives one), the `roles` it will hold (the tenant's defaults
/// among them), the groups and an inactive status.
fn shown_new_member(new: &NewRow, password_given: bool, roles: &[String]) -> Vec<FieldChange> {
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
    for field in ProfileField::ALL {
        show(field.api_name(), field.get(new).map(str::to_owned));
    }
    show("password", password_given.then(|| HIDDEN.to_owned()));
    show("roles", Some(roles.join(", ")).filter(|r| !r.is_empty()));
    show("groups", Some(new.groups.join(", ")).filter(|g| !g.is_empty()));
    show("status", (!new.active).then(|| status_word(false)));
    changes
}
