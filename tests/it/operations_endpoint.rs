//! The operations endpoint as a client sees it, on loopback: a slowloris connection does
//! not hold it, TLS serves /healthz and /version to anyone and /logspec and /metrics only to
//! a client with a verified certificate (Fabric's `middleware.RequireCert`), and with
//! client auth required the handshake refuses a client without a certificate our roots
//! verify. The endpoint runs in this process (its limits shortened to keep the test fast);
//! certificates come from rcgen.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fabric::flogging::{Logging, LoggingConfig};
use fabric::operations::metrics::Metrics;
use fabric::operations::{Limits, OperationsOptions, OperationsSystem, TlsOptions};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

const SHORT: Duration = Duration::from_secs(1);

/// A running endpoint; stopped when dropped.
struct Endpoint {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn start(tls: Option<TlsOptions>) -> Endpoint {
    let mut options = OperationsOptions::new("127.0.0.1:0", "prometheus");
    options.tls = tls;
    options.limits = Limits {
        header_read_timeout: SHORT,
        request_timeout: SHORT,
        connection_timeout: Duration::from_secs(5),
        max_connections: 8,
    };
    let logging = Logging::new(
        &LoggingConfig::from_lookup(|_| None),
        Box::new(std::io::sink()),
    )
    .unwrap();
    let system = OperationsSystem::bind(options, Some(logging), Metrics::new())
        .await
        .unwrap();
    let addr = system.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel();
    tokio::spawn(system.serve(async {
        let _ = stopped.await;
    }));
    Endpoint {
        addr,
        stop: Some(stop),
    }
}

/// Sends one request and reads the answer to the end: (status, whole answer).
async fn request<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, path: &str) -> (u16, String) {
    let head = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    // A TLS peer may close without close_notify after the answer: keep what was read.
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk)).await {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&chunk[..n]);
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let code = answer.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (code, answer)
}

