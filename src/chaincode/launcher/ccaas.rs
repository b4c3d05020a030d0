//! Chaincode as a service (Fabric 2.x): a builder's `release` leaves
//! `chaincode/server/connection.json`; the peer dials `address` (TLS per the file), opens
//! `Chaincode.Connect` and serves the stream like a `Register` stream (the chaincode sends
//! REGISTER first).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;

use crate::chaincode::handler::{serve_stream, OUTBOUND_QUEUE};
use crate::chaincode::handler_registry::HandlerRegistry;
use crate::comm::{ClientConfig, ClientTls, CommError, MAX_MESSAGE_SIZE};
use crate::protos::peer::chaincode_client::ChaincodeClient;

/// Fabric 2.x's dial timeout when `connection.json` gives none.
pub const DIAL_TIMEOUT: Duration = Duration::from_secs(3);

/// Where `connection.json` sits in a release folder.
pub const SERVER_RELEASE_DIR: &str = "chaincode/server";

/// Why a chaincode server could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum CcaasError {
    #[error("could not read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("malformed {path}: {source}")]
    Json {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("chaincode address not provided")]
    NoAddress,
    #[error("chaincode tls key not provided")]
    NoKey,
    #[error("chaincode tls cert not provided")]
    NoCert,
    #[error("chaincode tls root cert not provided")]
    NoRoot,
    #[error("invalid dial_timeout {0:?}")]
    DialTimeout(String),
    #[error("cannot dial {address}: {source}")]
    Endpoint {
        address: String,
        #[source]
        source: CommError,
    },
    #[error("error connecting to the chaincode server at {address}: {source}")]
    Connect {
        address: String,
        #[source]
        source: tonic::transport::Error,
    },
    #[error("the chaincode server at {address} ended the Connect stream before REGISTER")]
    EndedBeforeRegister { address: String },
    #[error("the chaincode server at {address} refused Chaincode.Connect: {status}")]
    Refused {
        address: String,
        status: tonic::Status,
    },
}

/// `connection.json` (Fabric 2.x's `ChaincodeServerUserData`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ConnectionJson {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub dial_timeout: Option<serde_json::Value>,
    #[serde(default)]
    pub tls_required: bool,
    #[serde(default)]
    pub client_auth_required: bool,
    #[serde(default)]
    pub client_key: String,
    #[serde(default)]
    pub client_cert: String,
    #[serde(default)]
    pub root_cert: String,
}

/// How to reach a chaincode server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    pub address: String,
    pub client: ClientConfig,
}

/// Go's `time.ParseDuration` for the forms connection files use (`10s`, `1m30s`,
/// `500ms`); a number is nanoseconds as in Fabric.
fn parse_duration(v: &serde_json::Value) -> Result<Duration, CcaasError> {
    let bad = || CcaasError::DialTimeout(v.to_string());
    match v {
        serde_json::Value::Number(n) => {
            Ok(Duration::from_nanos(n.as_f64().ok_or_else(bad)? as u64))
        }
        serde_json::Value::String(s) => crate::config::parse_go_duration(s).ok_or_else(bad),
        _ => Err(bad()),
    }
}

impl ConnectionJson {
    /// The dial settings (Fabric's `ChaincodeServerInfo`).
    pub fn info(&self) -> Result<ConnectionInfo, CcaasError> {
        if self.address.is_empty() {
            return Err(CcaasError::NoAddress);
        }
        let timeout = match &self.dial_timeout {
            None => DIAL_TIMEOUT,
            Some(v) => match parse_duration(v)? {
                d if d.is_zero() => DIAL_TIMEOUT,
                d => d,
            },
        };
        let mut client = ClientConfig::plaintext(timeout);
        if self.tls_required {
            if self.client_auth_required && self.client_key.is_empty() {
                return Err(CcaasError::NoKey);
            }
            if self.client_auth_required && self.client_cert.is_empty() {
                return Err(CcaasError::NoCert);
            }
            if self.root_cert.is_empty() {
                return Err(CcaasError::NoRoot);
            }
            client.tls = Some(ClientTls {
                roots: self.root_cert.clone().into_bytes(),
                identity: self.client_auth_required.then(|| {
                    (
                        self.client_cert.clone().into_bytes(),
                        self.client_key.clone().into_bytes(),
                    )
                }),
                server_name_override: None,
            });
        }
        Ok(ConnectionInfo {
            address: self.address.clone(),
            client,
        })
    }
}

