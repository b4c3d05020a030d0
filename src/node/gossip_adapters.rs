//! How `peer node start` binds the gossip layers to each other and to the peer (Fabric's
//! `gossip/service` adapters and `discovery/support/gossip`):
//! - [`ServiceAdapter`], [`StateAdapter`], [`ElectionAdapter`]: the per-channel gossip
//!   service (state provider, election) over the gossip facade;
//! - [`GossipMembership`]: the discovery service's membership from gossip, this peer
//!   included;
//! - [`ChannelGossipJoiner`]: joins a channel's gossip with its config (orgs, anchor peers),
//!   publishes the chaincodes installed and instantiated there, and follows config and
//!   chaincode changes as blocks commit.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::discovery::peer::installed_chaincodes;
use crate::discovery::MembershipSource;
use crate::gossip::api::SecurityAdvisor;
use crate::gossip::comm::{ReceivedMessage, RemotePeer};
use crate::gossip::common::{NetworkMember, PeerIdentity, PeerIdentityInfo, PkiId};
use crate::gossip::election::{
    is_leadership_message_for, ElectionMessage, LeaderElectionAdapter, MessageFactory,
};
use crate::gossip::gossip::Gossip;
use crate::gossip::join::ChannelJoinMessage;
use crate::gossip::service::GossipServiceAdapter;
use crate::gossip::state::{
    is_data_message_for, is_remote_state_message_for, GossipAdapter, LEADER_ELECTION_LEADER,
};
use crate::node::channels::ChannelJoiner;
use crate::operations::metrics::{Gauge, Metrics};
use crate::peer::{Channel, Peer};
use crate::protos::gossip::GossipMessage;
use crate::scc::lscc::ChaincodeStore;

/// Bound of the queue turning the facade's leadership messages into election messages.
const ELECTION_QUEUE: usize = 100;

/// Whether the sender of a message is of an organization of `channel` (the check Fabric's
/// state provider makes on remote state requests and responses).
fn sender_in_channel(
    peer: &Peer,
    sa: &dyn SecurityAdvisor,
    channel: &str,
    identity: &PeerIdentity,
) -> bool {
    let Some(org) = sa.org_by_peer_identity(identity) else {
        return false;
    };
    peer.channel(channel)
        .is_some_and(|ch| ChannelJoinMessage::from_bundle(&ch.bundle()).has_member(&org))
}

/// The state provider's view of gossip.
pub struct StateAdapter {
    gossip: Arc<dyn Gossip>,
    sa: Arc<dyn SecurityAdvisor>,
    peer: Arc<Peer>,
}

impl GossipAdapter for StateAdapter {
    fn send(&self, msg: GossipMessage, peers: &[RemotePeer]) {
        self.gossip.send(msg, peers);
    }

    fn accept_data(&self, channel: &str) -> mpsc::Receiver<GossipMessage> {
        let channel = channel.to_string();
        self.gossip
            .accept(Box::new(move |m| is_data_message_for(&channel, m)))
    }

    fn accept_state(&self, channel: &str) -> mpsc::Receiver<Arc<dyn ReceivedMessage>> {
        let (channel, peer, sa) = (channel.to_string(), self.peer.clone(), self.sa.clone());
        self.gossip
            .accept_pass_through(Box::new(move |m: &dyn ReceivedMessage| {
                is_remote_state_message_for(&channel, &m.message().message)
                    && sender_in_channel(
                        &peer,
                        sa.as_ref(),
                        &channel,
                        &m.connection_info().identity,
                    )
            }))
    }

    fn update_ledger_height(&self, channel: &str, height: u64) {
        self.gossip.update_ledger_height(height, channel.as_bytes());
    }

    fn peers_of_channel(&self, channel: &str) -> Vec<NetworkMember> {
        self.gossip.peers_of_channel(channel.as_bytes())
    }
}

/// One channel's election over gossip (Fabric's election `adapterImpl`).
pub struct ElectionAdapter {
    gossip: Arc<dyn Gossip>,
    channel: String,
    factory: MessageFactory,
    leader: Gauge,
}

