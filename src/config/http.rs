//! `[http]`: how long the server waits for slow or silent clients.

use std::time::Duration;

use serde::Deserialize;

use super::duration::de_duration;

/// Longest any of the `[http]` waits may be set to: beyond it a stalled client holds
/// its connection (and its buffer) long enough to defeat the point of the limit.
const LONGEST: Duration = Duration::from_secs(3_600);

/// `[http]`: read deadlines and the keep-alive limit of client connections.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    /// Time a client has to send a request's headers, counted from its first byte
    /// (from the connection's opening for the first request); then the connection closes.
    #[serde(deserialize_with = "de_duration")]
    pub header_read_timeout: Duration,
    /// Longest wait for the next byte of a request body; then the request is answered 408.
    #[serde(deserialize_with = "de_duration")]
    pub body_read_timeout: Duration,
    /// How long a keep-alive connection may wait, idle, for its next request.
    #[serde(deserialize_with = "de_duration")]
    pub keep_alive_idle: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            // Above the 60 s idle timeout of common load balancers, so that they close first.
            keep_alive_idle: Duration::from_secs(75),
        }
    }
}

impl HttpSettings {
    /// The dotted keys whose values are out of range, with what is wrong.
    pub(super) fn problems(&self) -> Vec<(&'static str, &'static str)> {
        [
            ("http.header_read_timeout", self.header_read_timeout),
            ("http.body_read_timeout", self.body_read_timeout),
            ("http.keep_alive_idle", self.keep_alive_idle),
        ]
        .into_iter()
        .filter(|(_, value)| *value > LONGEST)
        .map(|(key, _)| (key, "must be at most 1h"))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{EnvOverrides, Settings};

    fn load(toml: &str) -> Result<HttpSettings, Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("roster.toml"), toml).unwrap();
        let loaded = Settings::load(dir.path(), EnvOverrides::None);
        loaded
            .map(|settings| settings.http)
            .map_err(|errors| errors.iter().map(|e| format!("{}: {}", e.key, e.message)).collect())
    }

    #[test]
    fn waits_are_durations_up_to_an_hour() {
        let found = load("[http]\nbody_read_timeout = \"soon\"\n").unwrap_err();
        assert!(
            found[0].starts_with("http.body_read_timeout: \"soon\": expected a duration"),
            "{found:?}"
        );
        let found = load("[http]\nheader_read_timeout = \"2h\"\nkeep_alive_idle = \"0s\"\n").unwrap_err();
        assert!(
            found[0].starts_with("http.keep_alive_idle: \"0s\": a duration must be longer"),
            "{found:?}"
        );
        let found = load("[http]\nheader_read_timeout = \"2h\"\n").unwrap_err();
        assert_eq!(found, ["http.header_read_timeout: must be at most 1h"]);
        let chosen = load("[http]\nbody_read_timeout = \"500ms\"\nkeep_alive_idle = \"1h\"\n").unwrap();
        assert_eq!(chosen.body_read_timeout, Duration::from_millis(500));
        assert_eq!(chosen.keep_alive_idle, Duration::from_secs(3_600));
        assert_eq!(chosen.header_read_timeout, Duration::from_secs(10), "the default");
    }
}