/// The connection info of a release folder, if it has `chaincode/server/connection.json`.
pub fn read_release(release_dir: &Path) -> Result<Option<ConnectionInfo>, CcaasError> {
    let path = release_dir.join(SERVER_RELEASE_DIR).join("connection.json");
    let display = path.display().to_string();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(CcaasError::Read {
                path: display,
                source,
            })
        }
    };
    let json: ConnectionJson =
        serde_json::from_slice(&bytes).map_err(|source| CcaasError::Json {
            path: display,
            source,
        })?;
    json.info().map(Some)
}

/// Dials the chaincode server and serves its `Connect` stream as a registered chaincode's
/// (in a task); returns once the stream is open, with the task, which ends with the stream.
/// The REGISTER then arrives on it.
pub async fn connect(
    cname: &str,
    info: &ConnectionInfo,
    registry: Arc<HandlerRegistry>,
) -> Result<tokio::task::JoinHandle<()>, CcaasError> {
    let address = info.address.clone();
    let endpoint = info
        .client
        .endpoint(&address)
        .map_err(|source| CcaasError::Endpoint {
            address: address.clone(),
            source,
        })?;
    let channel = endpoint
        .connect()
        .await
        .map_err(|source| CcaasError::Connect {
            address: address.clone(),
            source,
        })?;
    let mut client = ChaincodeClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let (tx, rx) = mpsc::channel::<crate::chaincode::handler::Outbound>(OUTBOUND_QUEUE);
    // What the handler sends; an error status ends our side of the stream.
    let outbound = tokio_stream::wrappers::ReceiverStream::new(rx).map_while(|m| m.ok());
    let inbound = client
        .connect(outbound)
        .await
        .map_err(|status| CcaasError::Refused {
            address: address.clone(),
            status,
        })?
        .into_inner();
    tracing::info!(target: "chaincode", "connected to the chaincode server of {cname} at {address}");
    Ok(tokio::spawn(serve_stream(inbound, tx, registry, None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConnectionInfo, CcaasError> {
        serde_json::from_str::<ConnectionJson>(text).unwrap().info()
    }

    #[test]
    fn connection_json_follows_fabric_2() {
        let i = parse(r#"{"address":"127.0.0.1:9999","dial_timeout":"10s","tls_required":false}"#)
            .unwrap();
        assert_eq!(i.address, "127.0.0.1:9999");
        assert_eq!(i.client.connect_timeout, Duration::from_secs(10));
        assert!(i.client.tls.is_none());
        let i = parse(r#"{"address":"h:1"}"#).unwrap();
        assert_eq!(i.client.connect_timeout, DIAL_TIMEOUT);
        assert_eq!(
            parse(r#"{"dial_timeout":"1s"}"#).unwrap_err().to_string(),
            "chaincode address not provided"
        );
        assert_eq!(
            parse(r#"{"address":"h:1","tls_required":true}"#)
                .unwrap_err()
                .to_string(),
            "chaincode tls root cert not provided"
        );
        assert_eq!(
            parse(r#"{"address":"h:1","tls_required":true,"client_auth_required":true,"root_cert":"R"}"#)
                .unwrap_err()
                .to_string(),
            "chaincode tls key not provided"
        );
        let i = parse(r#"{"address":"h:1","tls_required":true,"client_auth_required":true,"root_cert":"R","client_key":"K","client_cert":"C"}"#)
            .unwrap();
        let tls = i.client.tls.unwrap();
        assert_eq!(tls.roots, b"R");
        assert_eq!(tls.identity, Some((b"C".to_vec(), b"K".to_vec())));
        assert!(matches!(
            parse(r#"{"address":"h:1","dial_timeout":"soon"}"#),
            Err(CcaasError::DialTimeout(_))
        ));
    }
}
