//! Tenant slugs: the name of a tenant's file, and the key every row of its data carries.

/// `^[a-z0-9][a-z0-9-]{0,62}$`
pub fn is_valid(slug: &str) -> bool {
    (1..=63).contains(&slug.len())
        && !slug.starts_with('-')
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
