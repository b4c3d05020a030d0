//! Messages of one channel (Fabric's `gossipChannel.HandleMessage` and its helpers).

use std::sync::Arc;

use super::stateinfo::state_info_pki_id;
use super::{generate_mac, Inner, LOG};
use crate::gossip::comm::ReceivedMessage;
use crate::gossip::comm::SignedGossipMessage;
use crate::gossip::common::{NetworkMember, OrgId, PkiId};
use crate::gossip::protoext::GossipMessageExt;
use crate::protos::gossip::{
    gossip_message::{Content, Tag},
    DataUpdate, GossipMessage, PullMsgType, StateInfoSnapshot,
};

impl Inner {
    pub(super) fn handle_message(&self, msg: Arc<dyn ReceivedMessage>) {
        if !self.verify_msg(msg.as_ref()) {
            tracing::warn!(target: LOG, "Failed verifying message from {}", msg.connection_info().endpoint);
            return;
        }
        let m = &msg.message().message;
        if !m.is_channel_restricted() {
            return;
        }
        let sender = &msg.connection_info().id;
        let Some(org) = self.adapter.org_of_peer(sender) else {
            return;
        };
        if !self.is_org_in_channel(&org) {
            tracing::warn!(
                target: LOG,
                "Point to point message came from {}, org({}) but it's not eligible for the channel {}",
                msg.connection_info().endpoint,
                String::from_utf8_lossy(&org),
                String::from_utf8_lossy(&self.chain_id)
            );
            return;
        }
        match &m.content {
            Some(Content::StateInfoPullReq(_)) => {
                msg.respond(self.create_state_info_snapshot(&org))
            }
            Some(Content::StateSnapshot(s)) => self.handle_state_info_snapshot(s, sender),
            Some(Content::DataMsg(_)) => self.handle_block(msg.clone()),
            Some(Content::StateInfo(_)) if self.state_info_add(msg.message()) => {
                self.adapter.forward(msg.clone());
                self.adapter.demultiplex(msg.message().clone());
            }
            Some(Content::StateInfo(_)) => {}
            Some(Content::LeadershipMsg(l)) => {
                self.handle_leadership(msg.as_ref(), &PkiId(l.pki_id.clone()))
            }
            _ if m.pull_msg_type() == PullMsgType::BlockMsg => self.handle_block_pull(msg.as_ref()),
            _ => {}
        }
    }

    fn handle_block(&self, msg: Arc<dyn ReceivedMessage>) {
        let sm = msg.message();
        let sender = &msg.connection_info().id;
        if !self.blocks.lock().unwrap().check_valid(sm) {
            return;
        }
        if !self.verify_block(&sm.message, sender) {
            return;
        }
        if self.add_block(sm.clone()) {
            self.adapter.forward(msg.clone());
            self.adapter.demultiplex(sm.clone());
        }
    }

    fn handle_block_pull(&self, msg: &dyn ReceivedMessage) {
        let sender = msg.connection_info().id.clone();
        if self.has_left() {
            tracing::info!(target: LOG, "Received Pull message from {} but left the channel", msg.connection_info().endpoint);
            return;
        }
        if self.state_info.lock().unwrap().msg_by_id(&sender).is_none() {
            return;
        }
        let member = NetworkMember {
            pki_id: sender,
            ..Default::default()
        };
        if !self.eligible_for_channel_and_same_org(&member) {
            tracing::warn!(target: LOG, "{} isn't eligible for pulling blocks", msg.connection_info().endpoint);
            return;
        }
        let mut m = msg.message().message.clone();
        if let Some(Content::DataUpdate(u)) = &mut m.content {
            match self.filter_data_update(u, &member.pki_id) {
                Some(kept) => u.data = kept,
                None => return,
            }
        }
        self.puller.handle_message(&m, msg);
    }

    /// Verifies the blocks of a data update and stores the new ones; `None` drops the whole
    /// update (a block of another channel, or one that does not verify).
    fn filter_data_update(
        &self,
        u: &DataUpdate,
        sender: &PkiId,
    ) -> Option<Vec<crate::protos::gossip::Envelope>> {
        let mut verified = Vec::new();
        for env in &u.data {
            let Ok(g) = SignedGossipMessage::from_envelope(env.clone()) else {
                tracing::warn!(target: LOG, "Data update contains an invalid message");
                return None;
            };
            if g.message.channel != self.chain_id {
                tracing::warn!(target: LOG, "DataUpdate message contains item of another channel");
                return None;
            }
            if !self.blocks.lock().unwrap().check_valid(&g) {
                continue;
            }
            if !self.verify_block(&g.message, sender) {
                return None;
            }
            verified.push((g, env.clone()));
        }
        let mut kept = Vec::new();
        for (g, env) in verified {
            if self.add_block(g) {
                kept.push(env);
            }
        }
        Some(kept)
    }

