//! Server side of [`super`]: one configuration for every gRPC listener of the peer and
//! the orderer, and the serve loop that stops within a deadline.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};

use super::shutdown::Stop;
use super::{CommError, MAX_CONCURRENT_STREAMS, MAX_MESSAGE_SIZE};

/// TCP keepalive idle time on accepted sockets (Go's listener default, 15s).
pub const TCP_KEEPALIVE: Duration = Duration::from_secs(15);

/// The server's TLS material (PEM); with `client_roots`, clients must present a
/// certificate issued by one of them (mutual TLS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTls {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
    pub client_roots: Option<Vec<u8>>,
}

/// HTTP/2 keepalive of a server (Fabric's `KeepaliveOptions`, server half).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepaliveOptions {
    /// How long a connection may be idle before the server pings the client
    /// (`General.Keepalive.ServerInterval`; Fabric's default 2h, also the peer's).
    pub server_interval: Duration,
    /// How long the server waits for the ping's answer before closing the connection
    /// (`General.Keepalive.ServerTimeout`; default 20s).
    pub server_timeout: Duration,
}

impl Default for KeepaliveOptions {
    fn default() -> Self {
        KeepaliveOptions {
            server_interval: Duration::from_secs(2 * 60 * 60),
            server_timeout: Duration::from_secs(20),
        }
    }
}

impl KeepaliveOptions {
    /// The ping interval; zero means Fabric's default.
    pub fn interval(&self) -> Duration {
        non_zero(self.server_interval, Self::default().server_interval)
    }

    /// The ping timeout; zero means Fabric's default.
    pub fn timeout(&self) -> Duration {
        non_zero(self.server_timeout, Self::default().server_timeout)
    }
}

fn non_zero(d: Duration, default: Duration) -> Duration {
    if d.is_zero() {
        default
    } else {
        d
    }
}

/// How a gRPC server listens (Fabric's `ServerConfig`).
///
/// Fabric's `MinInterval` (the shortest ping interval a client may use) has no
/// counterpart in the HTTP/2 stack used here: clients pinging more often are not cut off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub tls: Option<ServerTls>,
    pub keepalive: KeepaliveOptions,
    /// Largest message received or sent.
    pub max_message_size: usize,
    /// Concurrent streams per client connection.
    pub max_concurrent_streams: u32,
    /// TCP keepalive idle time of accepted sockets.
    pub tcp_keepalive: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            tls: None,
            keepalive: KeepaliveOptions::default(),
            max_message_size: MAX_MESSAGE_SIZE,
            max_concurrent_streams: MAX_CONCURRENT_STREAMS,
            tcp_keepalive: TCP_KEEPALIVE,
        }
    }
}

impl ServerConfig {
    /// A plaintext server with Fabric's defaults.
    pub fn plaintext() -> Self {
        Self::default()
    }

    /// The tonic TLS settings, if any.
    pub fn tls_config(&self) -> Result<Option<ServerTlsConfig>, CommError> {
        let Some(tls) = &self.tls else {
            return Ok(None);
        };
        let mut config = ServerTlsConfig::new().identity(Identity::from_pem(&tls.cert, &tls.key));
        if let Some(roots) = &tls.client_roots {
            if roots.is_empty() {
                return Err(CommError::NoClientRoots);
            }
            config = config.client_ca_root(Certificate::from_pem(roots));
        }
        Ok(Some(config))
    }

    /// A server builder with these settings: TLS, HTTP/2 keepalive, TCP_NODELAY and TCP
    /// keepalive, the stream bound. Services still set their own message size limits
    /// ([`ServerConfig::max_message_size`]).
    pub fn builder(&self) -> Result<Server, CommError> {
        let mut builder = self.builder_without_tls();
        if let Some(tls) = self.tls_config()? {
            builder = builder.tls_config(tls).map_err(CommError::Tls)?;
        }
        Ok(builder)
    }

    /// As [`ServerConfig::builder`], for connections whose TLS is done before tonic sees
    /// them ([`ServerConfig::tls_incoming`]).
    pub fn builder_without_tls(&self) -> Server {
        Server::builder()
            .tcp_nodelay(true)
            .tcp_keepalive(Some(self.tcp_keepalive))
            .http2_keepalive_interval(Some(self.keepalive.interval()))
            .http2_keepalive_timeout(Some(self.keepalive.timeout()))
            .max_concurrent_streams(Some(self.max_concurrent_streams))
    }

    /// The accepted connections of `listener`, each socket with TCP_NODELAY and TCP
    /// keepalive set (tonic applies its own socket settings only when it binds itself).
    pub fn incoming(&self, listener: TcpListener) -> TcpIncoming {
        TcpIncoming::from(listener)
            .with_nodelay(Some(true))
            .with_keepalive(Some(self.tcp_keepalive))
    }
}

/// How long a stopping server waits for its connections to close before it lets go of
/// them (the process then ends them by exiting).
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(10);

/// Runs `server` (a tonic `serve_with_incoming_shutdown` future whose shutdown signal is
/// `stop`) until it ends; once `stop` fires, waits at most `drain` for its connections to
/// close, then returns anyway. `name` says which server in the log.
pub async fn serve_with_drain<F>(
    name: &str,
    server: F,
    mut stop: Stop,
    drain: Duration,
) -> Result<(), CommError>
where
    F: Future<Output = Result<(), tonic::transport::Error>>,
{
    tokio::pin!(server);
    let deadline = async {
        stop.stopped().await;
        tokio::time::sleep(drain).await;
    };
    tokio::select! {
        result = &mut server => result.map_err(CommError::Serve),
        _ = deadline => {
            tracing::warn!(target: "comm.grpc.server", "{name}: connections still open {drain:?} after the stop; closing them");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutual_tls_needs_roots() {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let mut config = ServerConfig {
            tls: Some(ServerTls {
                cert: cert.cert.pem().into_bytes(),
                key: cert.signing_key.serialize_pem().into_bytes(),
                client_roots: Some(Vec::new()),
            }),
            ..ServerConfig::default()
        };
        assert!(matches!(config.builder(), Err(CommError::NoClientRoots)));
        config.tls.as_mut().unwrap().client_roots = Some(cert.cert.pem().into_bytes());
        assert!(config.builder().is_ok());
    }

    #[tokio::test]
    async fn accepted_sockets_have_nodelay() {
        use tokio_stream::StreamExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut incoming = ServerConfig::default().incoming(listener);
        let client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let accepted = incoming.next().await.unwrap().unwrap();
        assert!(accepted.nodelay().unwrap());
        drop(client);
    }

    #[tokio::test]
    async fn a_server_that_does_not_drain_is_let_go_at_the_deadline() {
        let (handle, stop) = super::super::stop_channel();
        let never = std::future::pending::<Result<(), tonic::transport::Error>>();
        handle.stop();
        let started = std::time::Instant::now();
        serve_with_drain("test", never, stop, Duration::from_millis(50))
            .await
            .unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
