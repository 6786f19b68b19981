//! The background worker: expiry, reminders, purges, stale imports and email delivery,
//! every `poll_interval`.
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

/// One pass of every job, mail last (what tests and `run` build on).
pub async fn run_once(app: &App) -> Result<Pass> {
    let (expired, reminded) = upkeep(app).await?;
    let delivered = outbox::deliver_due(app).await?;
    Ok(Pass {
        expired,
        reminded,
        delivered,
    })
}

/// Everything but mail delivery: expiry, reminders (queued, not sent), purges, imports
/// a dead process left, and the tenants' retention rules; returns (expired, reminded).
async fn upkeep(app: &App) -> Result<(u64, u64)> {
    let expired = invitations::jobs::expire(app).await?;
    let reminded = invitations::jobs::remind(app).await?;
    crate::downloads::purge_expired(app).await?;
    crate::imports::running::recover_abandoned(&app.db, &app.imports).await?;
    crate::members::retention::sweep(app, crate::stored::now()).await?;
    Ok((expired, reminded))
}

/// How long a pass under way may go on once the worker is told to stop; past it the
/// pass is cut off (a message cut off mid-send stays claimed and is sent once, later).
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs the worker until `stop` turns true: mail delivery and upkeep in two loops of
/// their own, so that a mail server that stops answering delays only mail. On stop,
/// the pass under way gets [`STOP_GRACE`] to finish.
pub async fn run(app: App, stop: watch::Receiver<bool>) {
    let (mail_app, mail_stop) = (app.clone(), stop.clone());
    let mail = every_tick(app.clone(), stop.clone(), "email delivery", move || {
        let (app, stop) = (mail_app.clone(), mail_stop.clone());
        async move { outbox::deliver_due_while(&app, || !*stop.borrow()).await.map(|_| ()) }
    });
    let upkeep_app = app.clone();
    let upkeep = every_tick(app, stop, "upkeep", move || {
        let app = upkeep_app.clone();
        async move { upkeep(&app).await.map(|_| ()) }
    });
    tokio::join!(mail, upkeep);
}

/// Runs `pass` every `poll_interval` until `stop` turns true; a failed pass is logged
/// and retried at the next tick.
async fn every_tick<F, Fut>(app: App, mut stop: watch::Receiver<bool>, what: &str, pass: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let interval = app.settings.jobs.poll_interval;
    loop {
        if *stop.borrow() {
            return;
        }
        let running = pass();
        tokio::pin!(running);
        let outcome = tokio::select! {
            outcome = &mut running => Some(outcome),
            _ = stop.changed() => tokio::time::timeout(STOP_GRACE, &mut running).await.ok(),
        };
        match outcome {
            Some(Err(err)) => tracing::warn!(error = ?err, "background {what} failed; retrying at the next tick"),
            Some(Ok(())) => {}
            None => {
                tracing::warn!(
                    "background {what} cut off at shutdown; a message cut off mid-send is retried once its reservation ends"
                );
                return;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => {}
        }
    }
}
