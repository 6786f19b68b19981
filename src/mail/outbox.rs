//! The outbox: messages are written in the transaction of the change that causes them,
//! and delivered by the worker with retries and backoff. Claiming takes a lease
//! (`next_attempt_at` pushed forward) under SKIP LOCKED, so instances never share a row.

use std::time::Duration;

use futures_util::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::compose::{compose, prepare, Batch};
use super::SendError;
use crate::app::App;
use crate::error::Result;
pub use entity::outbox::Status;
use entity::{invitations, outbox};

/// Attempts before a message is marked failed (about a day of retries).
pub const MAX_ATTEMPTS: i32 = 12;
/// Messages claimed and sent at once by one instance: a batch is one round of sends,
/// so it ends within one `send_timeout`.
const CONCURRENCY: usize = 48;

/// How long a claimed message is reserved for the instance sending it: longer than its
/// batch can take (rendering, one send bounded by `send_timeout`, recording), so that no
/// other instance takes it while this one may still be sending it.
pub fn lease(send_timeout: Duration) -> Duration {
    send_timeout * 2 + Duration::from_secs(60)
}

/// What a queued message is about; rendered (and its link's token issued) when sent,
/// so the outbox never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mail {
    Invitation {
        invitation_id: Uuid,
        reminder: bool,
    },
    PasswordReset {
        member_id: Uuid,
    },
    EmailChangeConfirm {
        member_id: Uuid,
        new_email: String,
    },
    EmailChangeNotice {
        member_id: Uuid,
        old_email: String,
        new_email: String,
    },
    /// To a second address the member set: its link proves the address is theirs.
    SecondaryEmailConfirm {
        member_id: Uuid,
        address: String,
    },
    NewInvitationRequest {
        invitation_id: Uuid,
    },
}

impl Mail {
    /// The invitation it belongs to, for delivery status.
    pub fn invitation_id(&self) -> Option<Uuid> {
        match self {
            Mail::Invitation { invitation_id, .. } => Some(*invitation_id),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Mail::Invitation { .. } => "invitation",
            Mail::PasswordReset { .. } => "password_reset",
            Mail::EmailChangeConfirm { .. } => "email_change_confirm",
            Mail::EmailChangeNotice { .. } => "email_change_notice",
            Mail::SecondaryEmailConfirm { .. } => "secondary_email_confirm",
            Mail::NewInvitationRequest { .. } => "new_invitation_request",
        }
    }
}

/// An outbox row for `mail` to `to`, due now.
pub fn row(tenant: &str, to: &str, locale: &str, mail: &Mail) -> outbox::ActiveModel {
    let now = crate::stored::now();
    outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant: Set(tenant.to_owned()),
        recipient: Set(to.to_owned()),
        subject: Set(String::new()),
        text_body: Set(String::new()),
        html_body: Set(None),
        template: Set(mail.kind().to_owned()),
        status: Set(Status::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        invitation_id: Set(mail.invitation_id()),
        payload: Set(serde_json::to_string(mail).expect("mail serialises")),
        locale: Set(locale.to_owned()),
    }
}

/// Queues one message in the caller's transaction.
pub async fn enqueue<C: ConnectionTrait>(conn: &C, tenant: &str, to: &str, locale: &str, mail: &Mail) -> Result<()> {
    outbox::Entity::insert(row(tenant, to, locale, mail)).exec(conn).await?;
    Ok(())
}

/// Queues many messages in multi-row statements.
pub async fn enqueue_many<C: ConnectionTrait>(conn: &C, rows: Vec<outbox::ActiveModel>) -> Result<()> {
    for chunk in rows.chunks(1_000) {
        outbox::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
    }
    Ok(())
}

/// Reserves up to `limit` due messages for this instance.
async fn claim_due(app: &App, limit: u64) -> Result<Vec<outbox::Model>> {
    let now = crate::stored::now();
    let lease_end = now + chrono::Duration::from_std(lease(app.settings.jobs.send_timeout)).expect("small duration");
    let backend = app.db.get_database_backend();
    // 'queued' is Status::Queued as stored.
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1 WHERE id IN \
             (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $2 \
              ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING *"
        }
        _ => {
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id IN \
             (SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ? \
              ORDER BY next_attempt_at LIMIT ?) RETURNING *"
        }
    };
    let statement = Statement::from_sql_and_values(backend, sql, [lease_end.into(), now.into(), (limit as i64).into()]);
    Ok(outbox::Entity::find().from_raw_sql(statement).all(&app.db).await?)
}

/// What became of one message.
enum Outcome {
    Sent,
    Dropped,
    Failed(SendError),
}

/// Delivers every due message, a batch at a time; returns how many were handled.
pub async fn deliver_due(app: &App) -> Result<usize> {
    deliver_due_while(app, || true).await
}

