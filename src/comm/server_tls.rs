//! A TLS server as Fabric's peer listener is (`core/comm/server.go`): without mutual TLS a
//! client certificate is still requested, not verified (Go's `tls.RequestClientCert`), so
//! a service that binds to it can see it: gossip's handshake checks that the certificate
//! hash a remote peer claims is the one of the certificate it presented. With client roots
//! a certificate issued by one of them is required, as with tonic's own TLS.
//!
//! The TLS handshakes run here (rustls), each in its own task within
//! [`HANDSHAKE_TIMEOUT`], at most [`MAX_HANDSHAKES`] at a time; tonic serves the streams
//! and exposes the client certificate through `Request::peer_certs`.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::server::TlsStream;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use super::server::ServerConfig;
use super::CommError;

/// How long a client may take to complete the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// TLS handshakes in progress at once; further connections wait to be handshaken.
pub const MAX_HANDSHAKES: usize = 256;

/// Asks for a client certificate and takes any, checking only that the client holds its
/// key (the handshake signature).
#[derive(Debug)]
struct RequestClientCert(Arc<CryptoProvider>);

impl ClientCertVerifier for RequestClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn pem_certs(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    rustls_pemfile::certs(&mut &pem[..]).flatten().collect()
}

impl ServerConfig {
    /// The rustls configuration of this TLS server (None without TLS).
    pub fn rustls_config(&self) -> Result<Option<Arc<rustls::ServerConfig>>, CommError> {
        let Some(tls) = &self.tls else {
            return Ok(None);
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn ClientCertVerifier> = match &tls.client_roots {
            None => Arc::new(RequestClientCert(provider.clone())),
            Some(roots) => {
                let mut store = RootCertStore::empty();
                for cert in pem_certs(roots) {
                    store
                        .add(cert)
                        .map_err(|e| CommError::Rustls(e.to_string()))?;
                }
                if store.is_empty() {
                    return Err(CommError::NoClientRoots);
                }
                WebPkiClientVerifier::builder_with_provider(Arc::new(store), provider.clone())
                    .build()
                    .map_err(|e| CommError::Rustls(e.to_string()))?
            }
        };
        let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut tls.key.as_slice())
            .ok()
            .flatten()
            .ok_or_else(|| CommError::Rustls("no PEM private key".into()))?;
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| CommError::Rustls(e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(pem_certs(&tls.cert), key)
            .map_err(|e| CommError::Rustls(e.to_string()))?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Some(Arc::new(config)))
    }

    /// The connections of `listener` after their TLS handshake with `config`; failed
    /// handshakes are logged at debug level and dropped. Ends when the consumer drops it.
    pub fn tls_incoming(
        &self,
        listener: TcpListener,
        config: Arc<rustls::ServerConfig>,
    ) -> ReceiverStream<Result<TlsStream<TcpStream>, std::io::Error>> {
        let (tx, rx) = mpsc::channel(MAX_HANDSHAKES);
        let mut incoming = self.incoming(listener);
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = tx.closed() => return,
                    accepted = incoming.next() => accepted,
                };
                let tcp = match accepted {
                    Some(Ok(tcp)) => tcp,
                    Some(Err(e)) => {
                        tracing::debug!(target: "comm.grpc.server", "accept failed: {e}");
                        continue;
                    }
                    None => return,
                };
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let peer = tcp.peer_addr().map(|a| a.to_string()).unwrap_or_default();
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            drop(slot);
                            let _ = tx.send(Ok(tls)).await;
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(target: "comm.grpc.server", "TLS handshake failed with {peer}: {e}")
                        }
                        Err(_) => {
                            tracing::debug!(target: "comm.grpc.server", "TLS handshake with {peer} timed out")
                        }
                    }
                });
            }
        });
        ReceiverStream::new(rx)
    }
}

#[cfg(test)]
mod tests {
    use super::super::server::ServerTls;
    use super::*;
    use rustls::pki_types::ServerName;

    struct Pair {
        cert: String,
        key: String,
    }

    fn pair(name: &str) -> Pair {
        let c = rcgen::generate_simple_self_signed(vec![name.into()]).unwrap();
        Pair {
            cert: c.cert.pem(),
            key: c.signing_key.serialize_pem(),
        }
    }

    fn server(p: &Pair, client_roots: Option<Vec<u8>>) -> ServerConfig {
        ServerConfig {
            tls: Some(ServerTls {
                cert: p.cert.clone().into_bytes(),
                key: p.key.clone().into_bytes(),
                client_roots,
            }),
            ..ServerConfig::default()
        }
    }

    /// Connects to `addr` trusting `server`, presenting `client` if given; the client
    /// certificates the server saw, or None when the handshake failed.
    async fn connect(
        incoming: &mut ReceiverStream<Result<TlsStream<TcpStream>, std::io::Error>>,
        addr: std::net::SocketAddr,
        server: &Pair,
        client: Option<&Pair>,
    ) -> Option<usize> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(pem_certs(server.cert.as_bytes()));
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let config = match client {
            Some(c) => builder
                .with_client_auth_cert(
                    pem_certs(c.cert.as_bytes()),
                    rustls_pemfile::private_key(&mut c.key.as_bytes())
                        .unwrap()
                        .unwrap(),
                )
                .unwrap(),
            None => builder.with_no_client_auth(),
        };
        let tcp = TcpStream::connect(addr).await.unwrap();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let name = ServerName::try_from("localhost").unwrap();
        let client_side = tokio::spawn(async move {
            let mut tls = connector.connect(name, tcp).await.ok()?;
            // TLS 1.3: the server's verdict on our certificate arrives with its first read
            use tokio::io::AsyncReadExt;
            let mut buf = [0u8; 1];
            let _ = tokio::time::timeout(Duration::from_millis(200), tls.read(&mut buf)).await;
            Some(tls)
        });
        let accepted = tokio::time::timeout(Duration::from_secs(2), incoming.next()).await;
        let _ = client_side.await;
        match accepted {
            Ok(Some(Ok(tls))) => Some(tls.get_ref().1.peer_certificates().map_or(0, |c| c.len())),
            _ => None,
        }
    }

    #[tokio::test]
    async fn client_certificates_are_requested_and_required_only_with_roots() {
        assert!(ServerConfig::plaintext().rustls_config().unwrap().is_none());
        let (s, c) = (pair("localhost"), pair("client"));
        let open = server(&s, None);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut incoming = open.tls_incoming(listener, open.rustls_config().unwrap().unwrap());
        assert_eq!(connect(&mut incoming, addr, &s, None).await, Some(0));
        // any certificate is taken, and seen
        assert_eq!(connect(&mut incoming, addr, &s, Some(&c)).await, Some(1));

        let mutual = server(&s, Some(c.cert.clone().into_bytes()));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut incoming = mutual.tls_incoming(listener, mutual.rustls_config().unwrap().unwrap());
        assert_eq!(connect(&mut incoming, addr, &s, Some(&c)).await, Some(1));
        assert_eq!(connect(&mut incoming, addr, &s, None).await, None);
        let stranger = pair("stranger");
        assert_eq!(
            connect(&mut incoming, addr, &s, Some(&stranger)).await,
            None
        );
        assert!(matches!(
            server(&s, Some(Vec::new())).rustls_config(),
            Err(CommError::NoClientRoots)
        ));
    }
}
