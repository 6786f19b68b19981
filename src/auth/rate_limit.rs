//! Attempts counted before the work: each guarded attempt (a password check, a token
//! lookup) takes a unit of every limit it falls under first, and is refused when that
//! makes a limit overflow. Reading the counter and adding to it later would let N
//! parallel attempts all pass the same check; counting first bounds the work done at
//! the limit, whatever N. An attempt that turns out not to be a guess gives its units back.

use crate::app::App;
use crate::config::RateLimit;
use crate::error::{Error, Result};
use crate::store::RateWindow;

/// The units one attempt holds, one per limit it is counted against.
#[must_use = "an attempt is either kept as a failure or given back"]
pub struct Attempt<'a> {
    app: &'a App,
    /// `(key, window after this attempt's hit)`, in the order they were asked for.
    taken: Vec<(String, RateWindow)>,
}

/// Counts one attempt against each `(key, limit)`; RATE_LIMITED, with nothing left
/// counted, when any limit is already used up.
pub async fn reserve<'a>(app: &'a App, limits: &[(String, RateLimit)]) -> Result<Attempt<'a>> {
    let mut attempt = Attempt {
        app,
        taken: Vec::with_capacity(limits.len()),
    };
    for (key, limit) in limits {
        let window = app.limiter.hit(key, limit.window).await?;
        attempt.taken.push((key.clone(), window));
        if window.count > u64::from(limit.count) {
            // A refused attempt does no work, so it does not count either.
            attempt.give_back().await?;
            return Err(rate_limited(window.resets_in));
        }
    }
    Ok(attempt)
}

impl Attempt<'_> {
    /// How many attempts the `index`-th limit had counted, this one included.
    pub fn count(&self, index: usize) -> u64 {
        self.taken.get(index).map_or(0, |(_, window)| window.count)
    }

    /// The attempt was a failure (wrong password, unknown token): it keeps counting.
    pub fn keep(self) {}

    /// The attempt was no guess (right password, valid token): its units go back.
    pub async fn give_back(self) -> Result<()> {
        for (key, _) in &self.taken {
            self.app.limiter.release(key).await?;
        }
        Ok(())
    }
}

/// RATE_LIMITED with the whole seconds until the window ends (at least 1).
pub(crate) fn rate_limited(resets_in: std::time::Duration) -> Error {
    Error::RateLimited {
        retry_after_seconds: resets_in.as_secs_f64().ceil().max(1.0) as u64,
    }
}
