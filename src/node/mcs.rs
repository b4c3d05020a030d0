//! The peer's message crypto service and security advisor for gossip (Fabric's
//! `peer/gossip/mcs.go` and `sa.go`): identities are validated by the local MSP or, failing
//! that, by the MSPs of a joined channel; signatures of channel members are checked against
//! the channel's `/Channel/Application/Readers`; blocks against the orderers'
//! `BlockValidation` policy.
//!
//! It lives with `peer node start` (Fabric's `peer/gossip`) rather than in [`crate::peer`]
//! because it uses the deliver client's block check, and the deliver service uses
//! [`crate::peer`].
//!
//! The checks verify signatures and walk certificate chains: call them from threads made
//! for that (comm does, through `spawn_blocking`).

use std::sync::Arc;
use std::time::SystemTime;

use prost::Message;
use sha2::{Digest, Sha256};

use crate::channelconfig::Bundle;
use crate::gossip::api::{CryptoError, MessageCryptoService, SecurityAdvisor};
use crate::gossip::comm::TlsRootsSource;
use crate::gossip::common::{OrgId, PeerIdentity, PkiId};
use crate::msp::{Identity, IdentityDeserializer, SigningIdentity, X509Msp};
use crate::peer::Peer;
use crate::policy::manager::CHANNEL_APPLICATION_READERS;
use crate::policy::SignedData;
use crate::protos::common::Block;
use crate::protos::msp::SerializedIdentity;

const TARGET: &str = "peer.gossip.mcs";

/// The channels whose MSPs and policies gossip checks against (the peer's joined channels).
pub trait ChannelBundles: Send + Sync {
    /// Every joined channel with its config in force, ordered by channel id.
    fn bundles(&self) -> Vec<(String, Arc<Bundle>)>;
    /// One channel's config in force.
    fn bundle(&self, channel: &str) -> Option<Arc<Bundle>>;
}

impl ChannelBundles for Peer {
    fn bundles(&self) -> Vec<(String, Arc<Bundle>)> {
        self.channel_ids()
            .into_iter()
            .filter_map(|id| self.channel(&id).map(|c| (id, c.bundle())))
            .collect()
    }

    fn bundle(&self, channel: &str) -> Option<Arc<Bundle>> {
        self.channel(channel).map(|c| c.bundle())
    }
}

fn invalid(msg: impl Into<String>) -> CryptoError {
    CryptoError::Invalid(msg.into())
}

/// Fabric's `MSPMessageCryptoService` over the local MSP and the channels' MSPs.
pub struct PeerMcs {
    signer: Arc<dyn SigningIdentity>,
    local: X509Msp,
    channels: Arc<dyn ChannelBundles>,
}

impl PeerMcs {
    pub fn new(
        signer: Arc<dyn SigningIdentity>,
        local: X509Msp,
        channels: Arc<dyn ChannelBundles>,
    ) -> Self {
        PeerMcs {
            signer,
            local,
            channels,
        }
    }

    /// The identity validated by the local MSP or a channel's (that channel returned);
    /// Fabric's `getValidatedIdentity`.
    fn validated(&self, raw: &[u8]) -> Result<(Arc<dyn Identity>, Option<String>), CryptoError> {
        if raw.is_empty() {
            return Err(invalid(
                "Invalid Peer Identity. It must be different from nil.",
            ));
        }
        let sid = SerializedIdentity::decode(raw)
            .map_err(|e| invalid(format!("failed deserializing identity: {e}")))?;
        if let Ok(identity) = self.local.deserialize_identity(raw) {
            self.local
                .is_well_formed(&sid)
                .map_err(|e| invalid(format!("identity is not well formed: {e}")))?;
            if identity.msp_identifier() == self.local.identifier() {
                identity.validate().map_err(|e| invalid(e.to_string()))?;
                return Ok((identity, None));
            }
        }
        for (channel, bundle) in self.channels.bundles() {
            let manager = bundle.msp_manager();
            let identity = match manager.deserialize_identity(raw) {
                Ok(identity) => identity,
                Err(e) => {
                    tracing::debug!(target: TARGET, "Failed deserialization identity on [{channel}]: [{e}]");
                    continue;
                }
            };
            manager
                .is_well_formed(&sid)
                .map_err(|e| invalid(format!("identity is not well formed: {e}")))?;
            if let Err(e) = identity.validate() {
                tracing::debug!(target: TARGET, "Failed validating identity on [{channel}]: [{e}]");
                continue;
            }
            return Ok((identity, Some(channel)));
        }
        Err(invalid(format!(
            "Peer Identity of MSP {:?} cannot be validated. No MSP found able to do that.",
            sid.mspid
        )))
    }
}

