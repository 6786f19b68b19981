//! The console's sentences: one Fluent catalog per language (`i18n/<lang>.ftl`), read
//! once. A page asks for a key in the reader's language; English fills any gap.

use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// The languages the console speaks, with their catalogs.
const CATALOGS: [(&str, &str); 2] = [("en", include_str!("i18n/en.ftl")), ("fr", include_str!("i18n/fr.ftl"))];

/// The language used when the reader's has no catalog.
pub const FALLBACK: &str = "en";

fn bundles() -> &'static HashMap<&'static str, FluentBundle<FluentResource>> {
    static BUNDLES: OnceLock<HashMap<&'static str, FluentBundle<FluentResource>>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        CATALOGS
            .iter()
            .map(|(lang, source)| {
                let id: LanguageIdentifier = lang.parse().expect("static language tag");
                let resource = FluentResource::try_new((*source).to_owned()).expect("catalogs parse (tested)");
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // Isolation marks around arguments would end up inside HTML attributes.
                bundle.set_use_isolating(false);
                // Counts shown in a sentence are grouped as in the rest of the page
                // ("Line by line (20,748)"); plural forms still choose on the number.
                bundle.set_formatter(Some(if *lang == "fr" {
                    grouped::<true, _>
                } else {
                    grouped::<false, _>
                }));
                bundle
                    .add_resource(resource)
                    .expect("no key twice in a catalog (tested)");
                (*lang, bundle)
            })
            .collect()
    })
}

/// A whole number of a sentence with its thousands grouped (French when `FRENCH`, else
/// English); None leaves any other value to Fluent.
fn grouped<const FRENCH: bool, M>(value: &FluentValue<'_>, _: &M) -> Option<String> {
    match value {
        FluentValue::Number(n) if n.value.fract() == 0.0 && n.value.abs() < 1e15 => {
            Some(group_digits(n.value as i64, if FRENCH { "fr" } else { "en" }))
        }
        _ => None,
    }
}

/// `n` with its thousands grouped as `lang` writes them: "100,000" in English,
/// "100 000" (narrow no-break spaces) in French.
pub fn group_digits(n: i64, lang: &str) -> String {
    let separator = if lang == "fr" { '\u{202f}' } else { ',' };
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    if n < 0 {
        grouped.insert(0, '-');
    }
    grouped
}

/// The catalog language for a reader of `locale` (`fr-BE` reads `fr`), if there is one.
pub fn language_for(locale: &str) -> Option<&'static str> {
    let language = locale.split(['-', '_']).next().unwrap_or(locale).to_ascii_lowercase();
    CATALOGS.iter().map(|(lang, _)| *lang).find(|lang| *lang == language)
}

/// The sentence `key` in `lang` with `args` (name, value), falling back to English,
/// then to the key itself (never expected: the catalogs are tested to be complete).
pub fn text(lang: &str, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    optional(lang, key, args).unwrap_or_else(|| key.to_owned())
}

/// The sentence `key` in `lang` (or English) with `args`; None when the catalogs hold
/// none, for keys made from open sets (an audit action, a language, a detail's name)
/// where the caller shows the raw value instead.
pub fn optional(lang: &str, key: &str, args: &[(&str, FluentValue<'_>)]) -> Option<String> {
    let bundles = bundles();
    let (bundle, pattern) = [lang, FALLBACK]
        .iter()
        .filter_map(|l| bundles.get(l))
        .find_map(|bundle| bundle.get_message(key).and_then(|m| m.value()).map(|p| (bundle, p)))?;
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned(),
    )
}

/// Whether the catalog of `lang` holds `key` (no fallback).
#[cfg(test)]
pub fn has(lang: &str, key: &str) -> bool {
    bundles().get(lang).is_some_and(|bundle| bundle.has_message(key))
}

/// Every key of a catalog's source, in order.
fn keys(source: &str) -> Vec<String> {
    let resource = FluentResource::try_new(source.to_owned()).expect("catalogs parse");
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

/// Keys one catalog has and another lacks, as `lang: key` lines.
pub fn gaps() -> Vec<String> {
    let all: Vec<(&str, Vec<String>)> = CATALOGS.iter().map(|(lang, source)| (*lang, keys(source))).collect();
    let mut gaps = Vec::new();
    for (lang, own) in &all {
        for (other, theirs) in &all {
            for key in theirs.iter().filter(|k| !own.contains(k)) {
                gaps.push(format!("{lang}: {key} (in {other})"));
            }
        }
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_as_each_language_writes_them() {
        assert_eq!(group_digits(100_000, "en"), "100,000");
        assert_eq!(group_digits(1_234_567, "fr"), "1\u{202f}234\u{202f}567");
        assert_eq!(group_digits(999, "en"), "999");
        assert_eq!(group_digits(-4_500, "en"), "-4,500");
        assert_eq!(group_digits(0, "fr"), "0");
    }

    #[test]
    fn counts_in_sentences_are_grouped_and_still_choose_the_plural() {
        let count = |n: i64| [("count", FluentValue::from(n))];
        assert_eq!(text("en", "import-changes", &count(20_748)), "Line by line (20,748)");
        assert_eq!(text("en", "import-changes", &count(0)), "Nothing to show line by line");
        assert_eq!(
            text("fr", "members-count", &count(1_500)),
            "1\u{202f}500 membres",
            "French groups with narrow no-break spaces"
        );
        assert_eq!(text("fr", "members-count", &count(1)), "Un membre");
    }

    #[test]
    fn every_key_is_in_every_language_and_every_catalog_parses() {
        assert_eq!(gaps(), Vec::<String>::new());
        for (lang, source) in CATALOGS {
            assert!(FluentResource::try_new(source.to_owned()).is_ok(), "{lang} parses");
            assert!(keys(source).len() > 20, "{lang}");
        }
    }

    #[test]
    fn sentences_take_their_arguments_and_plurals() {
        assert_eq!(text("fr", "home-welcome", &[("name", "Léa".into())]), "Bienvenue, Léa.");
        assert_eq!(text("en", "members-count", &[("count", 1.into())]), "One member");
        assert_eq!(text("en", "members-count", &[("count", 12.into())]), "12 members");
        assert_eq!(text("fr", "members-count", &[("count", 12.into())]), "12 membres");
        // French counts 0 as singular: "Un membre" must not say none.
        assert_eq!(text("fr", "members-count", &[("count", 0.into())]), "Aucun membre");
        assert_eq!(text("fr", "members-count", &[("count", 1.into())]), "Un membre");
        assert_eq!(language_for("fr-BE"), Some("fr"));
        assert_eq!(language_for("nl-BE"), None);
        assert_eq!(text("nl", "nav-home", &[]), "Home", "English fills the gap");
    }
}
