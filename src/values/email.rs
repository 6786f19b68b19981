//! Email address syntax: stored as typed (trimmed), compared lower-cased.

use std::str::FromStr;

/// Longest address accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Trims and checks an address; the message speaks to a person.
/// Refuses spaces, `mailto:`, display names and markup, which spreadsheets are full of.
pub fn normalize(input: &str) -> Result<String, &'static str> {
    let email = input.trim();
    if email.is_empty() {
        return Err("the address is empty");
    }
    if email.len() > MAX_EMAIL_LEN {
        return Err("the address is too long");
    }
    if email.to_ascii_lowercase().starts_with("mailto:") {
        return Err("remove the \"mailto:\" in front of the address");
    }
    if email
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ',' | ';' | '(' | ')'))
    {
        return Err("an address holds no spaces, names or punctuation around it");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err("an address needs an @");
    };
    if local.is_empty() || !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return Err("this is not a valid address");
    }
    email_address::EmailAddress::from_str(email).map_err(|_| "this is not a valid address")?;
    Ok(email.to_owned())
}

/// The form addresses are compared and indexed in.
pub fn key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_addresses_as_typed() {
        assert_eq!(
            normalize("  Marie.Dupont@Example.org ").unwrap(),
            "Marie.Dupont@Example.org"
        );
        assert_eq!(key("Marie.Dupont@Example.org"), "marie.dupont@example.org");
        assert!(normalize("a+tag@sub.example.co.uk").is_ok());
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
            assert!(normalize(bad).is_err(), "{bad} should be refused");
        }
    }
}
