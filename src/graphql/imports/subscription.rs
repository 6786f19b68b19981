//! `importProgress`: an import's job, sent again at each change while it runs.

use std::time::Duration;

use async_graphql::{Context, Subscription, ID};
use futures_util::Stream;

use super::job::ImportJobView;
use crate::error::Error;
use crate::graphql::ids::parse_id;
use crate::graphql::{app, caller, Result};
use crate::imports::jobs::progress;
use crate::imports::{self, JobStatus};
use entity::import_jobs;

/// How often a subscription looks at its job.
const PROGRESS_POLL: Duration = Duration::from_millis(200);

/// The subscription root: its one field follows an import.
#[derive(Default)]
pub struct Subscription;

/// Live updates, over graphql-transport-ws at /t/{tenant}/graphql/ws.
#[Subscription]
impl Subscription {
    /// Progress of an import while it validates or applies (graphql-transport-ws at /t/{tenant}/graphql/ws).
    /// Sends the job now and at each change of status or processedRows; ends once DONE, FAILED, CANCELLED or UNDONE.
    async fn import_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import to follow; NOT_FOUND when unknown. Needs imports.run.")] id: ID,
    ) -> Result<impl Stream<Item = ImportJobView>> {
        let caller = caller(ctx).await?;
        let app = app(ctx).clone();
        let id = parse_id("id", &id)?;
        let first = imports::get_job(&app, &caller, id)
            .await?
            .ok_or_else(|| Error::NotFound("There is no such import.".into()))?;
        let tenant = caller.tenant.slug.clone();
        // Polls the job (progress of this process first, the database otherwise, so any
        // instance can follow any job) and sends each change, until it reaches a final state.
        Ok(progress_stream(app, tenant, first))
    }
}

fn progress_stream(
    app: crate::app::App,
    tenant: String,
    first: import_jobs::Model,
) -> impl Stream<Item = ImportJobView> {
    let state = (app, tenant, Some(first), None::<(JobStatus, i32)>);
    futures_util::stream::unfold(state, |(app, tenant, job, last)| async move {
        let mut job = job?;
        loop {
            let seen = (job.status, progress::get(job.id).unwrap_or(job.processed_rows));
            let finished = job.status.is_final();
            if last.as_ref() != Some(&seen) {
                let next = (!finished).then(|| job.clone());
                return Some((ImportJobView(job), (app, tenant, next, Some(seen))));
            }
            tokio::time::sleep(PROGRESS_POLL).await;
            job = imports::history::find(&app.db, &tenant, job.id).await.ok().flatten()?;
        }
    })
}
