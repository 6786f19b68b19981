//! Logins: folding names to the allowed characters, the tenant's pattern, and the
//! next free number on a collision (`marie.dupont2`).

/// Longest login we accept or generate.
pub const MAX_LOGIN_LEN: usize = 64;

/// Lower case, accents folded to ASCII (é→e, ç→c, œ→oe, ß→ss), apostrophes removed,
/// spaces turned to `-`, only `a-z 0-9 . - _` kept, no separator at either end.
pub fn fold(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        match c {
            'a'..='z' | '0'..='9' | '.' | '_' => out.push(c),
            '-' | ' ' | '\t' if !out.ends_with('-') => out.push('-'),
            '-' | ' ' | '\t' => {}
            _ => {} // apostrophes and everything else disappear
        }
    }
    let trimmed = out.trim_matches(|c| c == '-' || c == '.' || c == '_');
    trimmed.chars().take(MAX_LOGIN_LEN - 4).collect()
}

/// True when a given login uses only the allowed characters and fits.
pub fn is_valid(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= MAX_LOGIN_LEN
        && login
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_'))
}

/// Fills the tenant's `login_pattern` with folded names; None when nothing usable is left.
pub fn from_pattern(pattern: &str, first: &str, last: &str) -> Option<String> {
    let (first, last) = (fold(first), fold(last));
    let initial = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    let raw = pattern
        .replace("{first_initial}", &initial(&first))
        .replace("{last_initial}", &initial(&last))
        .replace("{first}", &first)
        .replace("{last}", &last);
    let login = fold(&raw);
    (!login.is_empty()).then_some(login)
}

/// The login a new member without one is given, before numbering: the tenant's
/// `login_pattern` filled with the names, else the part of the address before the `@`,
/// else "member".
pub fn base_for(pattern: &str, first: &str, last: &str, address: Option<&str>) -> String {
    from_pattern(pattern, first, last)
        .or_else(|| {
            address
                .map(|a| fold(a.split('@').next().unwrap_or_default()))
                .filter(|l| !l.is_empty())
        })
        .unwrap_or_else(|| "member".to_owned())
}

/// The first of `base`, `base2`, `base3`, … not in `taken`.
pub fn first_free(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|candidate| !taken.iter().any(|t| t == candidate))
        .expect("an unbounded range always has a free number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_names_as_design_says() {
        assert_eq!(fold("Élodie"), "elodie");
        assert_eq!(fold("François"), "francois");
        assert_eq!(fold("Œuvray"), "oeuvray");
        assert_eq!(fold("Strauß"), "strauss");
        assert_eq!(fold("D'Artagnan"), "dartagnan");
        assert_eq!(fold("Le  Goff"), "le-goff");
        assert_eq!(fold("  -Anne-Marie- "), "anne-marie");
        assert_eq!(fold("李"), "li");
        assert_eq!(fold("!!!"), "");
    }

    #[test]
    fn pattern_and_numbering() {
        assert_eq!(
            from_pattern("{first}.{last}", "Marie", "Dupont").as_deref(),
            Some("marie.dupont")
        );
        assert_eq!(
            from_pattern("{first_initial}{last}", "Jean", "Lévêque").as_deref(),
            Some("jleveque")
        );
        assert_eq!(from_pattern("{first}.{last}", "", ""), None);
        let taken = vec!["marie.dupont".to_owned(), "marie.dupont2".to_owned()];
        assert_eq!(first_free("marie.dupont", &taken), "marie.dupont3");
        assert_eq!(first_free("paul", &taken), "paul");
    }

    #[test]
    fn validity() {
        assert!(is_valid("marie.dupont2") && is_valid("a_b-c"));
        assert!(!is_valid("Marie") && !is_valid("a b") && !is_valid("") && !is_valid("é"));
        assert!(!is_valid(&"a".repeat(MAX_LOGIN_LEN + 1)));
    }
}
