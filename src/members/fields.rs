//! Checking the fields a person fills in (names, phone, locale, emails, login),
//! collecting every problem so that one answer lists them all.

use crate::config::Tenant;
use crate::error::{Error, FieldError, Result};

use crate::values::email::Email;
use crate::values::login;
use crate::values::password::{self, Weakness};

/// Longest first or last name.
pub const MAX_NAME: usize = 100;
/// Longest phone number.
pub const MAX_PHONE: usize = 40;

/// Collects field errors while reading inputs; `finish` turns them into one VALIDATION.
#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Records a problem already worded.
    pub fn add(&mut self, problem: FieldError) {
        self.0.push(problem);
    }

    /// Records a problem whose sentence the catalogs hold (see [`FieldError::worded`]).
    pub fn fail_worded(
        &mut self,
        field: &str,
        message: impl Into<String>,
        key: &'static str,
        args: &[(&'static str, String)],
    ) {
        self.0.push(FieldError::worded(field, message, key, args));
    }

    /// Records "must not be empty".
    pub fn required(&mut self, field: &str) {
        self.fail_worded(field, "must not be empty", "required", &[]);
    }

    /// Records "at most `max` characters".
    pub fn too_long(&mut self, field: &str, max: usize) {
        let message = format!("at most {max} characters");
        self.fail_worded(field, message, "too-long", &[("max", max.to_string())]);
    }

    /// A required name: trimmed, not empty, not too long, no markup.
    pub fn name(&mut self, field: &str, value: &str) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.required(field);
        } else {
            self.optional_name(field, value);
        }
        value.to_owned()
    }

    fn optional_name(&mut self, field: &str, value: &str) {
        if value.chars().count() > MAX_NAME {
            self.too_long(field, MAX_NAME);
        } else if value.chars().any(|c| c.is_control() || c == '<' || c == '>') {
            self.fail_worded(field, "must not contain control characters or < >", "markup", &[]);
        }
    }

    /// A phone number as written (digits, spaces, + . - ( ) /); empty means none.
    pub fn phone(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        let allowed = |c: char| c.is_ascii_digit() || " +.-()/".contains(c);
        if value.chars().count() > MAX_PHONE {
            self.too_long(field, MAX_PHONE);
        } else if !value.chars().all(allowed) || !value.chars().any(|c| c.is_ascii_digit()) {
            self.fail_worded(field, "digits, spaces and + . - ( ) / only", "phone", &[]);
        }
        Some(value.to_owned())
    }

    /// One of the tenant's locales; empty means none.
    pub fn locale(&mut self, field: &str, tenant: &Tenant, value: Option<&str>) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        match tenant.locales.iter().find(|l| l.eq_ignore_ascii_case(value)) {
            Some(found) => Some(found.clone()),
            None => {
                let list = tenant.locales.join(", ");
                self.fail_worded(field, format!("one of {list}"), "locale", &[("list", list)]);
                None
            }
        }
    }

    /// An email address (trimmed, as typed); empty means none.
    pub fn email(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        match Email::parse(value) {
            Ok(address) => Some(address.into()),
            Err(problem) => {
                self.fail_worded(field, problem.message(), problem.key(), &[]);
                None
            }
        }
    }

    /// A login given by hand: lower case a-z 0-9 . - _; empty means "generate one".
    pub fn login(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        let lowered = value.to_lowercase();
        if !login::is_valid(&lowered) {
            let max = login::MAX_LOGIN_LEN;
            let message = format!("lower-case letters, digits, '.', '-' and '_' only, at most {max} characters");
            self.fail_worded(field, message, "login", &[("max", max.to_string())]);
            return None;
        }
        Some(lowered)
    }

    /// A password someone chose, against the tenant's policy.
    pub fn password(&mut self, field: &str, tenant: &Tenant, value: &str) {
        let min = tenant.accounts.password_min_length as usize;
        match password::check_policy(value, min) {
            Ok(()) => {}
            Err(Weakness::TooShort(min)) => {
                let message = format!("at least {min} characters");
                self.fail_worded(field, message, "password-short", &[("min", min.to_string())]);
            }
            Err(Weakness::TooLong) => self.too_long(field, password::MAX_LENGTH),
            Err(Weakness::Blank) => self.fail_worded(field, "not only spaces", "password-blank", &[]),
        }
    }

    /// VALIDATION with every recorded problem, or Ok.
    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem() {
        let mut checks = Checks::new();
        assert_eq!(checks.name("firstName", "  "), "");
        checks.name("lastName", &"x".repeat(MAX_NAME + 1));
        assert_eq!(
            checks.phone("phone", Some(" 06 12 34 56 78 ")).as_deref(),
            Some("06 12 34 56 78")
        );
        checks.phone("phone2", Some("call me"));
        checks.email("email", Some("mailto:x@y.org"));
        checks.login("login", Some("Jean Dupont"));
        let Err(Error::Validation(fields)) = checks.finish() else {
            panic!("expected VALIDATION")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["firstName", "lastName", "phone2", "email", "login"]);
    }
}
