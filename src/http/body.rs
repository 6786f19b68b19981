//! Request bodies: a deadline on each wait for more bytes, and reading under a size limit.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::StreamExt;
use http_body_util::combinators::BoxBody;
use hyper::body::{Body as HttpBody, Bytes, Frame, SizeHint};
use poem::http::StatusCode;
use poem::Body;
use tokio::time::{Instant, Sleep};

use super::socket::ConnState;
use crate::config::format_duration;

/// A request body that fails with `TimedOut` when no byte comes for `timeout`, and tells
/// its connection when it is dropped before its end.
pub(super) struct TimedBody {
    inner: BoxBody<Bytes, io::Error>,
    timeout: Duration,
    conn: Arc<ConnState>,
    /// Armed at the first wait; pushed back whenever bytes arrive.
    timer: Option<Pin<Box<Sleep>>>,
    /// Bytes arrived since the timer was last set.
    progressed: bool,
    finished: bool,
}

impl TimedBody {
    /// Wraps `body` (of a request on `conn`) with the per-wait deadline.
    pub(super) fn wrap(body: Body, timeout: Duration, conn: Arc<ConnState>) -> Body {
        Body::from(BoxBody::new(TimedBody {
            inner: body.into(),
            timeout,
            conn,
            timer: None,
            progressed: false,
            finished: false,
        }))
    }

    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let next = Instant::now() + self.timeout;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(next)));
        if std::mem::take(&mut self.progressed) {
            timer.as_mut().reset(next);
        }
        timer.as_mut().poll(cx)
    }
}

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.progressed = true;
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => {
                this.finished = true;
                Poll::Ready(other)
            }
            Poll::Pending => {
                if this.poll_deadline(cx).is_pending() {
                    return Poll::Pending;
                }
                tracing::info!(
                    peer = %this.conn.peer,
                    "no byte of the request body for {}: request refused",
                    format_duration(this.timeout)
                );
                this.finished = true;
                Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "request body stalled",
                ))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.finished || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for TimedBody {
    fn drop(&mut self) {
        if !self.is_end_stream() {
            self.conn.body_left_unread();
        }
    }
}

/// Why a body could not be read.
#[derive(Debug)]
pub(super) enum BodyError {
    /// Longer than the limit (declared so, or found so while reading).
    TooLarge,
    /// The client stopped sending for longer than `[http] body_read_timeout`.
    Stalled,
    /// The connection failed.
    Broken(io::Error),
}

impl BodyError {
    /// The status and message answering this error (code VALIDATION), given the
    /// size limit in bytes and `[http] body_read_timeout`.
    pub(super) fn answer(&self, limit: u64, timeout: Duration) -> (StatusCode, String) {
        match self {
            BodyError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The request is larger than the {limit} bytes allowed."),
            ),
            BodyError::Stalled => (
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "The request stopped arriving: nothing came for {}.",
                    format_duration(timeout)
                ),
            ),
            BodyError::Broken(err) => (StatusCode::BAD_REQUEST, format!("io: {err}")),
        }
    }
}

/// Reads the whole body, refusing it as soon as it is known to exceed `limit` bytes:
/// at once when the declared `Content-Length` is over it, else when the bytes are.
pub(super) async fn read_limited(body: Body, declared: Option<u64>, limit: u64) -> Result<Bytes, BodyError> {
    if declared.is_some_and(|length| length > limit) {
        return Err(BodyError::TooLarge);
    }
    let mut stream = std::pin::pin!(body.into_bytes_stream());
    let mut data = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| match err.kind() {
            io::ErrorKind::TimedOut => BodyError::Stalled,
            _ => BodyError::Broken(err),
        })?;
        if (data.len() + chunk.len()) as u64 > limit {
            return Err(BodyError::TooLarge);
        }
        data.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_is_refused_once_known_to_be_too_large() {
        let body = || Body::from_vec(vec![b'x'; 100]);
        let read = read_limited(body(), Some(100), 100).await.unwrap();
        assert_eq!(read.len(), 100);
        assert!(matches!(
            read_limited(body(), Some(101), 100).await,
            Err(BodyError::TooLarge)
        ));
        assert!(matches!(read_limited(body(), None, 99).await, Err(BodyError::TooLarge)));
        assert_eq!(read_limited(body(), None, 100).await.unwrap().len(), 100);
    }
}
