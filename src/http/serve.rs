//! The accept loop: each connection served by hyper with Roster's deadlines
//! (`[http]`), and a graceful stop. Poem's own `Server` cannot set them.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::combinators::BoxBody;
use hyper::body::{Body as _, Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use poem::http::{self, uri::Scheme, StatusCode};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{LocalAddr, RemoteAddr};
use poem::Endpoint;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, watch};

use super::body::TimedBody;
use super::socket::{ClientSocket, ConnState};
use super::{routes, SHUTDOWN_GRACE};
use crate::app::App;
use crate::config::HttpSettings;

/// Pause after a failed accept (out of file descriptors, say) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Where the server is in its life; connections watch it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Serving,
    /// Finish the requests in flight, take no new ones.
    Finishing,
    /// The grace period is over: drop what is left.
    Stopped,
}

/// Serves on `listener` until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    app: App,
    listener: TcpListener<SocketAddr>,
    shutdown: impl Future<Output = ()>,
    on_bound: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let mut acceptor = listener.into_acceptor().await?;
    if let Some(addr) = acceptor.local_addr().first().and_then(|a| a.as_socket_addr().copied()) {
        on_bound(addr);
    }
    let settings = app.settings.http.clone();
    let endpoint = Arc::new(routes(app));
    let (stage, watching) = watch::channel(Stage::Serving);
    // Each connection holds a sender; `recv` answers None once all are gone.
    let (alive, mut all_closed) = mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = acceptor.accept() => match accepted {
                Ok((io, local, remote, scheme)) => {
                    let conn = Connection { local, remote, scheme, settings: settings.clone() };
                    tokio::spawn(conn.serve(io, endpoint.clone(), watching.clone(), alive.clone()));
                }
                Err(err) => {
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
        }
    }
    drop(acceptor);
    drop(alive);
    let _ = stage.send(Stage::Finishing);
    if tokio::time::timeout(SHUTDOWN_GRACE, all_closed.recv()).await.is_err() {
        tracing::warn!("requests still running after the grace period: dropped");
        let _ = stage.send(Stage::Stopped);
        all_closed.recv().await;
    }
    Ok(())
}

/// One accepted connection.
struct Connection {
    local: LocalAddr,
    remote: RemoteAddr,
    scheme: Scheme,
    settings: HttpSettings,
}

impl Connection {
    async fn serve<Io, E>(self, io: Io, endpoint: Arc<E>, mut stage: watch::Receiver<Stage>, _alive: mpsc::Sender<()>)
    where
        Io: AsyncRead + AsyncWrite + Send + Unpin + 'static,
        E: Endpoint + 'static,
    {
        let state = ConnState::new(self.remote.clone());
        let socket = ClientSocket::new(io, state.clone(), &self.settings);
        let body_read_timeout = self.settings.body_read_timeout;
        let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
            let handling = state.begin_request();
            let has_body = !req.body().is_end_stream();
            let mut request = poem::Request::from((req, self.local.clone(), self.remote.clone(), self.scheme.clone()));
            if has_body {
                let body = TimedBody::wrap(request.take_body(), body_read_timeout, state.clone());
                request.set_body(body);
            }
            let endpoint = endpoint.clone();
            async move {
                let response = endpoint.get_response(request).await;
                if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                    handling.upgraded();
                }
                drop(handling);
                Ok::<_, Infallible>(http::Response::<BoxBody<Bytes, std::io::Error>>::from(response))
            }
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // Poem's HTTP/2 settings, with hyper's default cap of 200 streams (poem sets none).
        builder
            .http2()
            .max_concurrent_streams(200)
            .max_pending_accept_reset_streams(20)
            .max_header_list_size(16_384);
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(socket), service);
        tokio::pin!(conn);
        tokio::select! {
            result = conn.as_mut() => return log_end(result),
            _ = stage.wait_for(|s| *s != Stage::Serving) => {}
        }
        conn.as_mut().graceful_shutdown();
        tokio::select! {
            result = conn => log_end(result),
            _ = stage.wait_for(|s| *s == Stage::Stopped) => {}
        }
    }
}

fn log_end(result: Result<(), Box<dyn std::error::Error + Send + Sync>>) {
    if let Err(err) = result {
        tracing::debug!(error = %err, "connection ended with an error");
    }
}
