//! A client connection's byte stream, with the deadlines HTTP itself does not keep:
//! the request head and the keep-alive idle limit, and a lingering close after a
//! refused request.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use futures_util::task::AtomicWaker;
use poem::web::RemoteAddr;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::config::{format_duration, HttpSettings};

/// Longest a closing connection keeps reading (and discarding) what the client still sends.
const LINGER_TOTAL: Duration = Duration::from_secs(30);
/// A lingering close ends sooner when the client sends nothing for this long.
const LINGER_SILENCE: Duration = Duration::from_secs(5);
/// Reads per poll while lingering, so that a fast sender cannot hog a worker thread.
const LINGER_READS_PER_POLL: usize = 32;

/// What the request side of a connection tells its socket: requests started and
/// running, a body left unread, an upgrade to WebSocket.
pub(super) struct ConnState {
    /// The client, for logs.
    pub(super) peer: RemoteAddr,
    /// Requests whose handler is running (several at once over HTTP/2).
    handling: AtomicUsize,
    /// Requests started so far: a change tells the socket that a request head arrived.
    started: AtomicU64,
    /// The last request was answered before its body was read to the end.
    unread_body: AtomicBool,
    /// The connection now carries a WebSocket: HTTP deadlines no longer apply.
    upgraded: AtomicBool,
    /// A read that waits without a deadline, to wake when the last handler ends and one applies.
    reader: AtomicWaker,
}

impl ConnState {
    /// A fresh connection from `peer`.
    pub(super) fn new(peer: RemoteAddr) -> Arc<Self> {
        Arc::new(Self {
            peer,
            handling: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            unread_body: AtomicBool::new(false),
            upgraded: AtomicBool::new(false),
            reader: AtomicWaker::new(),
        })
    }

    /// A request head has arrived and its handler starts; the guard marks its end.
    pub(super) fn begin_request(self: &Arc<Self>) -> Handling {
        self.started.fetch_add(1, Ordering::Relaxed);
        self.handling.fetch_add(1, Ordering::Relaxed);
        self.unread_body.store(false, Ordering::Relaxed);
        Handling(self.clone())
    }

    /// The current request's body was dropped before its end.
    pub(super) fn body_left_unread(&self) {
        self.unread_body.store(true, Ordering::Relaxed);
    }
}

/// A running handler; dropping it ends the request for the socket's deadlines.
pub(super) struct Handling(Arc<ConnState>);

impl Handling {
    /// The answer switches protocols (WebSocket): the deadlines stop for good.
    pub(super) fn upgraded(&self) {
        self.0.upgraded.store(true, Ordering::Relaxed);
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        if self.0.handling.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.0.reader.wake();
        }
    }
}

/// Why a read gave up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expired {
    /// Idle between requests (or never sent a byte): closed quietly, as an end of stream.
    Idle,
    /// Part of a request head came, the rest did not: closed with an error.
    Head,
}

/// The socket of one client connection (any byte stream: TCP, or TLS over it).
pub(super) struct ClientSocket<T> {
    inner: T,
    state: Arc<ConnState>,
    header_read_timeout: Duration,
    keep_alive_idle: Duration,
    /// The last `started` value seen: a change means the head being read is complete.
    seen_started: u64,
    /// When the head now being read began (a new connection counts as one).
    head_since: Option<Instant>,
    /// Whether any byte of that head has arrived.
    head_bytes: bool,
    /// The last byte read or written, or the end of the last request.
    last_activity: Instant,
    /// A handler was running at the last read.
    busy: bool,
    /// The connection speaks HTTP/2: its frames have no head to time, only idle time.
    http2: bool,
    /// Set once a deadline has passed: every later read answers the same.
    expired: Option<Expired>,
    /// Set once closing has begun to linger: the moment it must end.
    linger_until: Option<Instant>,
    timer: Pin<Box<Sleep>>,
}

impl<T> ClientSocket<T> {
    /// Wraps a just-accepted connection; its first request head is due within `header_read_timeout`.
    pub(super) fn new(inner: T, state: Arc<ConnState>, settings: &HttpSettings) -> Self {
        let now = Instant::now();
        Self {
            inner,
            state,
            header_read_timeout: settings.header_read_timeout,
            keep_alive_idle: settings.keep_alive_idle,
            seen_started: 0,
            head_since: Some(now),
            head_bytes: false,
            last_activity: now,
            busy: false,
            http2: false,
            expired: None,
            linger_until: None,
            timer: Box::pin(tokio::time::sleep_until(now)),
        }
    }

