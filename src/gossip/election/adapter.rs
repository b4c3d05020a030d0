//! What the election asks of gossip (Fabric's `election.LeaderElectionAdapter`) and the
//! leadership messages it exchanges (Fabric's `adapterImpl.CreateMessage` and `msgImpl`).

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use crate::gossip::common::PkiId;
use crate::protos::gossip::gossip_message::{Content, Tag};
use crate::protos::gossip::{GossipMessage, LeadershipMessage, PeerTime};

/// A leadership proposal or declaration (Fabric's `election.Msg`).
#[derive(Clone, Debug, PartialEq)]
pub struct ElectionMessage(pub GossipMessage);

impl ElectionMessage {
    fn leadership(&self) -> Option<&LeadershipMessage> {
        match &self.0.content {
            Some(Content::LeadershipMsg(m)) => Some(m),
            _ => None,
        }
    }

    /// The PKI-ID the message claims to come from.
    pub fn sender_id(&self) -> &[u8] {
        self.leadership().map_or(&[], |m| m.pki_id.as_slice())
    }

    pub fn is_declaration(&self) -> bool {
        self.leadership().is_some_and(|m| m.is_declaration)
    }

    /// A proposal: any leadership message that is not a declaration (as Fabric).
    pub fn is_proposal(&self) -> bool {
        self.leadership().is_some() && !self.is_declaration()
    }
}

/// What the election service needs of gossip for one channel (Fabric's
/// `election.LeaderElectionAdapter`). The peer implements it over the gossip facade.
pub trait LeaderElectionAdapter: Send + Sync {
    /// Gossips a leadership message to the peers of the channel in our organization
    /// (Fabric signs it and sends it with tag CHAN_AND_ORG).
    fn gossip(&self, msg: ElectionMessage);
    /// The leadership messages of the channel received from other peers (Fabric's acceptor:
    /// tag CHAN_AND_ORG, a LeadershipMsg, this channel). Bounded; called once.
    fn accept(&self) -> mpsc::Receiver<ElectionMessage>;
    /// A new proposal (`false`) or declaration (`true`) from this peer
    /// ([`MessageFactory::create`] builds it as Fabric does).
    fn create_message(&self, is_declaration: bool) -> ElectionMessage;
    /// PKI-IDs of the alive peers of the channel in our organization (not us).
    fn peers(&self) -> Vec<PkiId>;
    /// Reports whether we lead (Fabric's `gossip_leader_election_leader{channel}` gauge).
    fn report_metrics(&self, is_leader: bool);
}

/// Builds this peer's leadership messages for one channel, as Fabric's `adapterImpl`:
/// PeerTime's `inc_num` is the creation time in nanoseconds, `seq_num` counts up from 1.
#[derive(Debug)]
pub struct MessageFactory {
    pki_id: PkiId,
    channel: Vec<u8>,
    inc_time: u64,
    seq_num: AtomicU64,
}

impl MessageFactory {
    pub fn new(pki_id: PkiId, channel: &str) -> Self {
        let inc_time = crate::gossip::protoext::now_nanos();
        MessageFactory {
            pki_id,
            channel: channel.as_bytes().to_vec(),
            inc_time,
            seq_num: AtomicU64::new(0),
        }
    }

    /// A proposal or declaration: nonce 0, tag CHAN_AND_ORG, the channel set.
    pub fn create(&self, is_declaration: bool) -> ElectionMessage {
        let seq_num = self.seq_num.fetch_add(1, Ordering::Relaxed) + 1;
        ElectionMessage(GossipMessage {
            nonce: 0,
            channel: self.channel.clone(),
            tag: Tag::ChanAndOrg as i32,
            content: Some(Content::LeadershipMsg(LeadershipMessage {
                pki_id: self.pki_id.0.clone(),
                timestamp: Some(PeerTime {
                    inc_num: self.inc_time,
                    seq_num,
                }),
                is_declaration,
            })),
        })
    }
}

/// Whether a received message is one the election of `channel` takes (Fabric's acceptor in
/// `adapterImpl.Accept`), for the adapter's subscription.
pub fn is_leadership_message_for(channel: &str, msg: &GossipMessage) -> bool {
    msg.tag == Tag::ChanAndOrg as i32
        && matches!(msg.content, Some(Content::LeadershipMsg(_)))
        && msg.channel == channel.as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_count_up_and_carry_the_channel_and_tag() {
        let f = MessageFactory::new(PkiId(vec![1, 2]), "ch");
        let a = f.create(false);
        let b = f.create(true);
        assert!(a.is_proposal() && !a.is_declaration());
        assert!(b.is_declaration() && !b.is_proposal());
        assert_eq!(a.sender_id(), &[1, 2]);
        let seq = |m: &ElectionMessage| match &m.0.content {
            Some(Content::LeadershipMsg(l)) => l.timestamp.as_ref().map(|t| t.seq_num),
            _ => None,
        };
        assert_eq!((seq(&a), seq(&b)), (Some(1), Some(2)));
        assert!(is_leadership_message_for("ch", &a.0));
        assert!(!is_leadership_message_for("other", &a.0));
        let mut untagged = a.0.clone();
        untagged.tag = Tag::ChanOnly as i32;
        assert!(!is_leadership_message_for("ch", &untagged));
    }
}