impl MessageCryptoService for PeerMcs {
    /// SHA-256 of the MSP ID followed by the identity bytes (Fabric's `GetPKIidOfCert`);
    /// empty when the identity does not decode.
    fn pki_id_of_cert(&self, identity: &[u8]) -> PkiId {
        pki_id_of(identity)
    }

    fn verify_block(&self, channel: &str, seq_num: u64, block: &[u8]) -> Result<(), CryptoError> {
        let block = Block::decode(block).map_err(|e| {
            invalid(format!(
                "Failed unmarshalling block bytes on channel [{channel}]: [{e}]"
            ))
        })?;
        let bundle = self.channels.bundle(channel).ok_or_else(|| {
            invalid(format!(
                "Could not acquire policy manager for channel {channel}"
            ))
        })?;
        crate::deliver::client::verify_block(&bundle, channel, seq_num, &block)
            .map_err(|e| invalid(e.to_string()))
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.signer.sign(msg).map_err(|e| invalid(e.to_string()))
    }

    fn verify(&self, identity: &[u8], signature: &[u8], msg: &[u8]) -> Result<(), CryptoError> {
        let (id, channel) = self.validated(identity).inspect_err(|e| {
            tracing::error!(target: TARGET, "Failed getting validated identity from peer identity [{e}]");
        })?;
        match channel {
            None => id
                .verify(msg, signature)
                .map_err(|e| invalid(e.to_string())),
            Some(channel) => self.verify_by_channel(&channel, identity, signature, msg),
        }
    }

    fn verify_by_channel(
        &self,
        channel: &str,
        identity: &[u8],
        signature: &[u8],
        msg: &[u8],
    ) -> Result<(), CryptoError> {
        if identity.is_empty() {
            return Err(invalid(
                "Invalid Peer Identity. It must be different from nil.",
            ));
        }
        let bundle = self.channels.bundle(channel).ok_or_else(|| {
            invalid(format!(
                "Could not acquire policy manager for channel {channel}"
            ))
        })?;
        let policy = bundle
            .policy_manager()
            .get_policy(CHANNEL_APPLICATION_READERS)
            .map_err(|e| invalid(e.to_string()))?;
        policy
            .evaluate(&[SignedData {
                data: msg.to_vec(),
                identity: identity.to_vec(),
                signature: signature.to_vec(),
            }])
            .map_err(|e| invalid(e.to_string()))
    }

    fn validate_identity(&self, identity: &[u8]) -> Result<(), CryptoError> {
        self.validated(identity).map(|_| ())
    }

    fn expiration(&self, identity: &[u8]) -> Result<Option<SystemTime>, CryptoError> {
        let (id, _) = self.validated(identity).map_err(|e| {
            invalid(format!(
                "Unable to extract msp.Identity from peer Identity: {e}"
            ))
        })?;
        Ok(id.expires_at())
    }
}

/// Fabric's PKI-ID of a serialized identity: SHA-256(mspid || id_bytes).
pub fn pki_id_of(identity: &[u8]) -> PkiId {
    if identity.is_empty() {
        tracing::error!(target: TARGET, "Invalid Peer Identity. It must be different from nil.");
        return PkiId::default();
    }
    match SerializedIdentity::decode(identity) {
        Ok(sid) => {
            let mut h = Sha256::new();
            h.update(sid.mspid.as_bytes());
            h.update(&sid.id_bytes);
            PkiId(h.finalize().to_vec())
        }
        Err(e) => {
            tracing::error!(target: TARGET, "Failed getting validated identity from peer identity: [{e}]");
            PkiId::default()
        }
    }
}

