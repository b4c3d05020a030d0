//! The discovery support of `peer node start` (Fabric's `registerDiscoveryService` and
//! `discovery/support/*` over the peer): access control through the local MSP and the
//! channels' `/Channel/Application/Writers` policies, the config of each channel's bundle,
//! chaincode definitions from lscc, and membership from a [`MembershipSource`].
//!
//! Until gossip backs it, [`SelfMembership`] is the membership: this peer alone, with its
//! external endpoint, its identity, and per channel its ledger height and the chaincodes that
//! are instantiated there and installed here — the alive and state info messages a gossip
//! peer would send about itself, signed by the peer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use prost::Message;

use super::config::config_result;
use super::support::{ChaincodeMetadata, MembershipSource, Support, SupportError};
use crate::crypto::sha256;
use crate::gossip::common::{NetworkMember, PeerIdentityInfo, PkiId};
use crate::msp::{IdentityDeserializer, SigningIdentity};
use crate::peer::Peer;
use crate::policy::{Policy, SignedData};
use crate::protos::common::MspPrincipal;
use crate::protos::discovery::ConfigResult;
use crate::protos::gossip::gossip_message::{Content, Tag};
use crate::protos::gossip::{
    AliveMessage, Chaincode, Envelope, GossipMessage, Member, PeerTime, Properties, StateInfo,
};
use crate::protos::msp::SerializedIdentity;
use crate::scc::lscc::chaincode_data::{collection_key, LSCC_NAMESPACE};
use crate::scc::lscc::{ChaincodeData, ChaincodeStore};

/// The channel policy a client must satisfy (Fabric's `policies.ChannelApplicationWriters`).
pub const CHANNEL_APPLICATION_WRITERS: &str = "/Channel/Application/Writers";

/// Fabric's `GetPKIidOfCert`: SHA-256 of the MSP ID followed by the certificate bytes.
pub fn pki_id_of(serialized_identity: &[u8]) -> PkiId {
    let sid = SerializedIdentity::decode(serialized_identity).unwrap_or_default();
    let mut raw = sid.mspid.into_bytes();
    raw.extend_from_slice(&sid.id_bytes);
    PkiId(sha256(&raw).to_vec())
}

/// Signs a gossip message as Fabric's `SignedGossipMessage.Sign` does.
fn signed_envelope(signer: &dyn SigningIdentity, msg: &GossipMessage) -> Option<Envelope> {
    let payload = msg.encode_to_vec();
    match signer.sign(&payload) {
        Ok(signature) => Some(Envelope {
            payload,
            signature,
            secret_envelope: None,
        }),
        Err(e) => {
            tracing::error!(target: "discovery", "cannot sign this peer's membership message: {e}");
            None
        }
    }
}

/// The chaincodes instantiated on `channel` whose package is installed in `store`: what a
/// peer publishes in its state info (Fabric's cclifecycle feeding `UpdateChaincodes`).
pub fn installed_chaincodes(peer: &Peer, store: &ChaincodeStore, channel: &str) -> Vec<Chaincode> {
    let Some(ch) = peer.channel(channel) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let scan = ch.ledger().new_query_executor().and_then(|qe| {
        let mut it = qe.get_state_range_scan_iterator(LSCC_NAMESPACE, "", "")?;
        while let Some(item) = it.next()? {
            if item.key.contains('~') {
                continue;
            }
            let Ok(cd) = ChaincodeData::from_bytes(&item.value) else {
                continue;
            };
            if store.contains(&cd.name, &cd.version) {
                out.push(Chaincode {
                    name: cd.name,
                    version: cd.version,
                    metadata: Vec::new(),
                });
            }
        }
        Ok(())
    });
    if let Err(e) = scan {
        tracing::warn!(target: "discovery", "cannot list the chaincodes of channel {channel}: {e}");
    }
    out
}

/// This peer as the only member (see the module doc).
pub struct SelfMembership {
    peer: Arc<Peer>,
    signer: Arc<dyn SigningIdentity>,
    store: ChaincodeStore,
    endpoint: String,
    identity: Vec<u8>,
    msp_id: String,
    pki_id: PkiId,
    inc_num: u64,
    seq_num: AtomicU64,
}

impl SelfMembership {
    /// `endpoint` is `peer.gossip.externalEndpoint` (empty: this peer is not announced, as
    /// in Fabric).
    pub fn new(
        peer: Arc<Peer>,
        signer: Arc<dyn SigningIdentity>,
        store: ChaincodeStore,
        endpoint: String,
    ) -> Self {
        let identity = signer.serialize();
        let msp_id = signer.msp_identifier().to_string();
        let inc_num = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        SelfMembership {
            pki_id: pki_id_of(&identity),
            peer,
            signer,
            store,
            endpoint,
            identity,
            msp_id,
            inc_num,
            seq_num: AtomicU64::new(0),
        }
    }

