//! Value types every layer shares — email addresses, logins, locale tags, tenant slugs,
//! passwords — each with the rules that make one valid. They sit at the bottom of the
//! house: nothing here imports members, auth or config, so each of those (and the
//! validation of tenant files) can use them.

pub mod email;
pub mod locale;
pub mod login;
pub mod password;
pub mod tenant_slug;

/// Text as people mean it when they match a header or a label: accents folded, lower
/// case, letters and digits only ("Rôle(s)" and "role s" are both "roles").
pub fn comparable(text: &str) -> String {
    deunicode::deunicode(text)
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}