async fn plain(addr: SocketAddr, path: &str) -> (u16, String) {
    request(TcpStream::connect(addr).await.unwrap(), path).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_connection_does_not_hold_the_endpoint() {
    let endpoint = start(None).await;
    let mut stalled = TcpStream::connect(endpoint.addr).await.unwrap();
    stalled
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: local")
        .await
        .unwrap();
    // Another client is served at once while the first one stalls.
    let began = Instant::now();
    let (code, answer) = plain(endpoint.addr, "/healthz").await;
    assert_eq!(code, 200, "{answer}");
    assert!(answer.contains("\"status\":\"OK\""), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("x-request-id: "));
    assert!(
        began.elapsed() < SHORT,
        "served after {:?}",
        began.elapsed()
    );
    // The stalled connection is dropped once the header-read timeout passes.
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(SHORT * 4, stalled.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the stalled connection was still open");
    assert!(!String::from_utf8_lossy(&rest).contains(" 200 "));
    // Many stalled clients at once (more than the connection bound) do not hold it either.
    let mut stalled = Vec::new();
    for _ in 0..12 {
        let mut s = TcpStream::connect(endpoint.addr).await.unwrap();
        s.write_all(b"GET /version HTTP/1.1\r\n").await.unwrap();
        stalled.push(s);
    }
    let began = Instant::now();
    let (code, answer) = plain(endpoint.addr, "/version").await;
    assert_eq!(code, 200, "{answer}");
    assert!(
        began.elapsed() < SHORT * 4,
        "served after {:?}",
        began.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_body_that_stalls_is_cut_off() {
    let endpoint = start(None).await;
    let mut s = TcpStream::connect(endpoint.addr).await.unwrap();
    s.write_all(b"PUT /logspec HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"spec\"")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(SHORT * 4, s.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection was still open");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
}

/// A CA and certificates it issues, written as PEM files.
struct Pki {
    dir: tempfile::TempDir,
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl Pki {
    fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("ca.{name}"));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let pki = Pki {
            dir: tempfile::tempdir().unwrap(),
            ca,
        };
        std::fs::write(pki.path("ca.pem"), pki.ca.pem()).unwrap();
        pki
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// Issues a certificate for `names`; writes `<file>.pem` and `<file>.key`.
    fn issue(&self, file: &str, names: &[&str]) -> (PathBuf, PathBuf) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &self.ca)
            .unwrap();
        let (cert_file, key_file) = (
            self.path(&format!("{file}.pem")),
            self.path(&format!("{file}.key")),
        );
        std::fs::write(&cert_file, cert.pem()).unwrap();
        std::fs::write(&key_file, key.serialize_pem()).unwrap();
        (cert_file, key_file)
    }
}

fn pem_certs(path: &Path) -> Vec<CertificateDer<'static>> {
    let pem = std::fs::read(path).unwrap();
    rustls_pemfile::certs(&mut pem.as_slice())
        .map(Result::unwrap)
        .collect()
}

fn pem_key(path: &Path) -> PrivateKeyDer<'static> {
    let pem = std::fs::read(path).unwrap();
    rustls_pemfile::private_key(&mut pem.as_slice())
        .unwrap()
        .unwrap()
}

/// A TLS connection trusting `server_ca`, presenting `client` (certificate, key) if given.
async fn tls_connect(
    addr: SocketAddr,
    server_ca: &Path,
    client: Option<&(PathBuf, PathBuf)>,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in pem_certs(server_ca) {
        roots.add(cert).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        Some((cert, key)) => builder
            .with_client_auth_cert(pem_certs(cert), pem_key(key))
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await?;
    // TLS 1.3 reports a refused client certificate after the handshake: one round trip
    // makes it show here.
    tls.write_all(b"").await?;
    Ok(tls)
}

/// (status) of GET `path` over TLS, or `None` when the connection was refused.
async fn tls_get(
    addr: SocketAddr,
    server_ca: &Path,
    client: Option<&(PathBuf, PathBuf)>,
    path: &str,
) -> Option<u16> {
    let stream = tls_connect(addr, server_ca, client).await.ok()?;
    match request(stream, path).await {
        (0, _) => None,
        (code, _) => Some(code),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_tls_logspec_and_metrics_need_a_verified_client_certificate() {
    let servers = Pki::new("server");
    let clients = Pki::new("client");
    let strangers = Pki::new("stranger");
    let (cert_file, key_file) = servers.issue("server", &["localhost", "127.0.0.1"]);
    let client = clients.issue("client", &["client"]);
    let stranger = strangers.issue("stranger", &["stranger"]);
    let endpoint = start(Some(TlsOptions {
        cert_file,
        key_file,
        client_auth_required: false,
        client_root_cas: vec![clients.path("ca.pem")],
    }))
    .await;
    let (addr, ca) = (endpoint.addr, servers.path("ca.pem"));
    assert_eq!(tls_get(addr, &ca, None, "/healthz").await, Some(200));
    assert_eq!(tls_get(addr, &ca, None, "/version").await, Some(200));
    assert_eq!(tls_get(addr, &ca, None, "/metrics").await, Some(401));
    assert_eq!(tls_get(addr, &ca, None, "/logspec").await, Some(401));
    assert_eq!(
        tls_get(addr, &ca, Some(&client), "/metrics").await,
        Some(200)
    );
    assert_eq!(
        tls_get(addr, &ca, Some(&client), "/logspec").await,
        Some(200)
    );
    assert_eq!(
        tls_get(addr, &ca, Some(&client), "/nothing").await,
        Some(404)
    );
    // A certificate our roots do not verify is refused, as Go's VerifyClientCertIfGiven.
    assert_eq!(tls_get(addr, &ca, Some(&stranger), "/healthz").await, None);
    // Plain HTTP to the TLS port gets no answer.
    assert_ne!(plain(addr, "/healthz").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_client_auth_required_the_handshake_needs_a_trusted_certificate() {
    let servers = Pki::new("server");
    let clients = Pki::new("client");
    let strangers = Pki::new("stranger");
    let (cert_file, key_file) = servers.issue("server", &["localhost"]);
    let client = clients.issue("client", &["client"]);
    let stranger = strangers.issue("stranger", &["stranger"]);
    let endpoint = start(Some(TlsOptions {
        cert_file,
        key_file,
        client_auth_required: true,
        client_root_cas: vec![clients.path("ca.pem")],
    }))
    .await;
    let (addr, ca) = (endpoint.addr, servers.path("ca.pem"));
    assert_eq!(tls_get(addr, &ca, None, "/healthz").await, None);
    assert_eq!(tls_get(addr, &ca, Some(&stranger), "/healthz").await, None);
    assert_eq!(
        tls_get(addr, &ca, Some(&client), "/healthz").await,
        Some(200)
    );
    assert_eq!(
        tls_get(addr, &ca, Some(&client), "/metrics").await,
        Some(200)
    );
}

#[tokio::test]
async fn client_auth_without_roots_or_a_missing_key_is_a_clear_error() {
    let servers = Pki::new("server");
    let (cert_file, key_file) = servers.issue("server", &["localhost"]);
    let bind = |tls: TlsOptions| async move {
        let mut options = OperationsOptions::new("127.0.0.1:0", "prometheus");
        options.tls = Some(tls);
        OperationsSystem::bind(options, None, Metrics::new())
            .await
            .err()
            .map(|e| e.to_string())
    };
    let no_roots = bind(TlsOptions {
        cert_file: cert_file.clone(),
        key_file: key_file.clone(),
        client_auth_required: true,
        client_root_cas: vec![],
    })
    .await
    .unwrap();
    assert!(no_roots.contains("no client root CA"), "{no_roots}");
    let missing = bind(TlsOptions {
        cert_file,
        key_file: servers.path("absent.key"),
        client_auth_required: false,
        client_root_cas: vec![],
    })
    .await
    .unwrap();
    assert!(missing.contains("absent.key"), "{missing}");
}