    pub fn pki_id(&self) -> &PkiId {
        &self.pki_id
    }

    fn timestamp(&self) -> PeerTime {
        PeerTime {
            inc_num: self.inc_num,
            seq_num: self.seq_num.fetch_add(1, Ordering::Relaxed) + 1,
        }
    }

    /// The chaincodes instantiated on the channel whose package is installed here.
    fn chaincodes(&self, channel: &str) -> Vec<Chaincode> {
        installed_chaincodes(&self.peer, &self.store, channel)
    }

    fn state_info(&self, channel: &str) -> Option<NetworkMember> {
        let ch = self.peer.channel(channel)?;
        let height = ch
            .ledger()
            .get_blockchain_info()
            .map(|i| i.height)
            .unwrap_or_default();
        let properties = Properties {
            ledger_height: height,
            left_channel: false,
            chaincodes: self.chaincodes(channel),
        };
        let mut mac = self.pki_id.0.clone();
        mac.extend_from_slice(channel.as_bytes());
        let msg = GossipMessage {
            nonce: 0,
            channel: Vec::new(),
            tag: Tag::ChanOrOrg as i32,
            content: Some(Content::StateInfo(StateInfo {
                timestamp: Some(self.timestamp()),
                pki_id: self.pki_id.0.clone(),
                channel_mac: sha256(&mac).to_vec(),
                properties: Some(properties.clone()),
            })),
        };
        Some(NetworkMember {
            pki_id: self.pki_id.clone(),
            properties: Some(properties),
            envelope: signed_envelope(self.signer.as_ref(), &msg),
            ..Default::default()
        })
    }
}

impl MembershipSource for SelfMembership {
    fn channel_exists(&self, channel: &str) -> bool {
        self.peer.channel(channel).is_some()
    }

    fn peers_of_channel(&self, channel: &str) -> Vec<NetworkMember> {
        self.state_info(channel).into_iter().collect()
    }

    fn peers(&self) -> Vec<NetworkMember> {
        if self.endpoint.is_empty() {
            return Vec::new();
        }
        let msg = GossipMessage {
            nonce: 0,
            channel: Vec::new(),
            tag: Tag::Empty as i32,
            content: Some(Content::AliveMsg(AliveMessage {
                membership: Some(Member {
                    endpoint: self.endpoint.clone(),
                    metadata: Vec::new(),
                    pki_id: self.pki_id.0.clone(),
                }),
                timestamp: Some(self.timestamp()),
                identity: Vec::new(),
            })),
        };
        vec![NetworkMember {
            endpoint: self.endpoint.clone(),
            pki_id: self.pki_id.clone(),
            envelope: signed_envelope(self.signer.as_ref(), &msg),
            ..Default::default()
        }]
    }

    fn identity_info(&self) -> Vec<PeerIdentityInfo> {
        vec![PeerIdentityInfo {
            pki_id: self.pki_id.clone(),
            identity: self.identity.clone(),
            organization: self.msp_id.clone().into_bytes(),
        }]
    }
}

/// The node's [`Support`].
pub struct PeerSupport {
    peer: Arc<Peer>,
    membership: Arc<dyn MembershipSource>,
    /// Who may ask the local (channel-less) queries: the local MSP's admins, or its
    /// members with `peer.discovery.orgMembersAllowedAccess`.
    local_policy: Arc<dyn Policy>,
}

impl PeerSupport {
    pub fn new(
        peer: Arc<Peer>,
        membership: Arc<dyn MembershipSource>,
        local_policy: Arc<dyn Policy>,
    ) -> Self {
        PeerSupport {
            peer,
            membership,
            local_policy,
        }
    }
}

impl MembershipSource for PeerSupport {
    fn channel_exists(&self, channel: &str) -> bool {
        self.membership.channel_exists(channel)
    }
    fn peers_of_channel(&self, channel: &str) -> Vec<NetworkMember> {
        self.membership.peers_of_channel(channel)
    }
    fn peers(&self) -> Vec<NetworkMember> {
        self.membership.peers()
    }
    fn identity_info(&self) -> Vec<PeerIdentityInfo> {
        self.membership.identity_info()
    }
}

impl Support for PeerSupport {
    fn eligible_for_service(&self, channel: &str, data: &SignedData) -> Result<(), SupportError> {
        let signed = std::slice::from_ref(data);
        if channel.is_empty() {
            return self
                .local_policy
                .evaluate(signed)
                .map_err(|e| SupportError::AccessDenied(e.to_string()));
        }
        let ch = self.peer.channel(channel).ok_or_else(|| {
            SupportError::AccessDenied(format!(
                "policy manager for channel {channel} doesn't exist"
            ))
        })?;
        let policy = ch
            .bundle()
            .policy_manager()
            .get_policy(CHANNEL_APPLICATION_WRITERS)
            .map_err(|_| {
                SupportError::AccessDenied(
                    "failed obtaining channel application writers policy".into(),
                )
            })?;
        policy
            .evaluate(signed)
            .map_err(|e| SupportError::AccessDenied(e.to_string()))
    }

