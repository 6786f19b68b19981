//! Locale tags as tenant files and members carry them: a language, then optional subtags.

/// `^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`: `fr`, `en`, `nl-BE`, `zh-Hant`.
pub fn is_valid(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or_default();
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_tags() {
        for good in ["fr", "en", "nl-BE", "zh-Hant", "gsw", "es-419"] {
            assert!(is_valid(good), "{good}");
        }
        for bad in ["", "f", "FR", "fr_BE", "fr-", "fr-B", "english", "nl-BE-x"] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
