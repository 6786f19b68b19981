//! The background worker: expiry, reminders and email delivery, every `poll_interval`.
//! Safe to run on several instances sharing PostgreSQL (SKIP LOCKED claims, counted
//! reminders); with SQLite run it on one.

use tokio::sync::watch;

use crate::app::App;
use crate::error::Result;
use crate::invitations;
use crate::mail::outbox;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub expired: u64,
    pub reminded: u64,
    pub delivered: usize,
}

/// One pass of every job.
pub async fn run_once(app: &App) -> Result<Pass> {
    let expired = invitations::jobs::expire(app).await?;
    let reminded = invitations::jobs::remind(app).await?;
    let delivered = outbox::deliver_due(app).await?;
    crate::downloads::purge_expired(app).await?;
    crate::imports::jobs::recover_abandoned(app).await?;
    Ok(Pass {
        expired,
        reminded,
        delivered,
    })
}

/// Runs passes until `stop` turns true; the pass under way finishes first.
pub async fn run(app: App, mut stop: watch::Receiver<bool>) {
    let interval = app.settings.jobs.poll_interval;
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(err) = run_once(&app).await {
            tracing::warn!(error = ?err, "background pass failed; retrying at the next tick");
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => {}
        }
    }
}
