//! Running a chaincode against a peer: [`start`] reads what Fabric's Go shim reads
//! (CORE_CHAINCODE_ID_NAME, `--peer.address` / CORE_PEER_ADDRESS, CORE_PEER_TLS_ENABLED with
//! CORE_TLS_CLIENT_KEY_PATH, CORE_TLS_CLIENT_CERT_PATH, CORE_PEER_TLS_ROOTCERT_FILE, and the
//! CORE_CHAINCODE_LOGGING_* levels), dials the peer's `ChaincodeSupport.Register` and serves
//! the stream until it ends.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use tokio::sync::mpsc;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

use crate::error::StartError;
use crate::handler::{chat, register_message, Handler, OUTBOUND_QUEUE};
use crate::proto::protos::chaincode_support_client::ChaincodeSupportClient;
use crate::Chaincode;

/// Largest message either side accepts (Fabric's 100 MiB).
pub(crate) const MAX_MESSAGE_SIZE: usize = 100 * 1024 * 1024;

/// TLS material of the chaincode's client connection (PEM).
#[derive(Clone, Debug)]
pub struct ClientTls {
    pub key_pem: Vec<u8>,
    pub cert_pem: Vec<u8>,
    pub root_cert_pem: Vec<u8>,
    /// The name the peer's certificate is checked against (default: the address's host).
    pub server_name: Option<String>,
}

/// Where and as whom the chaincode registers.
#[derive(Clone, Debug)]
pub struct PeerConfig {
    /// `name:version` (CORE_CHAINCODE_ID_NAME).
    pub chaincode_id: String,
    /// `host:port` of the peer's chaincode listener.
    pub peer_address: String,
    pub tls: Option<ClientTls>,
}

impl PeerConfig {
    /// The configuration of this process: its environment and `--peer.address`.
    pub fn from_env() -> Result<Self, StartError> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        Self::from_sources(|name| std::env::var(name).ok(), &args)
    }

    /// The configuration from `env` (a variable lookup) and command-line `args`.
    pub fn from_sources(
        env: impl Fn(&str) -> Option<String>,
        args: &[String],
    ) -> Result<Self, StartError> {
        let chaincode_id = env("CORE_CHAINCODE_ID_NAME")
            .filter(|s| !s.is_empty())
            .ok_or(StartError::NoChaincodeId)?;
        let peer_address = flag(args, "peer.address")
            .or_else(|| env("CORE_PEER_ADDRESS"))
            .filter(|s| !s.is_empty())
            .ok_or(StartError::NoPeerAddress)?;
        let tls_enabled = env("CORE_PEER_TLS_ENABLED")
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "t"));
        let tls = if tls_enabled {
            let key_path = env("CORE_TLS_CLIENT_KEY_PATH").unwrap_or_default();
            let cert_path = env("CORE_TLS_CLIENT_CERT_PATH").unwrap_or_default();
            let root_path = env("CORE_PEER_TLS_ROOTCERT_FILE").unwrap_or_default();
            Some(ClientTls {
                key_pem: pem_or_base64(&key_path, "private key")?,
                cert_pem: pem_or_base64(&cert_path, "public key")?,
                root_cert_pem: read(&root_path)?,
                server_name: env("CORE_PEER_TLS_SERVERHOSTOVERRIDE").filter(|s| !s.is_empty()),
            })
        } else {
            None
        };
        Ok(PeerConfig {
            chaincode_id,
            peer_address,
            tls,
        })
    }
}

/// The value of `--name value` or `--name=value` (also with one dash, as Go's flag package).
fn flag(args: &[String], name: &str) -> Option<String> {
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let Some(rest) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            continue;
        };
        if rest == name {
            return iter.next().cloned();
        }
        if let Some(value) = rest.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            return Some(value.to_string());
        }
    }
    None
}

pub(crate) fn read(path: &str) -> Result<Vec<u8>, StartError> {
    std::fs::read(path).map_err(|source| StartError::ReadFile {
        path: path.to_string(),
        source,
    })
}

/// A key or certificate file as Fabric's peer writes it for the shim (base64 of the PEM),
/// or PEM as is.
fn pem_or_base64(path: &str, what: &'static str) -> Result<Vec<u8>, StartError> {
    let data = read(path)?;
    if data.starts_with(b"-----BEGIN") {
        return Ok(data);
    }
    let text: Vec<u8> = data
        .into_iter()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|source| StartError::Base64 {
            what,
            path: path.to_string(),
            source,
        })
}

