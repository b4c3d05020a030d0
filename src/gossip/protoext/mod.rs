//! Gossip message helpers (Fabric v1.4's `protos/gossip/extensions.go` and `signing.go`,
//! `gossip/protoext` in later releases): signing and verifying a [`SignedGossipMessage`]
//! (its envelope's payload is the marshalled `GossipMessage`, its signature is over that
//! payload), the secret envelope that carries the internal endpoint of an alive message,
//! what kind a message is and whether its tag is legal for that kind, how a new message
//! relates to a stored one (the message comparator), and a one-line form of a message for
//! logs.

mod compare;
mod display;
mod kinds;
mod signing;

pub use compare::{compare, Invalidation};
pub use display::MessageSummary;
pub use kinds::{tag_name, GossipMessageExt};
pub use signing::{internal_endpoint, sign_secret};

use super::comm::SignedGossipMessage;
use super::common::PkiId;

/// The error a signer or verifier hands back, kept as the cause.
pub type CauseError = Box<dyn std::error::Error + Send + Sync>;

/// Why a gossip message could not be signed, decoded or verified; the texts are Fabric's.
#[derive(Debug, thiserror::Error)]
pub enum ProtoextError {
    #[error("Missing envelope")]
    MissingEnvelope,
    #[error("Empty payload")]
    EmptyPayload,
    #[error("Empty signature")]
    EmptySignature,
    #[error("Failed unmarshaling GossipMessage from envelope: {0}")]
    Decode(#[source] prost::DecodeError),
    #[error("signing failed: {0}")]
    Sign(#[source] CauseError),
    #[error("{0}")]
    Verify(#[source] CauseError),
    #[error("{0}")]
    IllegalTag(String),
    #[error("no identity known for PKI-ID {0}")]
    UnknownIdentity(PkiId),
    #[error("not {0}")]
    WrongKind(&'static str),
    #[error("gossip is stopped")]
    GossipStopped,
}

impl SignedGossipMessage {
    /// A message not yet signed.
    pub fn unsigned(message: crate::protos::gossip::GossipMessage) -> Self {
        SignedGossipMessage {
            message,
            envelope: None,
        }
    }
}

/// A random message nonce (Fabric's `util.RandomUInt64`).
pub(crate) fn random_nonce() -> u64 {
    rand::random()
}

/// The current time in nanoseconds since the epoch: Fabric's incarnation numbers and
/// leadership timestamps.
pub(crate) fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
