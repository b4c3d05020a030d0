//! What gossip needs from the peer (Fabric's `gossip/api`): a message crypto service over
//! the local and channel MSPs, a security advisor, and the channel join message built from a
//! channel's config.

use std::time::SystemTime;

use super::common::{OrgId, PeerIdentity, PkiId};

/// Why a signature, identity or block was refused.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("{0}")]
    Invalid(String),
    #[error("channel {0} does not exist")]
    NoChannel(String),
}

/// Fabric's `api.MessageCryptoService` (implemented by the peer over its MSPs).
pub trait MessageCryptoService: Send + Sync {
    /// The PKI-ID of an identity (no validation).
    fn pki_id_of_cert(&self, identity: &[u8]) -> PkiId;
    /// A block's orderer signatures and claimed sequence number, as Fabric's `VerifyBlock`.
    fn verify_block(&self, channel: &str, seq_num: u64, block: &[u8]) -> Result<(), CryptoError>;
    /// Signs with the peer's signing identity.
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Checks a signature under an identity, validating the identity with the local MSP
    /// manager (any channel's MSPs).
    fn verify(&self, identity: &[u8], signature: &[u8], msg: &[u8]) -> Result<(), CryptoError>;
    /// As [`MessageCryptoService::verify`], in the context of one channel (its readers).
    fn verify_by_channel(
        &self,
        channel: &str,
        identity: &[u8],
        signature: &[u8],
        msg: &[u8],
    ) -> Result<(), CryptoError>;
    /// Validates a remote peer's identity (known MSP, not revoked, not expired).
    fn validate_identity(&self, identity: &[u8]) -> Result<(), CryptoError>;
    /// When the identity expires (`None`: never).
    fn expiration(&self, identity: &[u8]) -> Result<Option<SystemTime>, CryptoError>;
}

/// Fabric's `api.SecurityAdvisor`: the organization (MSP ID) of an identity.
pub trait SecurityAdvisor: Send + Sync {
    fn org_by_peer_identity(&self, identity: &PeerIdentity) -> Option<OrgId>;
}

/// An anchor peer's endpoint (Fabric's `api.AnchorPeer`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnchorPeer {
    pub host: String,
    pub port: u16,
}

/// A channel's membership as its config says (Fabric's `api.JoinChannelMessage`).
pub trait JoinChannelMessage: Send + Sync {
    /// The config block's sequence number this was built from.
    fn sequence_number(&self) -> u64;
    /// The organizations (application MSP IDs) of the channel.
    fn members(&self) -> Vec<OrgId>;
    /// The anchor peers of one organization.
    fn anchor_peers_of(&self, org: &[u8]) -> Vec<AnchorPeer>;
}
