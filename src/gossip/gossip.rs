//! The gossip facade the peer uses (Fabric's `gossip.Gossip`): membership and channel views,
//! push (batched, fanned out by routing policy), point-to-point send, subscriptions to
//! received messages, joining and leaving channels. [`super::gossip_impl::GossipImpl`]
//! implements it over comm, membership, the channels and the cert store.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::api::{CryptoError, JoinChannelMessage};
use super::comm::{BoxFuture, MessageAcceptor, ReceivedMessage, RemotePeer, SignedGossipMessage};
use super::common::{NetworkMember, PeerIdentity, PeerIdentityInfo, PkiId};
use super::discovery::DiscoveryError;
use crate::protos::gossip::{Chaincode, GossipMessage};

/// A predicate over gossip messages (the non-pass-through form of [`MessageAcceptor`]).
pub type GossipMessageAcceptor = Box<dyn Fn(&GossipMessage) -> bool + Send + Sync>;

/// A predicate choosing peers.
pub type PeerPredicate = Box<dyn Fn(&NetworkMember) -> bool + Send + Sync>;

/// Where and how [`Gossip::send_by_criteria`] sends (Fabric's `gossip.SendCriteria`).
pub struct SendCriteria {
    /// How long to wait for acknowledgements.
    pub timeout: Duration,
    /// How many acknowledgements make the send a success.
    pub min_ack: usize,
    /// How many peers to send to at most.
    pub max_peers: usize,
    /// Which peers may be chosen (all when `None`).
    pub is_eligible: Option<PeerPredicate>,
    /// Choose among the peers of this channel (all members when empty).
    pub channel: Vec<u8>,
}

/// Why a gossip operation failed.
#[derive(Debug, thiserror::Error)]
pub enum GossipError {
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    #[error("channel {0} does not exist; join it first")]
    NoChannel(String),
    #[error("timeout should be specified")]
    NoTimeout,
    #[error("requested to send to at least {want} peers, but know only of {have} suitable peers")]
    NotEnoughPeers { want: usize, have: usize },
    #[error("only {acked} of the {want} acknowledgements required arrived: {errors}")]
    NotAcked {
        want: usize,
        acked: usize,
        errors: String,
    },
}

/// Why an identity was not taken into the identity mapper.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("identity does not match PKI-ID {0}")]
    Mismatch(PkiId),
    #[error("identity of {pki_id} is not valid: {source}")]
    Invalid {
        pki_id: PkiId,
        #[source]
        source: CryptoError,
    },
    /// Comm's mapper refused it.
    #[error("identity of {pki_id} refused: {source}")]
    Refused {
        pki_id: PkiId,
        #[source]
        source: super::identity::IdentityError,
    },
}

/// PKI-ID → identity (Fabric's `identity.Mapper`), fed by alive messages and the cert store.
/// The node hands the facade the mapper comm uses ([`super::identity::IdentityMapper`]
/// implements this), so both layers see the same identities.
pub trait IdentityMapper: Send + Sync {
    /// Associates an identity with its PKI-ID after validating it.
    fn put(&self, pki_id: PkiId, identity: PeerIdentity) -> Result<(), IdentityError>;
    /// The identity of a PKI-ID.
    fn get(&self, pki_id: &PkiId) -> Option<PeerIdentity>;
    /// Every known identity with its organization.
    fn identity_info(&self) -> Vec<PeerIdentityInfo>;
}

impl IdentityMapper for super::identity::IdentityMapper {
    fn put(&self, pki_id: PkiId, identity: PeerIdentity) -> Result<(), IdentityError> {
        super::identity::IdentityMapper::put(self, pki_id.clone(), identity)
            .map_err(|source| IdentityError::Refused { pki_id, source })
    }
    fn get(&self, pki_id: &PkiId) -> Option<PeerIdentity> {
        super::identity::IdentityMapper::get(self, pki_id).ok()
    }
    fn identity_info(&self) -> Vec<PeerIdentityInfo> {
        super::identity::IdentityMapper::identity_info(self)
    }
}

/// Fabric's `gossip.Gossip`.
pub trait Gossip: Send + Sync {
    /// This peer as membership announces it.
    fn self_membership_info(&self) -> NetworkMember;
    /// Our latest signed state info of a channel.
    fn self_channel_info(&self, channel: &[u8]) -> Option<SignedGossipMessage>;
    /// Sends a message to peers (point to point, not signed).
    fn send(&self, msg: GossipMessage, peers: &[RemotePeer]);
    /// Sends a signed message to peers matching `criteria` and waits for acknowledgements.
    fn send_by_criteria(
        &self,
        msg: SignedGossipMessage,
        criteria: SendCriteria,
    ) -> BoxFuture<Result<(), GossipError>>;
    /// The alive members.
    fn peers(&self) -> Vec<NetworkMember>;
    /// The alive members that published state info for a channel, with their properties.
    fn peers_of_channel(&self, channel: &[u8]) -> Vec<NetworkMember>;
    /// Updates the metadata of our alive messages.
    fn update_metadata(&self, md: Vec<u8>);
    /// Updates the ledger height we publish for a channel.
    fn update_ledger_height(&self, height: u64, channel: &[u8]);
    /// Updates the chaincodes we publish for a channel.
    fn update_chaincodes(&self, chaincodes: Vec<Chaincode>, channel: &[u8]);
    /// Pushes a message to peers (signed, batched, routed by its tag and channel).
    fn gossip(&self, msg: GossipMessage);
    /// A bounded stream of the messages `acceptor` chooses, after gossip processed them.
    fn accept(&self, acceptor: GossipMessageAcceptor) -> mpsc::Receiver<GossipMessage>;
    /// A bounded stream of the received messages `acceptor` chooses, as comm delivers them
    /// (they can be answered).
    fn accept_pass_through(
        &self,
        acceptor: MessageAcceptor,
    ) -> mpsc::Receiver<Arc<dyn ReceivedMessage>>;
    /// Joins (or reconfigures) a channel and connects to its anchor peers.
    fn join_chan(&self, join: &dyn JoinChannelMessage, channel: &[u8]);
    /// Leaves a channel.
    fn leave_chan(&self, channel: &[u8]);
    /// The identities known, with their organizations.
    fn identity_info(&self) -> Vec<PeerIdentityInfo>;
    /// Whether a member is of our organization.
    fn is_in_my_org(&self, member: &NetworkMember) -> bool;
    /// Stops gossip (channels, membership, pull, comm) within a deadline.
    fn stop(&self) -> BoxFuture<()>;
}