/// Sets up logging from CORE_CHAINCODE_LOGGING_LEVEL (the chaincode's) and
/// CORE_CHAINCODE_LOGGING_SHIM (the shim's own), Fabric's level names, on stderr. Does
/// nothing when the process already installed a subscriber.
pub fn setup_logging() {
    let level = |var: &str| {
        let value = std::env::var(var).unwrap_or_default().to_ascii_lowercase();
        match value.as_str() {
            "debug" => "debug",
            "warning" | "warn" => "warn",
            "error" | "critical" | "panic" | "fatal" => "error",
            _ => "info",
        }
    };
    let filter = format!(
        "{},fabric_shim={}",
        level("CORE_CHAINCODE_LOGGING_LEVEL"),
        level("CORE_CHAINCODE_LOGGING_SHIM")
    );
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs `chaincode` for the peer this process was started for (Go's `shim.Start`): sets up
/// logging, reads [`PeerConfig::from_env`], and serves the stream on a runtime of its own
/// until the peer ends it. Blocks; returns why the stream ended.
pub fn start(chaincode: impl Chaincode) -> Result<(), StartError> {
    setup_logging();
    let config = PeerConfig::from_env()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(StartError::Runtime)?;
    runtime.block_on(run(config, Arc::new(chaincode)))
}

/// Runs `chaincode` the way this process was started: as a chaincode-as-a-service server
/// when CHAINCODE_SERVER_ADDRESS is set ([`crate::ChaincodeServer::from_env`]), else
/// dialling the peer ([`start`]). What the samples' `main` calls.
pub fn start_or_serve(chaincode: impl Chaincode) -> Result<(), StartError> {
    match crate::ChaincodeServer::from_env()? {
        Some(server) => server.start(chaincode),
        None => start(chaincode),
    }
}

/// Dials the peer, registers and serves the stream until it ends (for callers that have a
/// runtime).
pub async fn run(config: PeerConfig, chaincode: Arc<dyn Chaincode>) -> Result<(), StartError> {
    let address = config.peer_address.clone();
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let mut endpoint = Endpoint::from_shared(format!("{scheme}://{address}"))
        .map_err(|source| StartError::Address {
            address: address.clone(),
            source,
        })?
        .connect_timeout(Duration::from_secs(3))
        .http2_keep_alive_interval(Duration::from_secs(60))
        .keep_alive_timeout(Duration::from_secs(20))
        .tcp_nodelay(true);
    if let Some(tls) = &config.tls {
        let mut tls_config = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&tls.root_cert_pem))
            .identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem));
        if let Some(name) = &tls.server_name {
            tls_config = tls_config.domain_name(name.clone());
        }
        endpoint = endpoint
            .tls_config(tls_config)
            .map_err(|source| StartError::Address {
                address: address.clone(),
                source,
            })?;
    }
    let channel = endpoint
        .connect()
        .await
        .map_err(|source| StartError::Connect {
            address: address.clone(),
            source,
        })?;
    let mut client = ChaincodeSupportClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let (tx, rx) = mpsc::channel(OUTBOUND_QUEUE);
    tx.send(register_message(&config.chaincode_id))
        .await
        .map_err(|_| crate::error::StreamError::Send)?;
    tracing::debug!("Registering.. sending REGISTER as {}", config.chaincode_id);
    let inbound = client
        .register(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .map_err(|source| StartError::Register { address, source })?
        .into_inner();
    chat(Arc::new(Handler::new(tx)), inbound, chaincode).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)], args: &[&str]) -> Result<PeerConfig, StartError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        PeerConfig::from_sources(|k| vars.get(k).cloned(), &args)
    }

    #[test]
    fn flag_takes_precedence_over_environment_and_both_forms_parse() {
        let c = config(
            &[
                ("CORE_CHAINCODE_ID_NAME", "mycc:1.0"),
                ("CORE_PEER_ADDRESS", "env:1"),
            ],
            &["--peer.address", "127.0.0.1:7052"],
        )
        .unwrap();
        assert_eq!(
            (c.chaincode_id.as_str(), c.peer_address.as_str()),
            ("mycc:1.0", "127.0.0.1:7052")
        );
        assert!(c.tls.is_none());
        let c = config(&[("CORE_CHAINCODE_ID_NAME", "a:1")], &["-peer.address=h:2"]).unwrap();
        assert_eq!(c.peer_address, "h:2");
        let c = config(
            &[
                ("CORE_CHAINCODE_ID_NAME", "a:1"),
                ("CORE_PEER_ADDRESS", "env:1"),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(c.peer_address, "env:1");
    }

    #[test]
    fn missing_settings_name_what_to_set() {
        let e = config(&[], &["--peer.address", "h:1"]).unwrap_err();
        assert!(e.to_string().contains("CORE_CHAINCODE_ID_NAME"), "{e}");
        let e = config(&[("CORE_CHAINCODE_ID_NAME", "a:1")], &[]).unwrap_err();
        assert!(e.to_string().contains("--peer.address"), "{e}");
        let e = config(
            &[
                ("CORE_CHAINCODE_ID_NAME", "a:1"),
                ("CORE_PEER_TLS_ENABLED", "true"),
                ("CORE_TLS_CLIENT_KEY_PATH", "/nonexistent/key"),
            ],
            &["--peer.address", "h:1"],
        )
        .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/key"), "{e}");
    }

    #[test]
    fn tls_files_are_read_as_base64_or_pem() {
        let dir = std::env::temp_dir().join(format!("fabric-shim-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pem = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(pem);
        std::fs::write(dir.join("key"), &encoded).unwrap();
        std::fs::write(dir.join("cert"), pem).unwrap();
        std::fs::write(dir.join("root"), pem).unwrap();
        let path = |n: &str| dir.join(n).display().to_string();
        let (k, c, r) = (path("key"), path("cert"), path("root"));
        let cfg = config(
            &[
                ("CORE_CHAINCODE_ID_NAME", "a:1"),
                ("CORE_PEER_TLS_ENABLED", "true"),
                ("CORE_TLS_CLIENT_KEY_PATH", &k),
                ("CORE_TLS_CLIENT_CERT_PATH", &c),
                ("CORE_PEER_TLS_ROOTCERT_FILE", &r),
            ],
            &["--peer.address", "h:1"],
        )
        .unwrap();
        let tls = cfg.tls.unwrap();
        assert_eq!(tls.key_pem, pem.to_vec());
        assert_eq!(tls.cert_pem, pem.to_vec());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
