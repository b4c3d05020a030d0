//! Gossip message helpers (Fabric v1.4's `protos/gossip/extensions.go` and `signing.go`,
//! `gossip/protoext` in later releases): signing and verifying a [`SignedGossipMessage`]
//! (its envelope's payload is the marshalled `GossipMessage`, its signature is over that
//! payload), the secret envelope that carries the internal endpoint of an alive message,
//! what kind a message is and whether its tag is legal for that kind, and a one-line form
//! of a message for logs.

mod display;
mod kinds;
mod signing;

pub use display::MessageSummary;
pub use kinds::{tag_name, GossipMessageExt};
pub use signing::{internal_endpoint, sign_secret};

use super::comm::SignedGossipMessage;

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
    Sign(String),
    #[error("{0}")]
    Verify(String),
    #[error("{0}")]
    IllegalTag(String),
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