impl LeaderElectionAdapter for ElectionAdapter {
    fn gossip(&self, msg: ElectionMessage) {
        self.gossip.gossip(msg.0);
    }

    fn accept(&self) -> mpsc::Receiver<ElectionMessage> {
        let channel = self.channel.clone();
        let mut from = self
            .gossip
            .accept(Box::new(move |m| is_leadership_message_for(&channel, m)));
        let (tx, rx) = mpsc::channel(ELECTION_QUEUE);
        tokio::spawn(async move {
            while let Some(msg) = from.recv().await {
                if tx.send(ElectionMessage(msg)).await.is_err() {
                    return;
                }
            }
        });
        rx
    }

    fn create_message(&self, is_declaration: bool) -> ElectionMessage {
        self.factory.create(is_declaration)
    }

    fn peers(&self) -> Vec<PkiId> {
        self.gossip
            .peers_of_channel(self.channel.as_bytes())
            .into_iter()
            .filter(|p| self.gossip.is_in_my_org(p))
            .map(|p| p.pki_id)
            .collect()
    }

    fn report_metrics(&self, is_leader: bool) {
        self.leader
            .set(&[&self.channel], if is_leader { 1.0 } else { 0.0 });
    }
}

/// The gossip service's view of gossip: dissemination, the state adapter, and one election
/// adapter per channel.
pub struct ServiceAdapter {
    gossip: Arc<dyn Gossip>,
    state: Arc<StateAdapter>,
    pki_id: PkiId,
    leader: Gauge,
}

impl ServiceAdapter {
    pub fn new(
        gossip: Arc<dyn Gossip>,
        sa: Arc<dyn SecurityAdvisor>,
        peer: Arc<Peer>,
        pki_id: PkiId,
        metrics: &Metrics,
    ) -> Self {
        ServiceAdapter {
            state: Arc::new(StateAdapter {
                gossip: gossip.clone(),
                sa,
                peer,
            }),
            gossip,
            pki_id,
            leader: metrics.gauge(LEADER_ELECTION_LEADER),
        }
    }
}

impl GossipServiceAdapter for ServiceAdapter {
    fn gossip(&self, msg: GossipMessage) {
        self.gossip.gossip(msg);
    }

    fn state_adapter(&self) -> Arc<dyn GossipAdapter> {
        self.state.clone()
    }

    fn election_adapter(&self, channel: &str) -> Arc<dyn LeaderElectionAdapter> {
        Arc::new(ElectionAdapter {
            gossip: self.gossip.clone(),
            channel: channel.to_string(),
            factory: MessageFactory::new(self.pki_id.clone(), channel),
            leader: self.leader.clone(),
        })
    }
}

/// The discovery service's membership from gossip, with this peer added as Fabric's
/// `DiscoverySupport` adds it.
pub struct GossipMembership {
    pub gossip: Arc<dyn Gossip>,
}

/// An alive message's envelope without its secret part (the internal endpoint), as
/// Fabric's `sanitizeEnvelope` hands it to discovery clients.
fn sanitized(mut member: NetworkMember) -> NetworkMember {
    if let Some(env) = member.envelope.as_mut() {
        env.secret_envelope = None;
    }
    member
}

impl MembershipSource for GossipMembership {
    fn channel_exists(&self, channel: &str) -> bool {
        self.gossip.self_channel_info(channel.as_bytes()).is_some()
    }

    fn peers_of_channel(&self, channel: &str) -> Vec<NetworkMember> {
        use crate::protos::gossip::gossip_message::Content;
        let Some(me) = self.gossip.self_channel_info(channel.as_bytes()) else {
            return Vec::new();
        };
        let Some(Content::StateInfo(info)) = &me.message.content else {
            return Vec::new();
        };
        let mut peers = self.gossip.peers_of_channel(channel.as_bytes());
        peers.push(NetworkMember {
            pki_id: PkiId(info.pki_id.clone()),
            properties: info.properties.clone(),
            envelope: me.envelope.clone(),
            ..Default::default()
        });
        peers
    }

