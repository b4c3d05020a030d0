//! Dialing a remote peer's `Gossip` service. With TLS we run the TLS handshake ourselves
//! (rustls under tonic's connector) so the server certificate seen on the connection is
//! known: the handshake checks its hash against the one the remote peer claims. The root
//! CAs are the configured ones plus, when given, those of every channel's organizations
//! at the time of the dial (Fabric's gossip credentials are refreshed the same way).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tonic::transport::{Channel, Endpoint, Uri};

use super::handshake::cert_hash;
use super::{CommConfig, CommError};
use crate::comm::client::TCP_KEEPALIVE;
use crate::comm::{host_of, ClientTls, MAX_MESSAGE_SIZE};
use crate::protos::gossip::gossip_client::GossipClient;

/// More TLS root CAs, read at each dial (the organizations of the channels joined).
pub trait TlsRootsSource: Send + Sync {
    /// PEM certificates.
    fn tls_roots(&self) -> Vec<Vec<u8>>;
}

/// Gossip's TLS material.
#[derive(Clone)]
pub struct CommTls {
    /// Root CAs and our client certificate and key (PEM), presented when we dial.
    pub client: ClientTls,
    /// SHA-256 of our client certificate (DER), sent in the ConnEstablish we dial with.
    pub client_cert_hash: Vec<u8>,
    /// SHA-256 of our server certificate (DER), sent in the ConnEstablish we answer with.
    pub server_cert_hash: Vec<u8>,
    /// Roots added at each dial.
    pub more_roots: Option<Arc<dyn TlsRootsSource>>,
}

impl std::fmt::Debug for CommTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommTls")
            .field("client_cert_hash", &hex::encode(&self.client_cert_hash))
            .field("server_cert_hash", &hex::encode(&self.server_cert_hash))
            .finish_non_exhaustive()
    }
}

/// Why TLS material was refused.
#[derive(Debug, thiserror::Error)]
pub enum TlsMaterialError {
    #[error("no PEM certificate in the {0}")]
    NoCertificate(&'static str),
    #[error("no PEM private key in the TLS client key")]
    NoKey,
    #[error("bad TLS client certificate or key: {0}")]
    Rustls(#[source] rustls::Error),
}

fn first_der(pem: &[u8], what: &'static str) -> Result<CertificateDer<'static>, TlsMaterialError> {
    rustls_pemfile::certs(&mut &pem[..])
        .find_map(Result::ok)
        .ok_or(TlsMaterialError::NoCertificate(what))
}

impl CommTls {
    /// Gossip TLS from PEM: our server certificate, our client certificate and key (Fabric
    /// uses `peer.tls.clientCert`/`clientKey` when set, else the server pair) and roots.
    pub fn new(
        server_cert: &[u8],
        client_cert: Vec<u8>,
        client_key: Vec<u8>,
        roots: Vec<u8>,
    ) -> Result<Self, TlsMaterialError> {
        let server_cert_hash = cert_hash(&first_der(server_cert, "TLS server certificate")?);
        let client_cert_hash = cert_hash(&first_der(&client_cert, "TLS client certificate")?);
        let tls = CommTls {
            client: ClientTls {
                roots,
                identity: Some((client_cert, client_key)),
                server_name_override: None,
            },
            client_cert_hash,
            server_cert_hash,
            more_roots: None,
        };
        tls.rustls_config()?;
        Ok(tls)
    }

    /// The rustls client configuration for one dial.
    fn rustls_config(&self) -> Result<Arc<rustls::ClientConfig>, TlsMaterialError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        let extra = self
            .more_roots
            .as_ref()
            .map(|s| s.tls_roots())
            .unwrap_or_default();
        for pem in std::iter::once(&self.client.roots).chain(extra.iter()) {
            for cert in rustls_pemfile::certs(&mut pem.as_slice()).flatten() {
                let _ = roots.add(cert);
            }
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(TlsMaterialError::Rustls)?
            .with_root_certificates(roots);
        let mut config = match &self.client.identity {
            Some((cert, key)) => {
                let certs: Vec<_> = rustls_pemfile::certs(&mut cert.as_slice())
                    .flatten()
                    .collect();
                let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut key.as_slice())
                    .ok()
                    .flatten()
                    .ok_or(TlsMaterialError::NoKey)?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(TlsMaterialError::Rustls)?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Arc::new(config))
    }
}

/// tonic's connector for TLS dials: TCP, then rustls, remembering the server certificate.
#[derive(Clone)]
struct TlsConnector {
    config: Arc<rustls::ClientConfig>,
    server_name: ServerName<'static>,
    seen: Arc<Mutex<Option<Vec<u8>>>>,
}

type ConnectFuture =
    Pin<Box<dyn Future<Output = Result<TokioIo<TlsStream>, std::io::Error>> + Send>>;
type TlsStream = tokio_rustls::client::TlsStream<TcpStream>;

impl tower_service::Service<Uri> for TlsConnector {
    type Response = TokioIo<TlsStream>;
    type Error = std::io::Error;
    type Future = ConnectFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let authority = uri
                .authority()
                .map(|a| a.as_str().to_string())
                .unwrap_or_default();
            let tcp = TcpStream::connect(&authority).await?;
            tcp.set_nodelay(true)?;
            let tls = tokio_rustls::TlsConnector::from(this.config)
                .connect(this.server_name, tcp)
                .await?;
            let cert = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| cert_hash(c));
            *this.seen.lock().unwrap_or_else(|e| e.into_inner()) = cert;
            Ok(TokioIo::new(tls))
        })
    }
}