/// Fabric's `mspSecurityAdvisor`: the MSP ID of an identity, from the local MSP or a
/// channel's (no validation).
pub struct PeerSecurityAdvisor {
    local: X509Msp,
    channels: Arc<dyn ChannelBundles>,
}

impl PeerSecurityAdvisor {
    pub fn new(local: X509Msp, channels: Arc<dyn ChannelBundles>) -> Self {
        PeerSecurityAdvisor { local, channels }
    }
}

impl SecurityAdvisor for PeerSecurityAdvisor {
    fn org_by_peer_identity(&self, identity: &PeerIdentity) -> Option<OrgId> {
        if identity.is_empty() {
            tracing::error!(target: "peer.gossip.sa", "Invalid Peer Identity. It must be different from nil.");
            return None;
        }
        if let Ok(id) = self.local.deserialize_identity(identity) {
            return Some(id.msp_identifier().as_bytes().to_vec());
        }
        for (_, bundle) in self.channels.bundles() {
            if let Ok(id) = bundle.msp_manager().deserialize_identity(identity) {
                return Some(id.msp_identifier().as_bytes().to_vec());
            }
        }
        tracing::warn!(target: "peer.gossip.sa", "Peer Identity cannot be deserialized. No MSP found able to do that.");
        None
    }
}

/// The TLS root and intermediate CAs of every organization of the joined channels, for
/// gossip's dials (Fabric's credential support refreshed on config updates).
pub struct ChannelTlsRoots(pub Arc<dyn ChannelBundles>);

