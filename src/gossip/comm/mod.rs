//! The connections between gossip peers (Fabric's `gossip/comm`): the `Gossip` gRPC service
//! (`GossipStream`, `Ping`), the ConnEstablish handshake, and sending and accepting signed
//! gossip messages. Every queue here is bounded (`peer.gossip.recvBuffSize`,
//! `sendBuffSize`): a slow peer loses messages, it does not grow our memory.
//!
//! [`Comm`] is the seam the upper layers (membership, channels, the gossip facade) code
//! against; tests give them an in-memory implementation.

#[cfg(test)]
pub mod inmem;

use std::time::Duration;

use std::future::Future;
use std::pin::Pin;

use tokio::sync::mpsc;

use super::common::{PeerIdentity, PkiId};
use crate::protos::gossip::{Envelope, GossipMessage};

/// A boxed future that owns what it needs (the trait's async results).
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A remote peer's endpoint and PKI-ID (Fabric's `comm.RemotePeer`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RemotePeer {
    pub endpoint: String,
    pub pki_id: PkiId,
}

/// A gossip message and the envelope it came in (or goes out) signed
/// (Fabric's `protoext.SignedGossipMessage`).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SignedGossipMessage {
    pub message: GossipMessage,
    /// `None` until signed (or for messages never signed on their own, such as
    /// ConnEstablish's payload before the handshake signs it).
    pub envelope: Option<Envelope>,
}

/// Who sent a received message (Fabric's `protoext.ConnectionInfo`).
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionInfo {
    pub id: PkiId,
    pub identity: PeerIdentity,
    pub endpoint: String,
    /// The TLS certificate hash bound at the handshake (empty without TLS).
    pub tls_cert_hash: Vec<u8>,
}

/// Why a send, probe or handshake failed.
#[derive(Debug, thiserror::Error)]
pub enum CommError {
    #[error("cannot connect to {endpoint}: {reason}")]
    Connect { endpoint: String, reason: String },
    #[error("handshake with {endpoint} failed: {reason}")]
    Handshake { endpoint: String, reason: String },
    #[error("{endpoint} did not answer within {timeout:?}")]
    Timeout { endpoint: String, timeout: Duration },
    #[error("comm is stopped")]
    Stopped,
    #[error("{0}")]
    Other(String),
}

/// A message received from a peer, with a way to answer it on the same connection
/// (Fabric's `protoext.ReceivedMessage`).
pub trait ReceivedMessage: Send + Sync + std::fmt::Debug {
    /// The message as received (its envelope kept, so it can be forwarded as is).
    fn message(&self) -> &SignedGossipMessage;
    /// Sends `msg` back to the sender (signed by comm).
    fn respond(&self, msg: GossipMessage);
    /// The sender as authenticated at the handshake.
    fn connection_info(&self) -> &ConnectionInfo;
    /// Acknowledges the message (a `SendWithAck` on the other side waits for it).
    fn ack(&self, err: Option<String>);
}

/// A predicate choosing which received messages a subscriber gets
/// (Fabric's `common.MessageAcceptor`).
pub type MessageAcceptor = Box<dyn Fn(&dyn ReceivedMessage) -> bool + Send + Sync>;

/// What gossip does with its connections (Fabric's `comm.Comm`).
pub trait Comm: Send + Sync {
    /// This peer's PKI-ID.
    fn pki_id(&self) -> PkiId;
    /// Sends a signed message to each peer, dialing where no connection is open; failures
    /// are logged and dropped (as Fabric's Send).
    fn send(&self, msg: &SignedGossipMessage, peers: &[RemotePeer]);
    /// Sends and waits for acknowledgements from `min_ack` peers, or `timeout`; returns one
    /// result per peer.
    fn send_with_ack(
        &self,
        msg: &SignedGossipMessage,
        timeout: Duration,
        min_ack: usize,
        peers: &[RemotePeer],
    ) -> BoxFuture<Vec<(RemotePeer, Result<(), CommError>)>>;
    /// Whether `peer` answers a Ping.
    fn probe(&self, peer: &RemotePeer) -> BoxFuture<Result<(), CommError>>;
    /// Connects, authenticates and returns the remote peer's identity.
    fn handshake(&self, peer: &RemotePeer) -> BoxFuture<Result<PeerIdentity, CommError>>;
    /// A bounded stream of the received messages `acceptor` chooses.
    fn accept(
        &self,
        acceptor: MessageAcceptor,
    ) -> mpsc::Receiver<std::sync::Arc<dyn ReceivedMessage>>;
    /// PKI-IDs of peers whose connection broke (suspected dead).
    fn presumed_dead(&self) -> mpsc::Receiver<PkiId>;
    /// Closes the connection to `peer`, if any.
    fn close_conn(&self, peer: &RemotePeer);
    /// Closes every connection and stops accepting.
    fn stop(&self);
}

mod comm_impl;
mod conn;
mod dial;
mod handshake;
mod service;

pub use comm_impl::{CommConfig, CommImpl, HANDSHAKE_TIMEOUT, PING_TIMEOUT};
pub use dial::{CommTls, TlsMaterialError, TlsRootsSource};
pub use handshake::{cert_hash, HandshakeError};
pub use service::GossipService;
#[cfg(test)]
mod tests;