/// Delivers due messages a batch at a time while `go_on()` holds (checked before each
/// batch, so that a shutdown waits for one batch at most).
pub async fn deliver_due_while(app: &App, go_on: impl Fn() -> bool) -> Result<usize> {
    let mut handled = 0;
    while go_on() {
        let batch = claim_due(app, CONCURRENCY as u64).await?;
        if batch.is_empty() {
            return Ok(handled);
        }
        handled += batch.len();
        let mails: Vec<Option<Mail>> = batch
            .iter()
            .map(|row| {
                // A payload that does not decode cannot be sent: it is dropped (and said),
                // so that one corrupt row does not hold up the queue behind it.
                crate::stored::decode("outbox", "payload", row.id, &row.payload)
                    .inspect_err(|err| tracing::error!(error = %err, "dropping an unreadable mail"))
                    .ok()
            })
            .collect();
        let prepared = prepare(app, &mails).await?;
        let outcomes: Vec<(outbox::Model, Option<Mail>, Outcome)> =
            futures_util::stream::iter(batch.into_iter().zip(mails))
                .map(|(row, mail)| {
                    let prepared = &prepared;
                    async move {
                        let outcome = deliver_one(app, &row, mail.as_ref(), prepared).await;
                        (row, mail, outcome)
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
        record(app, outcomes).await?;
    }
    Ok(handled)
}

async fn deliver_one(app: &App, row: &outbox::Model, mail: Option<&Mail>, prepared: &Batch) -> Outcome {
    let Some(mail) = mail else { return Outcome::Dropped };
    match compose(app, row, mail, prepared).await {
        // The transport's own timeouts do not cover every step (a server that accepts
        // the connection and never greets held a send forever): one outer deadline does.
        Ok(Some(email)) => match tokio::time::timeout(app.settings.jobs.send_timeout, app.mailer.send(&email)).await {
            Ok(Ok(())) => Outcome::Sent,
            Ok(Err(err)) => Outcome::Failed(err),
            Err(_) => Outcome::Failed(SendError::temporary(format!(
                "timed out: no answer from the mail server within {}",
                crate::config::duration::format_duration(app.settings.jobs.send_timeout)
            ))),
        },
        Ok(None) => Outcome::Dropped,
        Err(err) => Outcome::Failed(err),
    }
}

/// Writes a batch's outcomes: sent and dropped ones in a few statements, failures one by one.
async fn record(app: &App, outcomes: Vec<(outbox::Model, Option<Mail>, Outcome)>) -> Result<()> {
    let now = crate::stored::now();
    let (mut sent, mut dropped, mut first_sends, mut reminders) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (row, mail, outcome) in outcomes {
        match outcome {
            Outcome::Sent => {
                sent.push(row.id);
                if let Some(Mail::Invitation {
                    invitation_id,
                    reminder,
                }) = mail
                {
                    if reminder {
                        reminders.push(invitation_id);
                    } else {
                        first_sends.push(invitation_id);
                    }
                }
            }
            Outcome::Dropped => dropped.push(row.id),
            Outcome::Failed(error) => retry_or_fail(app, &row, mail.as_ref(), error).await?,
        }
    }
    for (ids, status) in [(&sent, Status::Sent), (&dropped, Status::Dropped)] {
        if !ids.is_empty() {
            outbox::Entity::update_many()
                .col_expr(outbox::Column::Status, Expr::value(status))
                .col_expr(
                    outbox::Column::SentAt,
                    Expr::value((status == Status::Sent).then_some(now)),
                )
                .filter(outbox::Column::Id.is_in(ids.clone()))
                .exec(&app.db)
                .await?;
        }
    }
    if !first_sends.is_empty() {
        invitations::Entity::update_many()
            .col_expr(
                invitations::Column::DeliveryStatus,
                Expr::value(invitations::DeliveryStatus::Sent),
            )
            .col_expr(invitations::Column::SentAt, Expr::value(Some(now)))
            .filter(invitations::Column::Id.is_in(first_sends))
            .exec(&app.db)
            .await?;
    }
    if !reminders.is_empty() {
        invitations::Entity::update_many()
            .col_expr(
                invitations::Column::DeliveryStatus,
                Expr::value(invitations::DeliveryStatus::Sent),
            )
            .filter(invitations::Column::Id.is_in(reminders))
            .exec(&app.db)
            .await?;
    }
    Ok(())
}

/// Exponential backoff from 15 s up to an hour; failed after [`MAX_ATTEMPTS`] (or at once,
/// for an error that no retry can cure).
pub fn retry_delay(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 20) as u32 - 1;
    Duration::from_secs((15u64 << exponent).min(3_600))
}

async fn retry_or_fail(app: &App, row: &outbox::Model, mail: Option<&Mail>, error: SendError) -> Result<()> {
    let give_up = error.permanent || row.attempts >= MAX_ATTEMPTS;
    tracing::warn!(to = %row.recipient, attempts = row.attempts, %error, give_up, "email not delivered");
    let error = error.message;
    let next = crate::stored::now() + chrono::Duration::from_std(retry_delay(row.attempts)).expect("small duration");
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(if give_up { Status::Failed } else { Status::Queued }),
        )
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(next))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Some(error.chars().take(2_000).collect::<String>())),
        )
        .filter(outbox::Column::Id.eq(row.id))
        .exec(&app.db)
        .await?;
    if give_up {
        if let Some(id) = mail.and_then(Mail::invitation_id) {
            invitations::Entity::update_many()
                .col_expr(
                    invitations::Column::DeliveryStatus,
                    Expr::value(invitations::DeliveryStatus::Failed),
                )
                .filter(invitations::Column::Id.eq(id))
                .exec(&app.db)
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps() {
        assert_eq!(retry_delay(1), Duration::from_secs(15));
        assert_eq!(retry_delay(2), Duration::from_secs(30));
        assert_eq!(retry_delay(5), Duration::from_secs(240));
        assert_eq!(retry_delay(12), Duration::from_secs(3_600));
    }
}
