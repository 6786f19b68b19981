//! Durations ("8s", "15min", "12h", "30d") and rate limits ("10/15min", "3/h") as
//! they are written in configuration files.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};

/// Parses a duration such as `30s`, `15min`, `12h` or `7d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let parsed = humantime::parse_duration(text).map_err(|_| {
        format!("\"{text}\" is not a duration: expected a duration such as \"30s\", \"15min\", \"12h\" or \"7d\"")
    })?;
    if parsed.is_zero() {
        return Err(format!("\"{text}\": a duration must be longer than zero"));
    }
    Ok(parsed)
}

/// At most `count` events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub window: Duration,
}

impl RateLimit {
    /// Parses `10/15min`, or `3/h` (a unit alone means one of it).
    pub fn parse(text: &str) -> Result<RateLimit, String> {
        let bad =
            || format!("\"{text}\" is not a rate limit: expected a count per duration such as \"10/15min\" or \"3/h\"");
        let (count, window) = text.trim().split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(format!("\"{text}\": the count must be at least 1"));
        }
        let window = window.trim();
        let window = if window.starts_with(|c: char| c.is_ascii_digit()) {
            parse_duration(window)?
        } else {
            parse_duration(&format!("1{window}"))?
        };
        Ok(RateLimit { count, window })
    }
}

struct StringVisitor<T>(fn(&str) -> Result<T, String>, &'static str);

impl<T> Visitor<'_> for StringVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.0)(v).map_err(E::custom)
    }
}

/// serde: a duration written as text.
pub fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    d.deserialize_str(StringVisitor(
        parse_duration,
        "a duration such as \"30s\", \"15min\", \"12h\" or \"7d\"",
    ))
}

/// serde: a list of durations.
pub fn de_durations<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
    let texts: Vec<String> = serde::Deserialize::deserialize(d)?;
    texts
        .iter()
        .map(|t| parse_duration(t).map_err(de::Error::custom))
        .collect()
}

/// serde: a rate limit written as text.
pub fn de_rate_limit<'de, D: Deserializer<'de>>(d: D) -> Result<RateLimit, D::Error> {
    d.deserialize_str(StringVisitor(RateLimit::parse, "a rate limit such as \"10/15min\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("8s").unwrap(), Duration::from_secs(8));
        assert_eq!(parse_duration("15min").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("12h").unwrap(), Duration::from_secs(43_200));
        assert_eq!(parse_duration("30d").unwrap(), Duration::from_secs(30 * 86_400));
        for bad in ["", "soon", "12", "0s", "-3d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rate_limits() {
        assert_eq!(
            RateLimit::parse("10/15min").unwrap(),
            RateLimit {
                count: 10,
                window: Duration::from_secs(900)
            }
        );
        assert_eq!(
            RateLimit::parse("3/h").unwrap(),
            RateLimit {
                count: 3,
                window: Duration::from_secs(3600)
            }
        );
        for bad in ["10", "0/h", "x/h", "10/", "10/forever"] {
            assert!(RateLimit::parse(bad).is_err(), "{bad}");
        }
    }
}