/// A connected client, and with TLS the hash of the server certificate seen.
pub(crate) struct Dialed {
    pub(crate) client: GossipClient<Channel>,
    pub(crate) server_cert_hash: Option<Vec<u8>>,
}

fn describe(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

/// Connects to `endpoint` within the dial timeout.
pub(crate) async fn dial(config: &CommConfig, endpoint: &str) -> Result<Dialed, CommError> {
    let (tls, dial_timeout) = (config.tls.as_ref(), config.dial_timeout);
    let connect_err = |reason: String| CommError::Connect {
        endpoint: endpoint.to_string(),
        reason,
    };
    if endpoint.is_empty() || !endpoint.contains(':') {
        return Err(connect_err("the endpoint is not host:port".into()));
    }
    let ep = Endpoint::from_shared(format!("http://{endpoint}"))
        .map_err(|e| connect_err(describe(&e)))?
        .connect_timeout(dial_timeout)
        .tcp_nodelay(true)
        .tcp_keepalive(Some(TCP_KEEPALIVE));
    let ep = match config.keepalive {
        Some(k) => ep
            .http2_keep_alive_interval(k.interval)
            .keep_alive_timeout(k.timeout)
            .keep_alive_while_idle(true),
        None => ep,
    };
    let (channel, seen) = match tls {
        None => {
            let channel = tokio::time::timeout(dial_timeout, ep.connect())
                .await
                .map_err(|_| connect_err(format!("no connection within {dial_timeout:?}")))?
                .map_err(|e| connect_err(describe(&e)))?;
            (channel, None)
        }
        Some(tls) => {
            let host = tls
                .client
                .server_name_override
                .clone()
                .unwrap_or_else(|| host_of(endpoint).to_string());
            let server_name = ServerName::try_from(host)
                .map_err(|e| connect_err(format!("bad server name: {e}")))?;
            let connector = TlsConnector {
                config: tls
                    .rustls_config()
                    .map_err(|e| connect_err(e.to_string()))?,
                server_name,
                seen: Arc::default(),
            };
            let seen = connector.seen.clone();
            let channel = tokio::time::timeout(dial_timeout, ep.connect_with_connector(connector))
                .await
                .map_err(|_| connect_err(format!("no connection within {dial_timeout:?}")))?
                .map_err(|e| connect_err(describe(&e)))?;
            let hash = seen.lock().unwrap_or_else(|e| e.into_inner()).take();
            (channel, Some(hash.unwrap_or_default()))
        }
    };
    let client = GossipClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    Ok(Dialed {
        client,
        server_cert_hash: seen,
    })
}
