//! Durations ("8s", "15min", "12h", "30d") and rate limits ("10/15min", "3/h") as
//! they are written in configuration files, with serde helpers that turn a bad
//! value into an error at the right key.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserialize, Deserializer, Visitor};

const EXPECTED_DURATION: &str = "a duration such as \"30s\", \"15min\", \"12h\" or \"7d\"";
const EXPECTED_RATE_LIMIT: &str = "a rate limit such as \"10/15min\" or \"3/h\"";

/// Parses a positive duration such as `30s`, `15min`, `12h` or `7d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let parsed = humantime::parse_duration(text).map_err(|_| format!("\"{text}\": expected {EXPECTED_DURATION}"))?;
    if parsed.is_zero() {
        return Err(format!("\"{text}\": a duration must be longer than zero"));
    }
    Ok(parsed)
}

/// Writes a duration in the largest unit that divides it (`7d`, `15min`, `8s`), as files do.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if duration.subsec_nanos() != 0 || secs == 0 {
        return format!("{}ms", duration.as_millis());
    }
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 => format!("{}min", s / 60),
        s => format!("{s}s"),
    }
}

/// At most `count` events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Events allowed in one window (at least 1).
    pub count: u32,
    /// Length of the window.
    pub window: Duration,
}

impl RateLimit {
    /// Parses `10/15min`, or `3/h` (a unit alone means one of it).
    pub fn parse(text: &str) -> Result<RateLimit, String> {
        let trimmed = text.trim();
        let bad = || format!("\"{trimmed}\": expected {EXPECTED_RATE_LIMIT}");
        let (count, window) = trimmed.split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(format!("\"{trimmed}\": the count must be at least 1"));
        }
        let window = window.trim();
        let window = if window.starts_with(|c: char| c.is_ascii_digit()) {
            parse_duration(window)
        } else {
            parse_duration(&format!("1{window}"))
        };
        Ok(RateLimit {
            count,
            window: window.map_err(|_| bad())?,
        })
    }
}

impl FromStr for RateLimit {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        RateLimit::parse(text)
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, format_duration(self.window))
    }
}

/// A visitor for values written as text and parsed by `parse`.
struct TextVisitor<T> {
    parse: fn(&str) -> Result<T, String>,
    expecting: &'static str,
}

impl<T> Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }
}

/// One duration of a list; its own type so that an error names the item's index.
struct DurationItem(Duration);

impl<'de> Deserialize<'de> for DurationItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de_duration(d).map(DurationItem)
    }
}

/// serde `deserialize_with`: a duration written as text.
pub fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    d.deserialize_str(TextVisitor {
        parse: parse_duration,
        expecting: EXPECTED_DURATION,
    })
}

/// serde `deserialize_with`: an optional duration (pair it with `#[serde(default)]`).
pub fn de_opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    Option::<DurationItem>::deserialize(d).map(|o| o.map(|item| item.0))
}

/// serde `deserialize_with`: a list of durations; a bad one is named by its index.
pub fn de_durations<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
    Vec::<DurationItem>::deserialize(d).map(|items| items.into_iter().map(|item| item.0).collect())
}

/// serde `deserialize_with`: a rate limit written as text.
pub fn de_rate_limit<'de, D: Deserializer<'de>>(d: D) -> Result<RateLimit, D::Error> {
    d.deserialize_str(TextVisitor {
        parse: RateLimit::parse,
        expecting: EXPECTED_RATE_LIMIT,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::{Format, Toml};
    use figment::Figment;

    const DAY: u64 = 86_400;

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(parse_duration("8s").unwrap(), Duration::from_secs(8));
        assert_eq!(parse_duration("15min").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration(" 12h ").unwrap(), Duration::from_secs(43_200));
        assert_eq!(parse_duration("30d").unwrap(), Duration::from_secs(30 * DAY));
        for bad in ["", "soon", "12", "0s", "-3d", "3 days later"] {
            let message = parse_duration(bad).unwrap_err();
            assert!(message.contains(&format!("\"{}\"", bad.trim())), "{message}");
        }
        assert!(parse_duration("soon").unwrap_err().ends_with(EXPECTED_DURATION));
    }

    #[test]
    fn durations_print_in_their_largest_unit() {
        for text in ["8s", "15min", "12h", "7d", "90s", "500ms"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
    }

    #[test]
    fn rate_limits() {
        let limit = |count, secs| RateLimit {
            count,
            window: Duration::from_secs(secs),
        };
        assert_eq!(RateLimit::parse("10/15min").unwrap(), limit(10, 900));
        assert_eq!(RateLimit::parse("3/h").unwrap(), limit(3, 3_600));
        assert_eq!("50 / 1d".parse::<RateLimit>().unwrap(), limit(50, DAY));
        assert_eq!(limit(10, 900).to_string(), "10/15min");
        for bad in ["10", "0/h", "x/h", "10/", "10/forever", "-1/h", "10/0s"] {
            let message = RateLimit::parse(bad).unwrap_err();
            assert!(message.starts_with(&format!("\"{bad}\"")), "{message}");
        }
    }

    #[derive(Debug, serde::Deserialize)]
    struct Sample {
        #[serde(deserialize_with = "de_duration")]
        one: Duration,
        #[serde(default, deserialize_with = "de_opt_duration")]
        maybe: Option<Duration>,
        #[serde(default, deserialize_with = "de_durations")]
        many: Vec<Duration>,
        #[serde(deserialize_with = "de_rate_limit")]
        limit: RateLimit,
    }

    fn extract(toml: &str) -> Result<Sample, (String, String)> {
        Figment::from(Toml::string(toml))
            .extract::<Sample>()
            .map_err(|e| (e.path.join("."), e.kind.to_string()))
    }

    #[test]
    fn serde_helpers_read_text_and_point_at_the_bad_key() {
        let ok = extract("one = \"8s\"\nmaybe = \"1h\"\nmany = [\"1d\", \"2d\"]\nlimit = \"3/h\"\n").unwrap();
        assert_eq!(ok.one, Duration::from_secs(8));
        assert_eq!(ok.maybe, Some(Duration::from_secs(3_600)));
        assert_eq!(ok.many, [Duration::from_secs(DAY), Duration::from_secs(2 * DAY)]);
        assert_eq!(ok.limit.count, 3);
        assert_eq!(extract("one = \"8s\"\nlimit = \"3/h\"\n").unwrap().maybe, None);

        let (key, message) = extract("one = 8\nlimit = \"3/h\"\n").unwrap_err();
        assert_eq!(key, "one");
        assert!(message.contains(EXPECTED_DURATION), "{message}");
        let (key, _) = extract("one = \"8s\"\nmaybe = \"later\"\nlimit = \"3/h\"\n").unwrap_err();
        assert_eq!(key, "maybe");
        let (key, message) = extract("one = \"8s\"\nmany = [\"1d\", \"x\"]\nlimit = \"3/h\"\n").unwrap_err();
        assert_eq!(key, "many.1");
        assert!(message.contains("\"x\""), "{message}");
        let (key, _) = extract("one = \"8s\"\nlimit = \"often\"\n").unwrap_err();
        assert_eq!(key, "limit");
    }
}
