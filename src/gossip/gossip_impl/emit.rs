//! Where pushed messages go (Fabric's `gossipBatch`): blocks and leadership messages to
//! peers of our organization in the channel, state info to the channel's peers (or our
//! organization when its author has no external endpoint), organization-restricted messages
//! to our organization, alive messages by their origin organization, secrets stripped for
//! other organizations.

use std::collections::HashMap;

use super::batcher::Emitted;
use super::Inner;
use crate::gossip::comm::RemotePeer;
use crate::gossip::common::{NetworkMember, PkiId};
use crate::gossip::filter;
use crate::gossip::protoext::GossipMessageExt;
use crate::protos::gossip::gossip_message::Content;

impl Inner {
    pub(super) fn gossip_batch(&self, msgs: Vec<Emitted>) {
        let membership = self.disc().get_membership();
        let mut blocks_and_leaders = Vec::new();
        let mut rest = Vec::new();
        for e in msgs {
            let m = &e.msg.message;
            if m.is_data_msg() || m.is_leadership_msg() {
                blocks_and_leaders.push(e);
            } else if m.is_state_info_msg() {
                self.gossip_state_info(&e, &membership);
            } else {
                rest.push(e);
            }
        }
        self.gossip_in_chan(blocks_and_leaders, &membership);
        let org_peers = filter::select_peers(self.conf.propagate_peer_num, &membership, |m| {
            self.is_in_my_org(&m.pki_id)
        });
        for e in rest {
            if self.is_org_restricted(&e) {
                let peers: Vec<RemotePeer> = org_peers
                    .iter()
                    .filter(|p| e.allows(&p.pki_id))
                    .cloned()
                    .collect();
                self.deps.comm.send(&e.msg, &peers);
            } else if e.msg.message.is_alive_msg() {
                let origin = e.msg.message.alive_pki_id();
                let by_origin = self.peers_by_origin_org_policy(&origin);
                let peers = filter::select_peers(self.conf.propagate_peer_num, &membership, |m| {
                    by_origin(m) && e.allows(&m.pki_id)
                });
                self.send_and_filter_secrets(&e, &peers);
            } else {
                tracing::error!(target: super::LOG, "Unknown message type to gossip");
            }
        }
    }

    fn is_org_restricted(&self, e: &Emitted) -> bool {
        let m = &e.msg.message;
        if m.is_org_restricted() {
            return true;
        }
        match &m.content {
            Some(Content::AliveMsg(am)) => {
                let member = am.membership.clone().unwrap_or_default();
                member.endpoint.is_empty() && self.is_in_my_org(&PkiId(member.pki_id))
            }
            _ => false,
        }
    }

    fn gossip_state_info(&self, e: &Emitted, membership: &[NetworkMember]) {
        let Some(Content::StateInfo(si)) = &e.msg.message.content else {
            return;
        };
        let author = PkiId(si.pki_id.clone());
        let gc = self.channel_for_msg(&e.msg.message, &author);
        let to_channel = gc.is_some() && self.has_external_endpoint(&author);
        let peers = filter::select_peers(self.conf.propagate_peer_num, membership, |m| {
            let chosen = match (&gc, to_channel) {
                (Some(gc), true) => gc.is_member_in_chan(m),
                _ => self.is_in_my_org(&m.pki_id),
            };
            chosen && e.allows(&m.pki_id)
        });
        self.deps.comm.send(&e.msg, &peers);
    }

    /// Blocks and leadership messages, per channel, to peers of our organization that
    /// published state info for it (all such peers for leadership messages).
    fn gossip_in_chan(&self, msgs: Vec<Emitted>, membership: &[NetworkMember]) {
        let mut by_channel: HashMap<Vec<u8>, Vec<Emitted>> = HashMap::new();
        for e in msgs {
            if !e.msg.message.channel.is_empty() {
                by_channel
                    .entry(e.msg.message.channel.clone())
                    .or_default()
                    .push(e);
            }
        }
        for (channel, msgs) in by_channel {
            let Some(gc) = self.channel(&channel) else {
                tracing::warn!(target: super::LOG, "Channel {} wasn't found", String::from_utf8_lossy(&channel));
                continue;
            };
            let eligible = |m: &NetworkMember| {
                gc.eligible_for_channel(m)
                    && gc.is_member_in_chan(m)
                    && self.is_in_my_org(&m.pki_id)
            };
            let (leaders, blocks): (Vec<_>, Vec<_>) = msgs
                .into_iter()
                .partition(|e| e.msg.message.is_leadership_msg());
            for (group, k) in [
                (leaders, membership.len()),
                (blocks, self.conf.propagate_peer_num),
            ] {
                if group.is_empty() {
                    continue;
                }
                let peers = filter::select_peers(k, membership, eligible);
                for e in group {
                    let to: Vec<RemotePeer> = peers
                        .iter()
                        .filter(|p| e.allows(&p.pki_id))
                        .cloned()
                        .collect();
                    self.deps.comm.send(&e.msg, &to);
                }
            }
        }
    }

    fn send_and_filter_secrets(&self, e: &Emitted, peers: &[RemotePeer]) {
        let from_other_org = !self.is_in_my_org(&e.msg.message.alive_pki_id());
        for p in peers {
            if from_other_org && !self.has_external_endpoint(&p.pki_id) {
                continue;
            }
            let mut msg = e.msg.clone();
            if !self.is_in_my_org(&p.pki_id) {
                if let Some(env) = &mut msg.envelope {
                    env.secret_envelope = None;
                }
            }
            self.deps.comm.send(&msg, std::slice::from_ref(p));
        }
    }

    /// Fabric's `peersByOriginOrgPolicy`: messages of our organization go to everyone; those
    /// of another organization to it and to ours.
    fn peers_by_origin_org_policy(
        &self,
        origin: &PkiId,
    ) -> Box<dyn Fn(&NetworkMember) -> bool + '_> {
        let Some(origin_org) = self.org_of_peer(origin) else {
            tracing::warn!(target: super::LOG, "Unable to determine organization of peer {origin}");
            return Box::new(|_| false);
        };
        if origin_org == self.self_org {
            return Box::new(|_| true);
        }
        Box::new(move |m| {
            self.org_of_peer(&m.pki_id)
                .is_some_and(|org| org == self.self_org || org == origin_org)
        })
    }
}
