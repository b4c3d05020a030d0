//! The endpoint's accept loop and connections on hyper: a permit per connection (bounded),
//! the TLS handshake and request head within the header-read timeout, the body within the
//! request timeout, the whole connection within the connection timeout, one request per
//! connection. At shutdown the loop stops accepting and every connection is closed after a
//! short grace.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::{error_reply, Limits, Reply, Routes, MAX_REQUEST};

/// How long open connections may finish their answer once the endpoint stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Who is asking, as far as the secured routes care.
#[derive(Debug, Clone, Copy)]
enum Peer {
    /// TLS is off: every route is open (Fabric secures none without TLS).
    Plain,
    /// TLS is on; whether the client presented a certificate our roots verified.
    Tls { client_verified: bool },
}

impl Peer {
    fn may_use_secured_routes(self) -> bool {
        match self {
            Peer::Plain => true,
            Peer::Tls { client_verified } => client_verified,
        }
    }
}

/// Accepts until `shutdown` completes, then gives open connections [`SHUTDOWN_GRACE`].
pub(super) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    routes: Arc<Routes>,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopped) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(target: "operations.runner", "accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Reap finished connections so the set stays as small as the permits.
        while connections.try_join_next().is_some() {}
        let connection = Connection {
            routes: routes.clone(),
            limits,
            stopped: stopped.clone(),
            _permit: permit,
        };
        connections.spawn(connection.run(stream, tls.clone()));
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, drained).await.is_err() {
        connections.abort_all();
    }
}

/// One accepted connection and what it needs.
struct Connection {
    routes: Arc<Routes>,
    limits: Limits,
    stopped: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn run(self, stream: TcpStream, tls: Option<TlsAcceptor>) {
        let _ = stream.set_nodelay(true);
        let limits = self.limits;
        let served = async move {
            match tls {
                None => self.http(stream, Peer::Plain).await,
                Some(acceptor) => {
                    let handshake = acceptor.accept(stream);
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(limits.header_read_timeout, handshake).await
                    else {
                        return;
                    };
                    let client_verified = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .is_some_and(|certs| !certs.is_empty());
                    self.http(stream, Peer::Tls { client_verified }).await
                }
            }
        };
        // Whatever the client does, the connection ends by the connection timeout.
        let _ = tokio::time::timeout(limits.connection_timeout, served).await;
    }

    async fn http<S>(self, io: S, peer: Peer)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            routes,
            limits,
            mut stopped,
            ..
        } = self;
        let service = service_fn(move |request| {
            let routes = routes.clone();
            async move { Ok::<_, Infallible>(respond(request, &routes, peer, limits).await) }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .keep_alive(false)
            .serve_connection(TokioIo::new(io), service);
        tokio::pin!(conn);
        let stop = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        tokio::select! {
            _ = conn.as_mut() => {}
            _ = stop => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn).await;
            }
        }
    }
}

/// Reads the body (bounded in size and time), routes, and answers with Fabric's
/// `X-Request-Id` header.
async fn respond(
    request: Request<Incoming>,
    routes: &Routes,
    peer: Peer,
    limits: Limits,
) -> Response<Full<Bytes>> {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .unwrap_or_else(crate::protoutil::generate_uuid);
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let reply = if routes.needs_client_cert(&path) && !peer.may_use_secured_routes() {
        Reply {
            code: 401,
            content_type: "",
            body: String::new(),
        }
    } else {
        let body = Limited::new(request.into_body(), MAX_REQUEST).collect();
        match tokio::time::timeout(limits.request_timeout, body).await {
            Ok(Ok(body)) => routes.handle(&method, &path, &body.to_bytes()),
            Ok(Err(e)) => error_reply(400, &format!("cannot read the request body: {e}")),
            Err(_) => error_reply(400, "the request body was not received in time"),
        }
    };
    let mut response = Response::builder()
        .status(reply.code)
        .header("X-Request-Id", request_id);
    if !reply.content_type.is_empty() {
        response = response.header("Content-Type", reply.content_type);
    }
    response
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
