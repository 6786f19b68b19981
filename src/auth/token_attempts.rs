//! Guessing links: failed uses of a token (invitation, reset, email change) are counted
//! per client IP against the tenant's `login_per_ip` limit, like failed sign-ins.

use crate::app::App;
use crate::auth::Visitor;
use crate::error::{Error, Result};

fn key(visitor: &Visitor) -> Option<String> {
    visitor
        .client_ip
        .map(|ip| format!("token:ip:{}:{ip}", visitor.tenant.slug))
}

/// RATE_LIMITED when this IP has failed too often.
pub async fn check(app: &App, visitor: &Visitor) -> Result<()> {
    let Some(key) = key(visitor) else { return Ok(()) };
    let limit = visitor.tenant.rate_limits.login_per_ip;
    let window = app.limiter.peek(&key).await?;
    if window.count >= u64::from(limit.count) {
        return Err(Error::RateLimited {
            retry_after_seconds: window.resets_in.as_secs().max(1),
        });
    }
    Ok(())
}

/// Counts one failed use.
pub async fn failed(app: &App, visitor: &Visitor) -> Result<()> {
    if let Some(key) = key(visitor) {
        app.limiter
            .hit(&key, visitor.tenant.rate_limits.login_per_ip.window)
            .await?;
    }
    Ok(())
}

/// Runs a token operation under the guard: refused while limited, counted when the
/// token turns out invalid.
pub async fn guarded<T>(
    app: &App,
    visitor: &Visitor,
    operation: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    check(app, visitor).await?;
    let result = operation.await;
    if matches!(result, Err(Error::TokenInvalid)) {
        failed(app, visitor).await?;
    }
    result
}
