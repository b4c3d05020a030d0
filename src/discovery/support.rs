//! What the discovery service asks of the peer (Fabric's `discovery.Support` and the pieces
//! of `discovery/support`): access control, membership, channel config and chaincode
//! definitions. [`crate::discovery::peer`] implements it for `peer node start`; unit tests
//! use in-memory fakes.

use crate::gossip::common::{NetworkMember, PeerIdentityInfo};
use crate::policy::SignedData;
use crate::protos::common::MspPrincipal;
use crate::protos::discovery::ConfigResult;

/// Why a support call failed; the text is what Fabric logs or returns.
#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    #[error("{0}")]
    AccessDenied(String),
    #[error("channel {0} doesn't exist")]
    NoChannel(String),
    #[error("failed deserializing identity: {0}")]
    Identity(String),
    #[error("{0}")]
    Principal(String),
    #[error("{0}")]
    Config(String),
}

/// Membership as gossip knows it (Fabric's `discovery.GossipSupport`, as implemented by
/// `discovery/support/gossip` — that is, this peer included).
pub trait MembershipSource: Send + Sync {
    /// Whether this peer is in `channel`.
    fn channel_exists(&self, channel: &str) -> bool;
    /// The peers of `channel` (this one included) with their state info: `pki_id`,
    /// `properties` (ledger height, chaincodes) and `envelope` (the signed StateInfo).
    fn peers_of_channel(&self, channel: &str) -> Vec<NetworkMember>;
    /// The alive peers (this one included) that have an external endpoint, each with
    /// `envelope` = its signed AliveMessage (without the secret envelope).
    fn peers(&self) -> Vec<NetworkMember>;
    /// The identities known to gossip (this peer's included).
    fn identity_info(&self) -> Vec<PeerIdentityInfo>;
}

/// A chaincode's definition on a channel (Fabric's `chaincode.Metadata` from lscc).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChaincodeMetadata {
    pub name: String,
    pub version: String,
    /// The marshalled endorsement policy (`SignaturePolicyEnvelope`).
    pub policy: Vec<u8>,
    /// The package fingerprint.
    pub id: Vec<u8>,
    /// The marshalled `CollectionConfigPackage` (empty when not asked for or none).
    pub collections_config: Vec<u8>,
}

/// Everything the service needs (Fabric's `discovery.Support`).
pub trait Support: MembershipSource {
    /// Whether the signed request may be served for `channel` (empty: a local query).
    fn eligible_for_service(&self, channel: &str, data: &SignedData) -> Result<(), SupportError>;
    /// The channel's config sequence (0 for the local queries).
    fn config_sequence(&self, channel: &str) -> u64;
    /// The config query's answer: the channel's MSPs and orderer endpoints.
    fn config(&self, channel: &str) -> Result<ConfigResult, SupportError>;
    /// Whether `identity` satisfies `principal` under the channel's MSPs.
    fn satisfies_principal(
        &self,
        channel: &str,
        identity: &[u8],
        principal: &MspPrincipal,
    ) -> Result<(), SupportError>;
    /// The chaincode's definition on the channel (`None`: not instantiated).
    fn chaincode_metadata(
        &self,
        channel: &str,
        chaincode: &str,
        load_collections: bool,
    ) -> Option<ChaincodeMetadata>;
}