impl TlsRootsSource for ChannelTlsRoots {
    fn tls_roots(&self) -> Vec<Vec<u8>> {
        let mut roots = Vec::new();
        for (_, bundle) in self.0.bundles() {
            for msp in bundle.msp_manager().msps().values() {
                roots.extend(msp.tls_root_certs().iter().cloned());
                roots.extend(msp.tls_intermediate_certs().iter().cloned());
            }
        }
        roots.sort();
        roots.dedup();
        roots
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::committer::testutil::Network;
    use std::collections::BTreeMap;

    struct Channels(BTreeMap<String, Arc<Bundle>>);
    impl ChannelBundles for Channels {
        fn bundles(&self) -> Vec<(String, Arc<Bundle>)> {
            self.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        fn bundle(&self, channel: &str) -> Option<Arc<Bundle>> {
            self.0.get(channel).cloned()
        }
    }

    /// Org1's MSP as the channel has it stands in for the peer's local MSP.
    fn org1_msp(net: &Network) -> X509Msp {
        net.bundle().msp_manager().msp("Org1MSP").unwrap().clone()
    }

    fn mcs(net: &Network, channels: bool) -> (PeerMcs, Arc<dyn SigningIdentity>) {
        let signer = net.peer(1);
        let local = org1_msp(net);
        let mut map = BTreeMap::new();
        if channels {
            map.insert("mychannel".to_string(), Arc::new(net.bundle()));
        }
        (
            PeerMcs::new(signer.clone(), local, Arc::new(Channels(map))),
            signer,
        )
    }

    #[test]
    fn pki_id_hashes_the_msp_id_and_the_certificate() {
        let net = Network::new("V1_4_2");
        let id = net.peer(1).serialize();
        let sid = SerializedIdentity::decode(id.as_slice()).unwrap();
        let expected = Sha256::digest([sid.mspid.as_bytes(), &sid.id_bytes].concat()).to_vec();
        assert_eq!(pki_id_of(&id).0, expected);
        assert_ne!(pki_id_of(&id).0, Sha256::digest(&id).to_vec());
        assert!(pki_id_of(b"").is_empty());
        assert!(pki_id_of(&[0xff, 0xff]).is_empty());
    }

    #[test]
    fn local_and_channel_identities_validate_foreign_ones_do_not() {
        let net = Network::new("V1_4_2");
        let (without_channels, _) = mcs(&net, false);
        let (with_channel, signer) = mcs(&net, true);
        let org1 = signer.serialize();
        let org2 = net.peer(2).serialize();
        let org3 = net.peer(3).serialize();
        without_channels.validate_identity(&org1).unwrap();
        assert!(without_channels.validate_identity(&org2).is_err());
        with_channel.validate_identity(&org2).unwrap();
        assert!(
            with_channel.validate_identity(&org3).is_err(),
            "Org3 is in no channel"
        );
        assert!(with_channel.expiration(&org2).unwrap().is_some());

        // signatures: ours through the local MSP, Org2's through mychannel's readers
        let sig = with_channel.sign(b"hello").unwrap();
        with_channel.verify(&org1, &sig, b"hello").unwrap();
        assert!(with_channel.verify(&org1, &sig, b"other").is_err());
        let org2_signer = net.peer(2);
        let sig2 = org2_signer.sign(b"hello").unwrap();
        with_channel.verify(&org2, &sig2, b"hello").unwrap();
        with_channel
            .verify_by_channel("mychannel", &org2, &sig2, b"hello")
            .unwrap();
        assert!(with_channel
            .verify_by_channel("mychannel", &org2, &sig2, b"other")
            .is_err());
        assert!(with_channel
            .verify_by_channel("nochannel", &org2, &sig2, b"hello")
            .is_err());
        let sig3 = net.peer(3).sign(b"hello").unwrap();
        assert!(with_channel.verify(&org3, &sig3, b"hello").is_err());
    }

    #[test]
    fn the_security_advisor_names_the_msp() {
        let net = Network::new("V1_4_2");
        let local = org1_msp(&net);
        let mut map = BTreeMap::new();
        map.insert("mychannel".to_string(), Arc::new(net.bundle()));
        let channels: Arc<dyn ChannelBundles> = Arc::new(Channels(map));
        let sa = PeerSecurityAdvisor::new(local, channels.clone());
        assert_eq!(
            sa.org_by_peer_identity(&net.peer(2).serialize()),
            Some(b"Org2MSP".to_vec())
        );
        assert_eq!(
            sa.org_by_peer_identity(&net.peer(1).serialize()),
            Some(b"Org1MSP".to_vec())
        );
        assert_eq!(sa.org_by_peer_identity(&net.peer(3).serialize()), None);
        assert!(!ChannelTlsRoots(channels).tls_roots().is_empty());
    }

    #[test]
    fn blocks_are_verified_against_the_channel() {
        // blocks of Fabric's reference network, signed by its orderer
        let dir = crate::test_vectors::dir();
        let block = |n: u64| {
            std::fs::read(dir.join(format!("ledger/mychannel/ordered/mychannel_{n}.block")))
                .unwrap()
        };
        let genesis = Block::decode(block(0).as_slice()).unwrap();
        let bundle = Arc::new(crate::peer::config_bundle_of(&genesis).unwrap());
        let local = bundle.msp_manager().msps().values().next().unwrap().clone();
        let net = Network::new("V1_4_2");
        let mut map = BTreeMap::new();
        map.insert("mychannel".to_string(), bundle);
        let mcs = PeerMcs::new(net.peer(1), local, Arc::new(Channels(map)));
        mcs.verify_block("mychannel", 3, &block(3)).unwrap();
        let err = mcs.verify_block("mychannel", 4, &block(3)).unwrap_err();
        assert!(err.to_string().contains("claimed seqNum"), "{err}");
        // the genesis block carries no orderer signature: refused by BlockValidation
        let err = mcs.verify_block("mychannel", 0, &block(0)).unwrap_err();
        assert!(err.to_string().contains("BlockValidation"), "{err}");
        assert!(mcs.verify_block("other", 3, &block(3)).is_err());
        assert!(mcs.verify_block("mychannel", 0, b"junk").is_err());
    }
}
