//! `roster serve`: start the app, bootstrap tenants, reload on SIGHUP, stop on SIGTERM.

use std::process::ExitCode;

use poem::listener::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

use crate::app::App;
use crate::config::{Settings, TenantRegistry};

/// Runs the server until SIGTERM or Ctrl-C; in-flight requests finish first.
pub async fn run(settings: Settings, tenants: TenantRegistry) -> ExitCode {
    let listen = settings.listen;
    let app = match App::start(settings, tenants).await {
        Ok(app) => app,
        Err(err) => {
            eprintln!("roster: cannot start: {err:?}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = app.bootstrap_tenants().await {
        eprintln!("roster: bootstrap failed: {err:?}");
        return ExitCode::FAILURE;
    }
    tokio::spawn(reload_on_sighup(app.clone()));
    let (stop_jobs, jobs_stopped) = tokio::sync::watch::channel(false);
    let worker = app
        .settings
        .run_jobs
        .then(|| tokio::spawn(crate::jobs::run(app.clone(), jobs_stopped)));
    let slugs: Vec<String> = app.tenants.all().iter().map(|t| t.slug.clone()).collect();
    let served = crate::http::serve(app, TcpListener::bind(listen), shutdown_signal(), |addr| {
        tracing::info!("Roster listening on http://{addr}");
        for slug in &slugs {
            tracing::info!("  tenant {slug}: console at http://{addr}/t/{slug}/admin, playground at http://{addr}/t/{slug}/graphql");
        }
    })
    .await;
    // In-flight requests are done; let the worker finish its current step, within the
    // grace period (a message cut off is still claimed, and sent once its lease ends).
    let _ = stop_jobs.send(true);
    if let Some(mut worker) = worker {
        if tokio::time::timeout(crate::http::SHUTDOWN_GRACE, &mut worker)
            .await
            .is_err()
        {
            tracing::warn!("background work did not stop in time: cut off");
            worker.abort();
        }
    }
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("roster: cannot serve on {listen}: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let mut term = match signal(SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Re-reads the tenant files on each SIGHUP; a bad file keeps its previous configuration.
async fn reload_on_sighup(app: App) {
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("SIGHUP cannot be watched: tenant files reload only at restart");
        return;
    };
    while hangups.recv().await.is_some() {
        reload_tenants(&app).await;
    }
}

/// Reloads tenant files, logs what happened, and bootstraps tenants that are new.
pub async fn reload_tenants(app: &App) {
    // Reading files and hashing a changed default password block: keep them off the async threads.
    let tenants = app.tenants.clone();
    let report = match tokio::task::spawn_blocking(move || tenants.reload()).await {
        Ok(report) => report,
        Err(err) => {
            tracing::error!(error = %err, "tenant reload task failed");
            return;
        }
    };
    for error in &report.rejected {
        tracing::error!("tenant file rejected, previous configuration kept: {error}");
    }
    if !report.loaded.is_empty() {
        tracing::info!(tenants = ?report.loaded, "tenant configuration reloaded");
    }
    if !report.removed.is_empty() {
        tracing::info!(tenants = ?report.removed, "tenants removed");
    }
    if let Err(err) = app.bootstrap_tenants().await {
        tracing::error!(error = ?err, "bootstrap after reload failed");
    }
}
