//! Time zones as configuration files write them: IANA names ("Europe/Paris", "UTC"),
//! read into chrono-tz's [`Tz`], which carries the zone's daylight-saving rules.

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};

/// Parses an IANA time zone name; a name that only differs in case gets a suggestion.
pub fn parse_time_zone(text: &str) -> Result<Tz, String> {
    let text = text.trim();
    if let Ok(zone) = text.parse::<Tz>() {
        return Ok(zone);
    }
    let suggestion = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(text))
        .map(|zone| format!(" (did you mean \"{}\"?)", zone.name()))
        .unwrap_or_default();
    Err(format!(
        "unknown time zone \"{text}\"{suggestion}: expected an IANA name such as \"Europe/Paris\" or \"UTC\""
    ))
}

/// serde `deserialize_with`: a time zone written as its IANA name.
pub fn de_time_zone<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    let text = String::deserialize(d)?;
    parse_time_zone(&text).map_err(serde::de::Error::custom)
}

/// serde `deserialize_with`: an optional time zone (pair it with `#[serde(default)]`).
pub fn de_opt_time_zone<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Tz>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    text.map(|t| parse_time_zone(&t).map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_are_read_and_typos_explained() {
        assert_eq!(parse_time_zone("Europe/Paris"), Ok(Tz::Europe__Paris));
        assert_eq!(parse_time_zone(" UTC "), Ok(Tz::UTC));
        let wrong_case = parse_time_zone("europe/paris").unwrap_err();
        assert!(wrong_case.contains("did you mean \"Europe/Paris\""), "{wrong_case}");
        let unknown = parse_time_zone("Europe/Pariss").unwrap_err();
        assert!(
            unknown.starts_with("unknown time zone \"Europe/Pariss\": expected an IANA name"),
            "{unknown}"
        );
        assert!(parse_time_zone("CET+1").is_err());
    }
}