    fn peers(&self) -> Vec<NetworkMember> {
        let mut peers = self.gossip.peers();
        peers.push(self.gossip.self_membership_info());
        peers
            .into_iter()
            .filter(|m| !m.endpoint.is_empty())
            .map(sanitized)
            .collect()
    }

    fn identity_info(&self) -> Vec<PeerIdentityInfo> {
        self.gossip.identity_info()
    }
}

/// Joins channels to gossip and keeps what this peer publishes about them current.
pub struct ChannelGossipJoiner {
    gossip: Arc<dyn Gossip>,
    store: ChaincodeStore,
    peer: Arc<Peer>,
    watchers: Mutex<Vec<JoinHandle<()>>>,
}

impl ChannelGossipJoiner {
    pub fn new(gossip: Arc<dyn Gossip>, store: ChaincodeStore, peer: Arc<Peer>) -> Self {
        ChannelGossipJoiner {
            gossip,
            store,
            peer,
            watchers: Mutex::new(Vec::new()),
        }
    }

    /// Stops following the channels.
    pub fn stop(&self) {
        for task in self
            .watchers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }

    fn publish_chaincodes(&self, channel: &str) -> BTreeSet<(String, String)> {
        let chaincodes = installed_chaincodes(&self.peer, &self.store, channel);
        let names = chaincodes
            .iter()
            .map(|c| (c.name.clone(), c.version.clone()))
            .collect();
        self.gossip
            .update_chaincodes(chaincodes, channel.as_bytes());
        names
    }
}

impl ChannelJoiner for ChannelGossipJoiner {
    /// Fabric's `updateAnchors` + `JoinChan` at channel start, then after every committed
    /// block: a new config sequence re-joins (orgs and anchor peers may have changed), a
    /// new set of chaincodes is published.
    fn join(self: Arc<Self>, channel: &Arc<Channel>) {
        let id = channel.id().to_string();
        let bundle = channel.bundle();
        let join = ChannelJoinMessage::from_bundle(&bundle);
        self.gossip.join_chan(&join, id.as_bytes());
        let mut sequence = bundle.sequence();
        let mut chaincodes = self.publish_chaincodes(&id);
        let mut heights = channel.ledger().height_watch();
        let (me, channel) = (Arc::downgrade(&self), channel.clone());
        let task = tokio::spawn(async move {
            while heights.changed().await.is_ok() {
                let Some(me) = me.upgrade() else { return };
                let bundle = channel.bundle();
                if bundle.sequence() != sequence {
                    sequence = bundle.sequence();
                    let join = ChannelJoinMessage::from_bundle(&bundle);
                    me.gossip.join_chan(&join, id.as_bytes());
                    tracing::info!(target: "gossip.service", "Channel [{id}] config sequence {sequence}: gossip re-joined with its organizations and anchor peers");
                }
                let (peer, store, ch) = (me.peer.clone(), me.store.clone(), id.clone());
                let Ok(now) =
                    tokio::task::spawn_blocking(move || installed_chaincodes(&peer, &store, &ch))
                        .await
                else {
                    return;
                };
                let names: BTreeSet<(String, String)> = now
                    .iter()
                    .map(|c| (c.name.clone(), c.version.clone()))
                    .collect();
                if names != chaincodes {
                    chaincodes = names;
                    me.gossip.update_chaincodes(now, id.as_bytes());
                }
            }
        });
        self.watchers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::gossip::Envelope;

    #[test]
    fn discovery_gets_alive_envelopes_without_their_secret() {
        let member = NetworkMember {
            endpoint: "127.0.0.1:7051".into(),
            envelope: Some(Envelope {
                payload: vec![1],
                signature: vec![2],
                secret_envelope: Some(Default::default()),
            }),
            ..Default::default()
        };
        let clean = sanitized(member);
        let env = clean.envelope.unwrap();
        assert_eq!((env.payload, env.signature), (vec![1], vec![2]));
        assert!(env.secret_envelope.is_none());
    }
}
