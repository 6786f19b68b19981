//! `/metrics` in Prometheus' text format: requests by route kind and status, their
//! durations, and, read at scrape time, the outbox backlog and running imports.

use std::sync::LazyLock;
use std::time::Instant;

use poem::{Endpoint, IntoResponse, Request, Response};
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::app::App;
use crate::error::Result;
use crate::imports::JobStatus;
use entity::{import_jobs, outbox};

struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    durations: HistogramVec,
    backlog: IntGaugeVec,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let registry = Registry::new();
    let requests = IntCounterVec::new(
        Opts::new(
            "roster_http_requests_total",
            "HTTP requests answered, by route kind and status",
        ),
        &["route", "status"],
    )
    .expect("valid metric");
    let durations = HistogramVec::new(
        HistogramOpts::new(
            "roster_http_request_seconds",
            "Time to answer HTTP requests, by route kind",
        )
        .buckets(vec![
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
        ]),
        &["route"],
    )
    .expect("valid metric");
    let backlog = IntGaugeVec::new(
        Opts::new(
            "roster_backlog",
            "Read at scrape time: emails queued, emails given up on, imports running",
        ),
        &["kind"],
    )
    .expect("valid metric");
    registry.register(Box::new(requests.clone())).expect("registered once");
    registry.register(Box::new(durations.clone())).expect("registered once");
    registry.register(Box::new(backlog.clone())).expect("registered once");
    Metrics {
        registry,
        requests,
        durations,
        backlog,
    }
});

/// A small, fixed set of labels (never the tenant or a token from the path).
fn route_kind(path: &str) -> &'static str {
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("t"), Some(_), Some("graphql")) => "graphql",
        (Some("t"), Some(_), Some("downloads")) => "download",
        (Some("t"), Some(_), Some(_)) => "page",
        (Some("healthz" | "readyz" | "metrics"), _, _) => "probe",
        _ => "other",
    }
}

/// Counts and times every request.
pub async fn observe<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let kind = route_kind(req.uri().path());
    let started = Instant::now();
    let result = next.call(req).await.map(IntoResponse::into_response);
    let status = match &result {
        Ok(response) => response.status(),
        Err(err) => err.status(),
    };
    let m = &*METRICS;
    m.requests.with_label_values(&[kind, status.as_str()]).inc();
    m.durations
        .with_label_values(&[kind])
        .observe(started.elapsed().as_secs_f64());
    result
}

/// The text exposition, with the backlog gauges read now.
pub async fn render(app: &App) -> Result<String> {
    let m = &*METRICS;
    let count_outbox = |status: outbox::Status| {
        outbox::Entity::find()
            .filter(outbox::Column::Status.eq(status))
            .count(&app.db)
    };
    let queued = count_outbox(outbox::Status::Queued).await?;
    let failed = count_outbox(outbox::Status::Failed).await?;
    let running = import_jobs::Entity::find()
        .filter(import_jobs::Column::Status.is_in([JobStatus::Validating, JobStatus::Applying]))
        .count(&app.db)
        .await?;
    m.backlog.with_label_values(&["outbox_queued"]).set(queued as i64);
    m.backlog.with_label_values(&["outbox_failed"]).set(failed as i64);
    m.backlog.with_label_values(&["imports_running"]).set(running as i64);
    let mut buffer = Vec::new();
    TextEncoder::new()
        .encode(&m.registry.gather(), &mut buffer)
        .map_err(|e| crate::error::Error::Internal(format!("metrics: {e}")))?;
    Ok(String::from_utf8_lossy(&buffer).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_never_carry_tenants_or_tokens() {
        assert_eq!(route_kind("/t/demo/graphql"), "graphql");
        assert_eq!(route_kind("/t/demo/graphql/ws"), "graphql");
        assert_eq!(route_kind("/t/demo/downloads/eyJ0Ijoi.sig"), "download");
        assert_eq!(route_kind("/t/demo/invitations/accept"), "page");
        assert_eq!(route_kind("/metrics"), "probe");
        assert_eq!(route_kind("/wp-admin"), "other");
    }
}
