//! Fabric's handshake (`authenticateRemotePeer`): each side sends a signed ConnEstablish
//! {PKI-ID, identity, TLS certificate hash}; the receiver stores the identity in the
//! identity mapper (valid, PKI-ID computed from it), checks with TLS that the hash is the
//! one of the certificate seen on the connection, and verifies the signature.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::comm_impl::Shared;
use super::{ConnectionInfo, SignedGossipMessage};
use crate::gossip::common::PkiId;
use crate::gossip::identity::IdentityError;
use crate::gossip::protoext::ProtoextError;
use crate::protos::gossip::gossip_message::{Content, Tag};
use crate::protos::gossip::{ConnEstablish, Envelope, GossipMessage};

/// Why a handshake failed; the texts are Fabric's where it has one.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error("No TLS certificate")]
    NoTlsCertificate,
    #[error("timed out waiting for connection message from {0}")]
    Timeout(String),
    #[error("the stream from {0} ended before its connection message")]
    Closed(String),
    #[error("failed reading message from {address}: {reason}")]
    Read { address: String, reason: String },
    #[error(transparent)]
    Decode(ProtoextError),
    #[error("Wrong type")]
    WrongType,
    #[error("No PKI-ID")]
    NoPkiId,
    #[error(transparent)]
    Identity(IdentityError),
    #[error("Expected {} in remote hash of TLS cert, but got {}", hex::encode(.expected), hex::encode(.got))]
    TlsCertHash { expected: Vec<u8>, got: Vec<u8> },
    #[error(transparent)]
    Signature(ProtoextError),
    #[error("cannot sign our connection message: {0}")]
    Sign(ProtoextError),
    #[error("the handshake task failed: {0}")]
    Task(String),
}

/// The SHA-256 of a DER certificate (Fabric's `certHashFromRawCert`).
pub fn cert_hash(der: &[u8]) -> Vec<u8> {
    if der.is_empty() {
        return Vec::new();
    }
    Sha256::digest(der).to_vec()
}

/// Our signed ConnEstablish; `initiator` picks the TLS certificate whose hash it carries
/// (our client certificate when we dialed, our server certificate when we accepted).
pub(crate) async fn connection_msg(
    shared: &Shared,
    initiator: bool,
) -> Result<Envelope, HandshakeError> {
    let cert_hash = shared
        .config
        .tls
        .as_ref()
        .map(|t| match initiator {
            true => t.client_cert_hash.clone(),
            false => t.server_cert_hash.clone(),
        })
        .unwrap_or_default();
    let message = GossipMessage {
        tag: Tag::Empty as i32,
        nonce: 0,
        content: Some(Content::Conn(ConnEstablish {
            pki_id: shared.pki_id.0.clone(),
            identity: shared.identity.clone(),
            tls_cert_hash: cert_hash,
        })),
        ..GossipMessage::default()
    };
    let mapper = shared.id_mapper.clone();
    let mut signed = SignedGossipMessage::unsigned(message);
    tokio::task::spawn_blocking(move || {
        signed.sign(|payload| mapper.sign(payload))?;
        Ok(signed.envelope.unwrap_or_default())
    })
    .await
    .map_err(|e| HandshakeError::Task(e.to_string()))?
    .map_err(HandshakeError::Sign)
}

/// Waits at most `timeout` for the first envelope of a stream.
pub(crate) async fn read_first(
    incoming: &mut tonic::Streaming<Envelope>,
    timeout: Duration,
    address: &str,
) -> Result<Envelope, HandshakeError> {
    match tokio::time::timeout(timeout, incoming.message()).await {
        Err(_) => Err(HandshakeError::Timeout(address.to_string())),
        Ok(Ok(Some(env))) => Ok(env),
        Ok(Ok(None)) => Err(HandshakeError::Closed(address.to_string())),
        Ok(Err(status)) => Err(HandshakeError::Read {
            address: address.to_string(),
            reason: status.message().to_string(),
        }),
    }
}

/// Checks the remote peer's ConnEstablish (`first`); `remote_cert_hash` is the hash of
/// the TLS certificate the remote presented on this connection (None without TLS).
pub(crate) async fn authenticate(
    shared: &Shared,
    first: Envelope,
    remote_cert_hash: Option<Vec<u8>>,
    address: &str,
) -> Result<ConnectionInfo, HandshakeError> {
    let m = SignedGossipMessage::from_envelope(first).map_err(HandshakeError::Decode)?;
    let Some(Content::Conn(conn)) = &m.message.content else {
        tracing::warn!(target: "gossip.comm", "Expected connection message from {address} but got {m}");
        return Err(HandshakeError::WrongType);
    };
    if conn.pki_id.is_empty() {
        tracing::warn!(target: "gossip.comm", "{address} didn't send a pkiID");
        return Err(HandshakeError::NoPkiId);
    }
    let conn = conn.clone();
    let mapper = shared.id_mapper.clone();
    let use_tls = shared.config.tls.is_some();
    let address = address.to_string();
    tokio::task::spawn_blocking(move || {
        let pki_id = PkiId(conn.pki_id.clone());
        mapper
            .put(pki_id.clone(), conn.identity.clone())
            .map_err(|e| {
                tracing::warn!(target: "gossip.comm", "Identity store rejected {address} : {e}");
                HandshakeError::Identity(e)
            })?;
        if use_tls {
            let seen = remote_cert_hash.unwrap_or_default();
            if seen != conn.tls_cert_hash {
                return Err(HandshakeError::TlsCertHash {
                    expected: seen,
                    got: conn.tls_cert_hash,
                });
            }
        }
        m.verify(&conn.identity, |identity, signature, message| {
            mapper.verify(&mapper.pki_id_of_cert(identity), signature, message)
        })
        .map_err(|e| {
            tracing::error!(target: "gossip.comm", "Failed verifying signature from {address} : {e}");
            HandshakeError::Signature(e)
        })?;
        tracing::debug!(target: "gossip.comm", "Authenticated {address}");
        Ok(ConnectionInfo {
            id: pki_id,
            identity: conn.identity,
            endpoint: address,
            tls_cert_hash: conn.tls_cert_hash,
        })
    })
    .await
    .map_err(|e| HandshakeError::Task(e.to_string()))?
}
