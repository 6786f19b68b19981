//! One row of a file, read into typed values: each cell checked on its own (syntax,
//! lengths, the tenant's languages and roles), problems collected per cell. What needs
//! the member list (matching, duplicates, uniqueness) is `plan`'s job.

use super::columns::{parse_bool, parse_status, split_list, Field};
use super::messages::{Problem, RowError};
use super::text_file::Row;
use crate::config::Tenant;
use crate::exports::write::unneutralise;
use crate::members::fields::{MAX_NAME, MAX_PHONE};
use crate::members::write::{Profile, ProfileField};
use crate::values::comparable;
use crate::values::email::Email;
use crate::values::login;
use crate::values::password::{self, Weakness};

/// What export writes in the password column; read back as "unchanged".
pub const PASSWORD_PLACEHOLDERS: [&str; 2] = ["Mot de passe crypté", "encrypted password"];
/// Longest group name.
pub const MAX_GROUP_NAME: usize = 100;

/// The file's headers and the field each was read as.
#[derive(Debug, Clone)]
pub struct Layout {
    pub headers: Vec<String>,
    pub fields: Vec<Option<Field>>,
}

impl Layout {
    /// The column of a field, if the file has one.
    pub fn index(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    pub fn has(&self, field: Field) -> bool {
        self.index(field).is_some()
    }

    /// The header of a field's column as written in the file.
    pub fn header(&self, field: Field) -> Option<String> {
        self.index(field).map(|i| self.headers[i].clone())
    }
}

/// A row's values; None is an empty cell (or no such column).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowInput {
    pub number: usize,
    /// Lower case.
    pub login: Option<String>,
    pub email: Option<String>,
    pub secondary_email: Option<String>,
    pub phone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// One of the tenant's locales.
    pub locale: Option<String>,
    pub groups: Option<Vec<String>>,
    /// Role keys.
    pub roles: Option<Vec<String>>,
    pub admin: Option<bool>,
    /// A password to set (not the export placeholder).
    pub password: Option<String>,
    /// The state column: Some(true) active.
    pub active: Option<bool>,
}

impl Profile for RowInput {
    fn profile_value(&self, field: ProfileField) -> Option<&str> {
        match field {
            ProfileField::Login => self.login.as_deref(),
            ProfileField::Email => self.email.as_deref(),
            ProfileField::SecondaryEmail => self.secondary_email.as_deref(),
            ProfileField::Phone => self.phone.as_deref(),
            ProfileField::FirstName => self.first_name.as_deref(),
            ProfileField::LastName => self.last_name.as_deref(),
            ProfileField::Locale => self.locale.as_deref(),
        }
    }
}

/// Reads one row; problems name the cell they come from.
pub fn read_row(layout: &Layout, row: &Row, tenant: &Tenant) -> (RowInput, Vec<RowError>) {
    let mut reader = CellReader {
        layout,
        row,
        problems: Vec::new(),
    };
    let input = RowInput {
        number: row.number,
        login: reader.login(),
        email: reader.email(Field::Email),
        secondary_email: reader.email(Field::SecondaryEmail),
        phone: reader.phone(tenant),
        first_name: reader.name(Field::FirstName),
        last_name: reader.name(Field::LastName),
        locale: reader.locale(tenant),
        groups: reader.groups(),
        roles: reader.roles(tenant),
        admin: reader.parsed(Field::Admin, parse_bool, Problem::InvalidBoolean),
        password: reader.password(tenant),
        active: reader.parsed(Field::Status, parse_status, Problem::InvalidStatus),
    };
    (input, reader.problems)
}

/// The phone with its leading 0 back when it looks like a spreadsheet dropped it: all
/// digits, not starting with 0, one short of the national numbers of a French-speaking
/// tenant (France, Switzerland: 10 digits with the 0). Numbers with a country code
/// (`+33…`, `0033…`, `33612345678`) are longer and left alone.
fn lost_leading_zero(phone: &str, tenant: &Tenant) -> Option<String> {
    const NATIONAL_DIGITS: [(&str, usize); 1] = [("fr", 10)];
    let language = tenant.default_locale.split(['-', '_']).next().unwrap_or_default();
    let (_, digits) = NATIONAL_DIGITS.iter().find(|(l, _)| l.eq_ignore_ascii_case(language))?;
    let typed: String = phone.chars().filter(|c| !" .-/".contains(*c)).collect();
    let looks_cut = typed.len() == digits - 1 && typed.bytes().all(|b| b.is_ascii_digit()) && !typed.starts_with('0');
    looks_cut.then(|| format!("0{typed}"))
}

struct CellReader<'a> {
    layout: &'a Layout,
    row: &'a Row,
    problems: Vec<RowError>,
}

