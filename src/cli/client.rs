//! gRPC connections from the CLI to a peer and to an orderer, with Fabric's settings:
//! the peer from core.yaml (`peer.address`, `peer.tls.*`, `peer.client.connTimeout`),
//! overridable per command by `--peerAddresses`/`--tlsRootCertFiles`; the orderer from the
//! `-o`, `--tls`, `--cafile`, `--clientauth`, `--certfile`, `--keyfile`,
//! `--ordererTLSHostnameOverride` and `--connTimeout` flags.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tonic::transport::{Channel, Endpoint};

use super::common::OrdererFlags;
use super::error::{CliError, NodeKind};
use crate::comm::{ClientConfig, ClientTls, CommError};
use crate::config::{ConfigSource, CoreConfig};

/// Fabric's connection timeout when none is configured.
pub const DEFAULT_CONN_TIMEOUT: Duration = Duration::from_secs(3);

/// TLS settings of one client connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM file with the CA certificates that sign the server's TLS certificate.
    pub root_cert_file: Option<PathBuf>,
    /// Our client certificate and key (PEM files) for mutual TLS.
    pub client_cert_and_key: Option<(PathBuf, PathBuf)>,
    /// Host name to verify the server certificate against, instead of the address's host.
    pub server_name_override: Option<String>,
}

/// How to reach one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// Which kind of node this is, for messages.
    pub kind: NodeKind,
    /// host:port.
    pub address: String,
    /// TLS, when enabled.
    pub tls: Option<TlsSettings>,
    /// How long to wait for the connection.
    pub conn_timeout: Duration,
}

/// The peer connection settings of core.yaml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerClientSettings {
    /// `peer.address`.
    pub address: String,
    /// `peer.tls.enabled`.
    pub tls_enabled: bool,
    /// `peer.tls.rootcert.file`.
    pub root_cert_file: Option<PathBuf>,
    /// `peer.tls.clientAuthRequired` with `peer.tls.clientCert.file`/`clientKey.file`.
    pub client_cert_and_key: Option<(PathBuf, PathBuf)>,
    /// `peer.tls.serverhostoverride`.
    pub server_name_override: Option<String>,
    /// `peer.client.connTimeout` (3s when unset).
    pub conn_timeout: Duration,
}

fn non_empty(s: String) -> Option<String> {
    Some(s).filter(|s| !s.is_empty())
}

fn timeout_or_default(d: Duration) -> Duration {
    if d.is_zero() {
        DEFAULT_CONN_TIMEOUT
    } else {
        d
    }
}

impl PeerClientSettings {
    /// Reads the peer client keys from core.yaml (Fabric's `configFromEnv("peer")`).
    pub fn from_config(source: &ConfigSource, config: &CoreConfig) -> Result<Self, CliError> {
        let tls = &config.peer.tls;
        let client_cert_and_key = if tls.client_auth_required {
            match (&tls.client_cert_file, &tls.client_key_file) {
                (Some(c), Some(k)) if !c.is_empty() && !k.is_empty() => {
                    Some((config.resolve_path(c), config.resolve_path(k)))
                }
                _ => {
                    return Err(CliError::Config(
                        "peer.tls.clientAuthRequired is true but peer.tls.clientCert.file or \
                         peer.tls.clientKey.file is not set"
                            .into(),
                    ))
                }
            }
        } else {
            None
        };
        let server_name_override = source
            .get_string("peer.tls.serverhostoverride")
            .map_err(|e| CliError::Config(e.to_string()))?
            .and_then(non_empty);
        let root_cert_file = Some(tls.rootcert_file.as_str())
            .filter(|f| !f.is_empty())
            .map(|f| config.resolve_path(f));
        Ok(Self {
            address: config.peer.address.clone(),
            tls_enabled: tls.enabled,
            root_cert_file,
            client_cert_and_key,
            server_name_override,
            conn_timeout: timeout_or_default(config.peer.client_conn_timeout),
        })
    }

    /// Settings for the configured peer, or for `address` (with its own TLS root file) when
    /// the command names peers with --peerAddresses.
    pub fn client(&self, address: Option<&str>, root_cert: Option<&Path>) -> ClientSettings {
        let tls = self.tls_enabled.then(|| TlsSettings {
            root_cert_file: match address {
                Some(_) => root_cert.map(Path::to_path_buf),
                None => self.root_cert_file.clone(),
            },
            client_cert_and_key: self.client_cert_and_key.clone(),
            server_name_override: self.server_name_override.clone(),
        });
        ClientSettings {
            kind: NodeKind::Peer,
            address: address.unwrap_or(&self.address).to_string(),
            tls,
            conn_timeout: self.conn_timeout,
        }
    }
}

