//! Dialling peers and the orderer: `connections` gRPC channels per endpoint, TLS and
//! mutual TLS from the config, used round robin.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tonic::transport::Channel;

use super::config::{Client, Endpoint};
use super::BenchError;
use crate::comm::{ClientConfig, ClientTls};

/// How long one dial may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The client TLS settings for `ep`: TLS when the endpoint names a CA.
pub fn client_config(ep: &Endpoint, client: &Client) -> Result<ClientConfig, BenchError> {
    let read = |what: &'static str, path: &std::path::Path| {
        std::fs::read(path).map_err(|source| BenchError::ReadFile {
            what,
            path: path.to_path_buf(),
            source,
        })
    };
    let tls = match &ep.tls_ca {
        None => None,
        Some(ca) => {
            let identity = match (&client.tls_cert, &client.tls_key) {
                (Some(c), Some(k)) => Some((
                    read("the client TLS certificate", c)?,
                    read("the client TLS key", k)?,
                )),
                _ => None,
            };
            Some(ClientTls {
                roots: read("the TLS CA certificate", ca)?,
                identity,
                server_name_override: ep.server_name.clone(),
            })
        }
    };
    Ok(ClientConfig {
        tls,
        ..ClientConfig::plaintext(CONNECT_TIMEOUT)
    })
}

/// A few connections to one endpoint, handed out in turn.
#[derive(Debug)]
pub struct Pool {
    pub name: String,
    pub address: String,
    channels: Vec<Channel>,
    next: AtomicUsize,
}

impl Pool {
    /// Dials `ep` `n` times; the first failure is the error.
    pub async fn dial(ep: &Endpoint, client: &Client, n: usize) -> Result<Self, BenchError> {
        let config = client_config(ep, client)?;
        let endpoint = config
            .endpoint(&ep.address)
            .map_err(|source| BenchError::Endpoint {
                name: ep.name.clone(),
                address: ep.address.clone(),
                source,
            })?;
        let mut channels = Vec::with_capacity(n);
        for _ in 0..n {
            let ch = endpoint
                .connect()
                .await
                .map_err(|e| unreachable(&ep.name, &ep.address, error_chain(&e)))?;
            channels.push(ch);
        }
        Ok(Pool {
            name: ep.name.clone(),
            address: ep.address.clone(),
            channels,
            next: AtomicUsize::new(0),
        })
    }

    /// The next connection.
    pub fn channel(&self) -> Channel {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.channels.len();
        self.channels[i].clone()
    }
}

/// The error for a node that could not be reached: a TLS mismatch when the reason says so
/// (a TLS client meeting a plaintext server, or the other way round), else unreachable.
pub fn unreachable(name: &str, address: &str, reason: String) -> BenchError {
    let hint = if reason.contains("InvalidContentType") || reason.contains("corrupt message") {
        Some("the node does not speak TLS, but its tls_ca is set; remove tls_ca")
    } else if reason.contains("frame with invalid size")
        || reason.contains("h2 protocol error")
        || reason.contains("connection reset")
    {
        Some("the node may require TLS; set its tls_ca (and the client TLS pair for mutual TLS)")
    } else if reason.contains("certificate") || reason.contains("UnknownIssuer") {
        Some("the node's TLS certificate does not verify with tls_ca / server_name")
    } else {
        None
    };
    match hint {
        Some(hint) => BenchError::TlsMismatch {
            name: name.to_string(),
            address: address.to_string(),
            hint,
            reason,
        },
        None => BenchError::Unreachable {
            name: name.to_string(),
            address: address.to_string(),
            reason,
        },
    }
}

/// An error and its causes on one line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// A gRPC status on one line (its message, or its code when it has none).
pub fn status_line(s: &tonic::Status) -> String {
    if s.message().is_empty() {
        format!("{:?}", s.code())
    } else {
        format!("{:?}: {}", s.code(), s.message())
    }
}

/// The SHA-256 of the client's TLS certificate (DER) when mutual TLS is configured, which
/// Fabric's deliver services bind requests to; empty otherwise.
pub fn tls_cert_hash(client: &Client) -> Result<Vec<u8>, BenchError> {
    let Some(path) = &client.tls_cert else {
        return Ok(Vec::new());
    };
    let pem = std::fs::read(path).map_err(|source| BenchError::ReadFile {
        what: "the client TLS certificate",
        path: path.clone(),
        source,
    })?;
    let der = rustls_pemfile::certs(&mut pem.as_slice())
        .next()
        .and_then(Result::ok)
        .ok_or_else(|| {
            BenchError::Config(format!("{} holds no PEM certificate", path.display()))
        })?;
    Ok(crate::crypto::sha256(der.as_ref()).to_vec())
}

/// Asks the orderer for the channel's newest block: it must be reachable with these TLS
/// settings, serve the channel and let the client read it.
pub async fn probe_orderer(
    pool: &Pool,
    signer: &dyn crate::msp::SigningIdentity,
    channel: &str,
) -> Result<(), BenchError> {
    use crate::protos::orderer::atomic_broadcast_client::AtomicBroadcastClient;
    use crate::protos::orderer::{
        deliver_response, seek_info, seek_position, SeekInfo, SeekNewest, SeekPosition,
    };
    let newest = SeekPosition {
        r#type: Some(seek_position::Type::Newest(SeekNewest {})),
    };
    let info = SeekInfo {
        start: Some(newest),
        stop: Some(newest),
        behavior: seek_info::SeekBehavior::BlockUntilReady as i32,
        error_response: seek_info::SeekErrorResponse::Strict as i32,
    };
    let seek = crate::protoutil::create_signed_envelope(
        crate::protos::common::HeaderType::DeliverSeekInfo,
        channel,
        Some(signer),
        &info,
        0,
        0,
        Vec::new(),
    )
    .map_err(BenchError::Build)?;
    let unreachable = |s: tonic::Status| {
        if s.code() == tonic::Code::Unavailable {
            unreachable(&pool.name, &pool.address, error_chain(&s))
        } else {
            BenchError::Probe {
                name: pool.name.clone(),
                address: pool.address.clone(),
                reason: format!("Deliver of channel {channel}: {}", status_line(&s)),
            }
        }
    };
    let probe = |reason: String| BenchError::Probe {
        name: pool.name.clone(),
        address: pool.address.clone(),
        reason,
    };
    let call = async {
        let mut stream = AtomicBroadcastClient::new(pool.channel())
            .deliver(tokio_stream::iter(vec![seek]))
            .await
            .map_err(unreachable)?
            .into_inner();
        match stream.message().await.map_err(unreachable)? {
            Some(r) => match r.r#type {
                Some(deliver_response::Type::Block(_)) => Ok(()),
                Some(deliver_response::Type::Status(code)) => {
                    let name = crate::protos::common::Status::try_from(code)
                        .map(|s| s.as_str_name().to_string())
                        .unwrap_or_else(|_| code.to_string());
                    Err(probe(format!("Deliver of channel {channel} answered {name}; does the channel exist, and may {} read it?", "the client")))
                }
                None => Err(probe("Deliver answered nothing".into())),
            },
            None => Err(probe("Deliver ended without a block".into())),
        }
    };
    tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .map_err(|_| probe("no answer to Deliver within 10s".into()))?
}
