//! Planning a row that matches no member: a new member, its login chosen free across
//! the list and the file.

use uuid::Uuid;

use super::{free_login, status_word, FieldChange, NewRow, PasswordPlan, Payload, Planned, Planner, HIDDEN};
use crate::imports::columns::Field;
use crate::imports::messages::RowError;
use crate::imports::row::RowInput;
use crate::imports::ChangeKind;
use crate::members::write::ProfileField;
use crate::values::login;

impl Planner<'_> {
    pub(super) fn create(
        &mut self,
        input: &RowInput,
        problems: &mut Vec<RowError>,
    ) -> Option<(Planned, Option<String>)> {
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
        for field in ProfileField::ALL {
            show(field.api_name(), field.get(&new).map(str::to_owned));
        }
        show("password", input.password.as_ref().map(|_| HIDDEN.to_owned()));
        show("roles", Some(roles.join(", ")).filter(|r| !r.is_empty()));
        show("groups", Some(new.groups.join(", ")).filter(|g| !g.is_empty()));
        show("status", (!new.active).then(|| status_word(false)));
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
}