impl OrdererFlags {
    /// Connection settings for the orderer named by `-o`.
    pub fn client(&self) -> Result<ClientSettings, CliError> {
        let address = super::common::require(&self.orderer, "-o/--orderer", "the orderer address")?;
        let client_cert_and_key = if self.clientauth {
            match (&self.certfile, &self.keyfile) {
                (Some(c), Some(k)) => Some((c.clone(), k.clone())),
                _ => {
                    return Err(CliError::usage(
                        "--clientauth needs both --certfile and --keyfile",
                    ))
                }
            }
        } else {
            None
        };
        let tls = self.tls.then(|| TlsSettings {
            root_cert_file: self.cafile.clone(),
            client_cert_and_key,
            server_name_override: self.orderer_tls_hostname_override.clone(),
        });
        Ok(ClientSettings {
            kind: NodeKind::Orderer,
            address: address.to_string(),
            tls,
            conn_timeout: timeout_or_default(self.conn_timeout.to_std()),
        })
    }
}

/// A short lower-case reason for an I/O error ("connection refused", "no such file").
pub fn describe_io(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "no such file or directory".into(),
        PermissionDenied => "permission denied".into(),
        ConnectionRefused => "connection refused".into(),
        ConnectionReset => "connection reset".into(),
        TimedOut => "timed out".into(),
        AddrNotAvailable => "address not available".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_lowercase(),
                None => text,
            }
        }
    }
}

fn read_pem(path: &Path, what: &'static str) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::ReadFile {
        what,
        path: path.to_path_buf(),
        reason: describe_io(&e),
    })
}

fn client_tls(tls: &TlsSettings) -> Result<ClientTls, CliError> {
    let roots = match &tls.root_cert_file {
        Some(root) => read_pem(root, "the TLS root certificate file")?,
        None => Vec::new(),
    };
    let identity = match &tls.client_cert_and_key {
        Some((cert, key)) => Some((
            read_pem(cert, "the TLS client certificate file")?,
            read_pem(key, "the TLS client key file")?,
        )),
        None => None,
    };
    Ok(ClientTls {
        roots,
        identity,
        server_name_override: tls.server_name_override.clone(),
    })
}

/// The longest a CLI request waits for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

fn endpoint(settings: &ClientSettings) -> Result<Endpoint, CliError> {
    let bad = |reason: String| CliError::Endpoint {
        kind: settings.kind,
        address: settings.address.clone(),
        reason,
    };
    let config = ClientConfig {
        tls: settings.tls.as_ref().map(client_tls).transpose()?,
        connect_timeout: settings.conn_timeout,
        request_timeout: Some(REQUEST_TIMEOUT),
        keepalive: None,
    };
    config.endpoint(&settings.address).map_err(|e| match e {
        CommError::Address(_) => bad("the address must be host:port".into()),
        other => bad(other.to_string()),
    })
}

/// The most specific reason in an error chain: the I/O error if there is one.
fn root_reason(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut last = err.to_string();
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return describe_io(io);
        }
        last = e.to_string();
        current = e.source();
    }
    if last.contains("timed out") || last.contains("elapsed") {
        return "timed out".into();
    }
    last
}

/// Opens a gRPC channel, waiting at most the connection timeout.
pub async fn connect(settings: &ClientSettings) -> Result<Channel, CliError> {
    let ep = endpoint(settings)?;
    ep.connect().await.map_err(|e| CliError::Unreachable {
        kind: settings.kind,
        address: settings.address.clone(),
        reason: root_reason(&e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed_port() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        drop(listener);
        addr
    }

    fn plain(kind: NodeKind, address: &str) -> ClientSettings {
        ClientSettings {
            kind,
            address: address.into(),
            tls: None,
            conn_timeout: Duration::from_secs(3),
        }
    }

    #[tokio::test]
    async fn closed_port_gives_one_clear_line() {
        let addr = closed_port();
        let err = connect(&plain(NodeKind::Peer, &addr)).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot reach the peer at {addr}: connection refused \
                 (is `peer node start` running there?)"
            )
        );
        let err = connect(&plain(NodeKind::Orderer, &addr)).await.unwrap_err();
        assert!(err.to_string().starts_with("cannot reach the orderer at"));
    }

    #[tokio::test]
    async fn open_port_connects() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let accept = tokio::spawn(async move { listener.accept().await.map(|_| ()) });
        connect(&plain(NodeKind::Peer, &addr)).await.unwrap();
        accept.await.unwrap().unwrap();
    }

    #[test]
    fn orderer_flags_need_an_address_and_both_client_files() {
        let flags = OrdererFlags::default();
        assert!(flags
            .client()
            .unwrap_err()
            .to_string()
            .contains("-o/--orderer"));
        let flags = OrdererFlags {
            orderer: Some("127.0.0.1:7050".into()),
            tls: true,
            clientauth: true,
            certfile: Some("c.pem".into()),
            ..OrdererFlags::default()
        };
        assert!(flags
            .client()
            .unwrap_err()
            .to_string()
            .contains("--keyfile"));
    }

    #[tokio::test]
    async fn missing_tls_root_file_is_named() {
        let mut s = plain(NodeKind::Orderer, "127.0.0.1:7050");
        s.tls = Some(TlsSettings {
            root_cert_file: Some("/no/such/ca.pem".into()),
            ..TlsSettings::default()
        });
        let err = connect(&s).await.unwrap_err().to_string();
        assert!(
            err.contains("/no/such/ca.pem") && err.contains("no such file"),
            "{err}"
        );
    }
}