    fn handle_leadership(&self, msg: &dyn ReceivedMessage, creator: &PkiId) {
        let sender_org = self.adapter.org_of_peer(&msg.connection_info().id);
        if sender_org.as_deref() != Some(self.self_org.as_slice()) {
            tracing::warn!(target: LOG, "Received leadership message from {} that belongs to a foreign organization", msg.connection_info().endpoint);
            return;
        }
        if self.adapter.org_of_peer(creator).as_deref() != Some(self.self_org.as_slice()) {
            tracing::warn!(target: LOG, "Received leadership message created by a foreign organization");
            return;
        }
        let (added, _) = self.leader_msgs.lock().unwrap().add(msg.message().clone());
        if added {
            self.adapter.demultiplex(msg.message().clone());
        }
    }

    fn handle_state_info_snapshot(&self, snap: &StateInfoSnapshot, sender: &PkiId) {
        let chan = String::from_utf8_lossy(&self.chain_id).into_owned();
        for env in &snap.elements {
            let Ok(si) = SignedGossipMessage::from_envelope(env.clone()) else {
                tracing::warn!(target: LOG, "Channel {chan} : StateInfo snapshot contains an invalid message");
                return;
            };
            let Some(Content::StateInfo(info)) = &si.message.content else {
                tracing::warn!(target: LOG, "Channel {chan} : Element of StateInfoSnapshot isn't a StateInfoMessage, sent from {sender}");
                return;
            };
            let id = PkiId(info.pki_id.clone());
            let Some(org) = self.adapter.org_of_peer(&id) else {
                tracing::debug!(target: LOG, "Channel {chan} : couldn't find org identity of peer {id} message sent from {sender}");
                return;
            };
            if !self.is_org_in_channel(&org) {
                tracing::warn!(target: LOG, "Channel {chan} : Peer {id} is not in an eligible org, can't process a stateInfo from it, sent from {sender}");
                return;
            }
            if info.channel_mac != generate_mac(&id, &self.chain_id) {
                tracing::warn!(target: LOG, "Channel {chan} : StateInfo message has an invalid MAC, sent from {sender}");
                return;
            }
            if let Err(e) = self.adapter.validate_state_info_message(&si) {
                tracing::warn!(target: LOG, "Channel {chan}: Failed validating state info message sent from {sender} : {e}");
                return;
            }
            if self.adapter.lookup(&id).is_none() {
                continue;
            }
            self.state_info_add(&si);
        }
    }

    fn verify_block(&self, m: &GossipMessage, sender: &PkiId) -> bool {
        let Some(Content::DataMsg(d)) = &m.content else {
            tracing::warn!(target: LOG, "Received from {sender} a DataUpdate message that contains a non-block GossipMessage");
            return false;
        };
        let Some(p) = &d.payload else {
            tracing::warn!(target: LOG, "Received empty payload from {sender}");
            return false;
        };
        let chan = String::from_utf8_lossy(&m.channel);
        if let Err(e) = self.mcs.verify_block(&chan, p.seq_num, &p.data) {
            tracing::warn!(target: LOG, "Received fabricated block from {sender} in DataUpdate: {e}");
            return false;
        }
        true
    }

    /// The state info we hold for a requester: all of it to our own organization; to others,
    /// that of peers of our organization only when they have an external endpoint.
    fn create_state_info_snapshot(&self, requester_org: &OrgId) -> GossipMessage {
        let same_org = *requester_org == self.self_org;
        let elements = self
            .state_info
            .lock()
            .unwrap()
            .get()
            .into_iter()
            .filter(|m| {
                let id = state_info_pki_id(m);
                if same_org
                    || self.adapter.org_of_peer(&id).as_deref() != Some(self.self_org.as_slice())
                {
                    return true;
                }
                self.adapter
                    .lookup(&id)
                    .is_some_and(|nm| !nm.endpoint.is_empty())
            })
            .filter_map(|m| m.envelope)
            .collect();
        GossipMessage {
            channel: self.chain_id.clone(),
            tag: Tag::ChanOrOrg as i32,
            nonce: 0,
            content: Some(Content::StateSnapshot(StateInfoSnapshot { elements })),
        }
    }

    /// Fabric's `verifyMsg`: the channel MAC of state info and its pull requests, the channel
    /// name of the rest.
    fn verify_msg(&self, msg: &dyn ReceivedMessage) -> bool {
        let sender = &msg.connection_info().id;
        if sender.is_empty() {
            return false;
        }
        let m = &msg.message().message;
        match &m.content {
            Some(Content::StateInfo(si)) => {
                si.channel_mac == generate_mac(&PkiId(si.pki_id.clone()), &self.chain_id)
            }
            Some(Content::StateInfoPullReq(r)) => {
                r.channel_mac == generate_mac(sender, &self.chain_id)
            }
            _ => m.channel == self.chain_id,
        }
    }
}
