//! Guessing links: uses of a token (invitation, reset, email change) are counted per
//! client IP against the tenant's `login_per_ip` limit before the token is looked up;
//! only the uses that turn out to be guesses (an unknown token) keep counting.

use super::rate_limit::{self, Attempt};
use crate::app::App;
use crate::auth::Visitor;
use crate::error::{Error, Result};

fn key(visitor: &Visitor) -> Option<String> {
    visitor
        .client_ip
        .map(|ip| format!("token:ip:{}:{ip}", visitor.tenant.slug))
}

/// Counts one use before the lookup; RATE_LIMITED when this IP has guessed too often.
pub async fn reserve<'a>(app: &'a App, visitor: &Visitor) -> Result<Attempt<'a>> {
    let limits: Vec<_> = key(visitor)
        .map(|key| (key, visitor.tenant.rate_limits.login_per_ip))
        .into_iter()
        .collect();
    rate_limit::reserve(app, &limits).await
}

/// Counts one failed use, for paths that answer the same whatever the token.
pub async fn failed(app: &App, visitor: &Visitor) -> Result<()> {
    if let Some(key) = key(visitor) {
        app.limiter
            .hit(&key, visitor.tenant.rate_limits.login_per_ip.window)
            .await?;
    }
    Ok(())
}

/// Runs a token operation under the guard: refused while limited, and still counted
/// when the token turns out invalid.
pub async fn guarded<T>(
    app: &App,
    visitor: &Visitor,
    operation: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let attempt = reserve(app, visitor).await?;
    let result = operation.await;
    settle(attempt, &result).await?;
    result
}

/// Keeps the use counted when the token was unknown, gives it back otherwise.
pub async fn settle<T>(attempt: Attempt<'_>, result: &Result<T>) -> Result<()> {
    if matches!(result, Err(Error::TokenInvalid)) {
        attempt.keep();
        Ok(())
    } else {
        attempt.give_back().await
    }
}