    /// The deadline of a read that found nothing, if one applies now.
    fn read_deadline(&self) -> Option<(Instant, Expired)> {
        let state = &self.state;
        if state.upgraded.load(Ordering::Relaxed) || state.handling.load(Ordering::Relaxed) > 0 {
            return None; // a running handler reads its body under its own deadline (body.rs)
        }
        match self.head_since {
            Some(since) if self.head_bytes => Some((since + self.header_read_timeout, Expired::Head)),
            Some(since) => Some((since + self.header_read_timeout, Expired::Idle)),
            None => Some((self.last_activity + self.keep_alive_idle, Expired::Idle)),
        }
    }

    /// Logs a passed deadline once and remembers it.
    fn expire(&mut self, why: Expired) {
        let peer = &self.state.peer;
        match why {
            Expired::Head => tracing::info!(
                peer = %peer,
                "request head not complete within {}: connection closed",
                format_duration(self.header_read_timeout)
            ),
            Expired::Idle => tracing::debug!(peer = %peer, "idle connection closed"),
        }
        self.expired = Some(why);
    }
}

fn expired_read(why: Expired) -> Poll<io::Result<()>> {
    match why {
        Expired::Idle => Poll::Ready(Ok(())), // nothing filled: end of stream
        Expired::Head => Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "request head not received in time",
        ))),
    }
}

impl<T: AsyncRead + Unpin> ClientSocket<T> {
    /// Reads and discards until the client closes, goes quiet, or the linger time is up.
    fn poll_linger(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let until = self.linger_until.expect("lingering");
        let mut scratch = [0u8; 16 * 1024];
        for _ in 0..LINGER_READS_PER_POLL {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut self.inner).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => self.last_activity = Instant::now(),
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => {
                    let deadline = until.min(self.last_activity + LINGER_SILENCE);
                    self.timer.as_mut().reset(deadline);
                    return match self.timer.as_mut().poll(cx) {
                        Poll::Ready(()) => Poll::Ready(Ok(())),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ClientSocket<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(why) = this.expired {
            return expired_read(why);
        }
        let started = this.state.started.load(Ordering::Relaxed);
        let busy = this.state.handling.load(Ordering::Relaxed) > 0;
        if started != this.seen_started || (this.busy && !busy) {
            // A request came and went since the last read: the idle time starts now.
            this.seen_started = started;
            this.head_since = None;
            this.head_bytes = false;
            this.last_activity = Instant::now();
        }
        this.busy = busy;
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    let now = Instant::now();
                    this.last_activity = now;
                    if this.seen_started == 0 && !this.head_bytes && buf.filled()[before..].starts_with(b"PRI ") {
                        // The HTTP/2 preface: from now on only the idle limit applies.
                        this.http2 = true;
                        this.head_since = None;
                        return Poll::Ready(Ok(()));
                    }
                    let waiting = this.state.handling.load(Ordering::Relaxed) == 0;
                    if waiting && !this.head_bytes && !this.http2 {
                        // The first byte of a request head: its deadline starts now, except
                        // on a new connection, where it started at the connection's opening.
                        this.head_since.get_or_insert(now);
                        this.head_bytes = true;
                    }
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => {
                // Registered before looking, so that a handler ending meanwhile still wakes us.
                this.state.reader.register(cx.waker());
                let Some((deadline, why)) = this.read_deadline() else {
                    return Poll::Pending;
                };
                this.timer.as_mut().reset(deadline);
                if this.timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.expire(why);
                expired_read(why)
            }
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for ClientSocket<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.last_activity = Instant::now();
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        this.last_activity = Instant::now();
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    /// Sends the end of the stream, then, when the last request's body was left unread
    /// (a refusal), lingers: closing a socket with unread data makes the kernel send a
    /// reset, which destroys the answer before a client still sending has read it.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.linger_until.is_none() {
            ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
            let state = &this.state;
            let refused = state.unread_body.load(Ordering::Relaxed) && this.expired.is_none();
            if !refused || state.upgraded.load(Ordering::Relaxed) {
                return Poll::Ready(Ok(()));
            }
            let now = Instant::now();
            this.last_activity = now;
            this.linger_until = Some(now + LINGER_TOTAL);
        }
        this.poll_linger(cx)
    }
}