    fn config_sequence(&self, channel: &str) -> u64 {
        if channel.is_empty() {
            return 0;
        }
        self.peer
            .channel(channel)
            .map_or(0, |ch| ch.bundle().sequence())
    }

    fn config(&self, channel: &str) -> Result<ConfigResult, SupportError> {
        let ch = self.peer.channel(channel).ok_or_else(|| {
            SupportError::Config(format!(
                "could not get last config block for channel {channel}"
            ))
        })?;
        let bundle = ch.bundle();
        config_result(bundle.config_proto()).map_err(|e| SupportError::Config(e.to_string()))
    }

    fn satisfies_principal(
        &self,
        channel: &str,
        identity: &[u8],
        principal: &MspPrincipal,
    ) -> Result<(), SupportError> {
        let ch = self
            .peer
            .channel(channel)
            .ok_or_else(|| SupportError::NoChannel(channel.to_string()))?;
        let bundle = ch.bundle();
        let id = bundle
            .msp_manager()
            .deserialize_identity(identity)
            .map_err(|e| SupportError::Identity(e.to_string()))?;
        id.satisfies_principal(principal)
            .map_err(|e| SupportError::Principal(e.to_string()))
    }

    fn chaincode_metadata(
        &self,
        channel: &str,
        chaincode: &str,
        load_collections: bool,
    ) -> Option<ChaincodeMetadata> {
        let ch = self.peer.channel(channel)?;
        let read = || -> Result<Option<ChaincodeMetadata>, crate::ledger::LedgerError> {
            let qe = ch.ledger().new_query_executor()?;
            let Some(raw) = qe.get_state(LSCC_NAMESPACE, chaincode)? else {
                return Ok(None);
            };
            let Ok(cd) = ChaincodeData::from_bytes(&raw) else {
                tracing::warn!(target: "discovery", "chaincode {chaincode} has an unreadable definition on channel {channel}");
                return Ok(None);
            };
            let collections_config = match load_collections {
                true => qe
                    .get_state(LSCC_NAMESPACE, &collection_key(chaincode))?
                    .unwrap_or_default(),
                false => Vec::new(),
            };
            Ok(Some(ChaincodeMetadata {
                name: cd.name,
                version: cd.version,
                policy: cd.policy,
                id: cd.id,
                collections_config,
            }))
        };
        read().unwrap_or_else(|e| {
            tracing::warn!(target: "discovery", "cannot read the definition of chaincode {chaincode} on channel {channel}: {e}");
            None
        })
    }
}

/// Fabric's `registerDiscoveryService`: the service of `peer node start` over `membership`
/// (today [`SelfMembership`]; gossip's view once it runs), with the local access policy of
/// `peer.discovery.orgMembersAllowedAccess` over the local MSP.
pub fn node_service(
    config: &crate::config::DiscoveryConfig,
    local_msp_id: &str,
    tls: bool,
    peer: Arc<Peer>,
    local_msp: Arc<dyn IdentityDeserializer>,
    membership: Arc<dyn MembershipSource>,
) -> Result<super::DiscoveryService, crate::policy::PolicyError> {
    use crate::policy::cauthdsl::builder::{signed_by_any_admin, signed_by_any_member};
    let envelope = match config.org_members_allowed_access {
        true => signed_by_any_member(&[local_msp_id]),
        false => signed_by_any_admin(&[local_msp_id]),
    };
    let local_policy = crate::policy::SignaturePolicyEvaluator::new(&envelope, local_msp)?;
    let support = PeerSupport::new(peer, membership, Arc::new(local_policy));
    let service = super::DiscoveryService::new(
        super::ServiceConfig {
            tls,
            auth_cache: super::authcache::AuthCacheConfig {
                enabled: config.auth_cache_enabled,
                max_size: config.auth_cache_max_size.max(1) as usize,
                purge_retention_ratio: config.auth_cache_purge_retention_ratio,
            },
        },
        Arc::new(support),
    );
    tracing::info!(target: "nodeCmd", "Discovery service activated");
    Ok(service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pki_id_is_the_hash_of_msp_id_and_certificate_as_fabric_computes_it() {
        let sid = SerializedIdentity {
            mspid: "Org1MSP".into(),
            id_bytes: b"CERT".to_vec(),
        }
        .encode_to_vec();
        assert_eq!(pki_id_of(&sid).0, sha256(b"Org1MSPCERT").to_vec());
        assert_ne!(pki_id_of(&sid).0, sha256(&sid).to_vec());
    }
}
