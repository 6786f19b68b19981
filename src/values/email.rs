//! Email address syntax: stored as typed (trimmed), compared lower-cased.

use std::str::FromStr;

/// Longest address accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// An email address as the person typed it, trimmed and checked: made only by
/// [`Email::parse`], so holding one means holding a valid address. Compared and indexed
/// by its [`Email::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trims and checks an address. Refuses spaces, `mailto:`, display names and markup,
    /// which spreadsheets are full of.
    pub fn parse(input: &str) -> Result<Email, AddressProblem> {
        let email = input.trim();
        if email.is_empty() {
            return Err(AddressProblem::Empty);
        }
        if email.len() > MAX_EMAIL_LEN {
            return Err(AddressProblem::TooLong);
        }
        if email.to_ascii_lowercase().starts_with("mailto:") {
            return Err(AddressProblem::Mailto);
        }
        if email
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ',' | ';' | '(' | ')'))
        {
            return Err(AddressProblem::Surrounded);
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(AddressProblem::NoAt);
        };
        if local.is_empty() || !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(AddressProblem::Invalid);
        }
        email_address::EmailAddress::from_str(email).map_err(|_| AddressProblem::Invalid)?;
        Ok(Email(email.to_owned()))
    }

    /// The address as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form it is compared and indexed in: see [`key`].
    pub fn key(&self) -> String {
        key(&self.0)
    }
}

/// Why a text is not an address, in the words people read (English here; the console's
/// catalogs word each as `problem-{key}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressProblem {
    Empty,
    TooLong,
    /// Starts with `mailto:`, as copied from a link.
    Mailto,
    /// Holds spaces, a display name or punctuation around the address.
    Surrounded,
    NoAt,
    Invalid,
}

impl AddressProblem {
    /// The sentence, in English.
    pub fn message(self) -> &'static str {
        match self {
            AddressProblem::Empty => "the address is empty",
            AddressProblem::TooLong => "the address is too long",
            AddressProblem::Mailto => "remove the \"mailto:\" in front of the address",
            AddressProblem::Surrounded => "an address holds no spaces, names or punctuation around it",
            AddressProblem::NoAt => "an address needs an @",
            AddressProblem::Invalid => "this is not a valid address",
        }
    }

    /// The sentence's key in the catalogs (`problem-{key}`).
    pub fn key(self) -> &'static str {
        match self {
            AddressProblem::Empty => "address-empty",
            AddressProblem::TooLong => "address-too-long",
            AddressProblem::Mailto => "address-mailto",
            AddressProblem::Surrounded => "address-surrounded",
            AddressProblem::NoAt => "address-no-at",
            AddressProblem::Invalid => "address-invalid",
        }
    }
}

impl std::fmt::Display for AddressProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The form addresses are compared and indexed in (also of stored addresses, which
/// were an [`Email`] when written).
pub fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_addresses_as_typed() {
        let parsed = Email::parse("  Marie.Dupont@Example.org ").unwrap();
        assert_eq!(parsed.as_str(), "Marie.Dupont@Example.org");
        assert_eq!(parsed.key(), "marie.dupont@example.org");
        assert_eq!(key("Marie.Dupont@Example.org"), "marie.dupont@example.org");
        assert!(Email::parse("a+tag@sub.example.co.uk").is_ok());
    }

    #[test]
    fn refuses_what_spreadsheets_contain() {
        for bad in [
            "",
            "marie dupont@example.org",
            "mailto:marie@example.org",
            "Marie <marie@example.org>",
            "marie@example",
            "marie.example.org",
            "@example.org",
            "<b>marie@example.org</b>",
            "marie@example.org;paul@example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