impl CellReader<'_> {
    /// The trimmed cell of a field, None when empty or absent.
    fn cell(&self, field: Field) -> Option<&str> {
        let index = self.layout.index(field)?;
        let cell = unneutralise(self.row.cells.get(index)?.trim());
        (!cell.is_empty()).then_some(cell)
    }

    fn fail(&mut self, field: Field, value: &str, problem: Problem) {
        self.problems.push(RowError {
            row: self.row.number,
            column: self.layout.header(field),
            value: Some(value.to_owned()),
            problem,
        });
    }

    fn login(&mut self) -> Option<String> {
        let value = self.cell(Field::Login)?.to_owned();
        let lowered = value.to_lowercase();
        if login::is_valid(&lowered) {
            Some(lowered)
        } else {
            self.fail(Field::Login, &value, Problem::InvalidLogin);
            None
        }
    }

    fn email(&mut self, field: Field) -> Option<String> {
        let value = self.cell(field)?.to_owned();
        match Email::parse(&value) {
            Ok(address) => Some(address.into()),
            Err(_) => {
                self.fail(field, &value, Problem::InvalidEmail);
                None
            }
        }
    }

    fn name(&mut self, field: Field) -> Option<String> {
        let value = self.cell(field)?.to_owned();
        if value.chars().count() > MAX_NAME {
            self.fail(field, &value, Problem::TooLong(MAX_NAME));
            None
        } else if value.chars().any(|c| c.is_control() || c == '<' || c == '>') {
            self.fail(field, &value, Problem::InvalidName);
            None
        } else {
            Some(value)
        }
    }

    fn phone(&mut self, tenant: &Tenant) -> Option<String> {
        let value = self.cell(Field::Phone)?.to_owned();
        let allowed = |c: char| c.is_ascii_digit() || " +.-()/".contains(c);
        if value.chars().count() > MAX_PHONE {
            self.fail(Field::Phone, &value, Problem::TooLong(MAX_PHONE));
            None
        } else if !value.chars().all(allowed) || !value.chars().any(|c| c.is_ascii_digit()) {
            self.fail(Field::Phone, &value, Problem::InvalidPhone);
            None
        } else {
            if let Some(fixed) = lost_leading_zero(&value, tenant) {
                // Kept as written: the admin decides, the preview tells.
                self.fail(Field::Phone, &value, Problem::PhoneMissingZero(fixed));
            }
            Some(value)
        }
    }

    /// One of the tenant's locales, matched exactly or by language (`fr-FR` → `fr`).
    fn locale(&mut self, tenant: &Tenant) -> Option<String> {
        let value = self.cell(Field::Locale)?.to_owned();
        let language = |l: &str| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase();
        let found = tenant
            .locales
            .iter()
            .find(|l| l.eq_ignore_ascii_case(&value.replace('_', "-")))
            .or_else(|| tenant.locales.iter().find(|l| language(l) == language(&value)));
        match found {
            Some(locale) => Some(locale.clone()),
            None => {
                self.fail(Field::Locale, &value, Problem::InvalidLocale(tenant.locales.join(", ")));
                None
            }
        }
    }

    fn groups(&mut self) -> Option<Vec<String>> {
        let value = self.cell(Field::Groups)?.to_owned();
        let names = split_list(&value);
        if let Some(long) = names.iter().find(|n| n.chars().count() > MAX_GROUP_NAME) {
            let long = long.clone();
            self.fail(Field::Groups, &long, Problem::TooLong(MAX_GROUP_NAME));
            return None;
        }
        Some(names)
    }

    /// Role keys, from keys or labels in any of the tenant's locales.
    fn roles(&mut self, tenant: &Tenant) -> Option<Vec<String>> {
        let value = self.cell(Field::Roles)?.to_owned();
        let mut keys = Vec::new();
        for item in split_list(&value) {
            match tenant.role_written(&item).map(|r| r.key.clone()) {
                Some(key) if !keys.contains(&key) => keys.push(key),
                Some(_) => {}
                None => self.fail(Field::Roles, &item, Problem::UnknownRole),
            }
        }
        Some(keys)
    }

    fn parsed(&mut self, field: Field, parse: fn(&str) -> Option<bool>, problem: Problem) -> Option<bool> {
        let value = self.cell(field)?.to_owned();
        let parsed = parse(&value);
        if parsed.is_none() {
            self.fail(field, &value, problem);
        }
        parsed
    }

    fn password(&mut self, tenant: &Tenant) -> Option<String> {
        let value = self.cell(Field::Password)?.to_owned();
        if PASSWORD_PLACEHOLDERS
            .iter()
            .any(|p| comparable(p) == comparable(&value))
        {
            return None;
        }
        let problem = match password::check_policy(&value, tenant.accounts.password_min_length as usize) {
            Ok(()) => return Some(value),
            Err(Weakness::TooShort(min)) => Problem::WeakPassword(min),
            Err(Weakness::Blank) => Problem::WeakPassword(tenant.accounts.password_min_length as usize),
            Err(Weakness::TooLong) => Problem::TooLong(password::MAX_LENGTH),
        };
        // The value itself is a secret: never echoed back.
        self.problems.push(RowError {
            row: self.row.number,
            column: self.layout.header(Field::Password),
            value: None,
            problem,
        });
        None
    }
}
