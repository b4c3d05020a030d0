//! The join channel message gossip receives for a channel, built from the channel's config
//! as Fabric's gossip service does on every config block (`updateAnchors`): the config
//! sequence, the application organizations, and each organization's anchor peers.

use std::collections::BTreeMap;

use super::api::{AnchorPeer, JoinChannelMessage};
use super::common::OrgId;
use crate::channelconfig::Bundle;

/// A channel's organizations and anchor peers at one config sequence.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ChannelJoinMessage {
    sequence: u64,
    anchor_peers: BTreeMap<OrgId, Vec<AnchorPeer>>,
}

impl ChannelJoinMessage {
    /// The message for `bundle`'s application organizations (none for a channel without an
    /// application section, such as the system channel).
    pub fn from_bundle(bundle: &Bundle) -> Self {
        let anchor_peers = bundle
            .application_config()
            .map(|app| {
                app.organizations()
                    .values()
                    .map(|org| {
                        let peers = org
                            .anchor_peers()
                            .iter()
                            .map(|a| AnchorPeer {
                                host: a.host.clone(),
                                port: u16::try_from(a.port).unwrap_or(0),
                            })
                            .collect();
                        (org.msp_id().as_bytes().to_vec(), peers)
                    })
                    .collect()
            })
            .unwrap_or_default();
        ChannelJoinMessage {
            sequence: bundle.sequence(),
            anchor_peers,
        }
    }

    /// Whether `org` (an MSP ID) is one of the channel's application organizations, as
    /// Fabric checks before joining (`amIinChannel`).
    pub fn has_member(&self, org: &[u8]) -> bool {
        self.anchor_peers.contains_key(org)
    }
}

impl JoinChannelMessage for ChannelJoinMessage {
    fn sequence_number(&self) -> u64 {
        self.sequence
    }

    fn members(&self) -> Vec<OrgId> {
        self.anchor_peers.keys().cloned().collect()
    }

    fn anchor_peers_of(&self, org: &[u8]) -> Vec<AnchorPeer> {
        self.anchor_peers.get(org).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::common::Block;
    use prost::Message;

    fn block(n: u64) -> Block {
        let path = crate::test_vectors::dir()
            .join(format!("ledger/mychannel/committed/mychannel_{n}.block"));
        Block::decode(std::fs::read(path).unwrap().as_slice()).unwrap()
    }

    #[test]
    fn genesis_has_both_orgs_without_anchor_peers() {
        let bundle = crate::peer::config_bundle_of(&block(0)).unwrap();
        let msg = ChannelJoinMessage::from_bundle(&bundle);
        assert_eq!(
            msg.members(),
            vec![b"Org1MSP".to_vec(), b"Org2MSP".to_vec()]
        );
        assert!(msg.anchor_peers_of(b"Org1MSP").is_empty());
        assert!(msg.has_member(b"Org2MSP"));
        assert!(!msg.has_member(b"OrdererMSP"));
        assert_eq!(msg.sequence_number(), bundle.sequence());
    }

    #[test]
    fn anchor_peer_updates_name_each_orgs_anchor() {
        // Blocks 1 and 2 of the vector channel are Org1's and Org2's anchor peer updates.
        let bundle = crate::peer::config_bundle_of(&block(2)).unwrap();
        let msg = ChannelJoinMessage::from_bundle(&bundle);
        let org1 = msg.anchor_peers_of(b"Org1MSP");
        let org2 = msg.anchor_peers_of(b"Org2MSP");
        assert_eq!(org1.len(), 1, "{msg:?}");
        assert_eq!(org2.len(), 1, "{msg:?}");
        assert!(org1[0].port > 0 && !org1[0].host.is_empty());
        assert_ne!(org1, org2);
        assert!(msg.anchor_peers_of(b"NoSuchMSP").is_empty());
    }
}
